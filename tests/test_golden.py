"""The whole built fixture blog, compared file by file with the golden output.

After an intended change to the output, regenerate it with `make golden`
(`python tests/test_golden.py`), then read `git diff tests/golden` before
committing it. The test itself never rewrites the golden files.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

from conftest import REPO, TEMPLATES

from storyblog.builder import BuildOptions, build

FIXTURE = REPO / "tests" / "fixtures" / "golden-blog"
GOLDEN = REPO / "tests" / "golden"
THEME_ASSETS = "theme/"  # the theme's static files are copied verbatim: not the generator's output


def built_files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.relative_to(folder).as_posix().startswith(THEME_ASSETS)
    }


def build_fixture(output: Path) -> dict[str, bytes]:
    build(BuildOptions(content=FIXTURE, templates=TEMPLATES, output=output))
    return built_files(output)


def test_the_fixture_blog_builds_to_the_golden_output(tmp_path: Path) -> None:
    actual = build_fixture(tmp_path / "site")
    expected = built_files(GOLDEN)
    problems = [f"missing from the build: {name}" for name in sorted(expected - actual.keys())]
    problems += [f"not in the golden output: {name}" for name in sorted(actual - expected.keys())]
    for name in sorted(expected.keys() & actual.keys()):
        if expected[name] != actual[name]:
            diff = difflib.unified_diff(
                expected[name].decode().splitlines(), actual[name].decode().splitlines(),
                f"golden/{name}", f"built/{name}", lineterm="", n=2,
            )  # fmt: skip
            problems.append("\n".join(diff))
    assert not problems, "\n\n".join(problems) + "\n\nIf the change is intended: make golden"


def regenerate() -> None:
    """Rewrites tests/golden/ from a fresh build of the fixture blog."""
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for name in build_fixture(GOLDEN):
        print(f"tests/golden/{name}")
    shutil.rmtree(GOLDEN / THEME_ASSETS, ignore_errors=True)


if __name__ == "__main__":
    regenerate()
