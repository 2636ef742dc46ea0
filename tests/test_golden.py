"""The whole built fixture blog, compared file by file with the golden output.

Regenerate after an intended change to the output with `make golden`, then
read the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import difflib
import os
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


def test_the_fixture_blog_builds_to_the_golden_output(tmp_path: Path) -> None:
    build(BuildOptions(content=FIXTURE, templates=TEMPLATES, output=tmp_path / "site"))
    actual = built_files(tmp_path / "site")
    if os.environ.get("STORYBLOG_UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for name, data in actual.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
    expected = built_files(GOLDEN)
    problems = [
        f"missing from the build: {name}" for name in sorted(expected.keys() - actual.keys())
    ]
    problems += [
        f"not in the golden output: {name}" for name in sorted(actual.keys() - expected.keys())
    ]
    for name in sorted(expected.keys() & actual.keys()):
        if expected[name] != actual[name]:
            diff = difflib.unified_diff(
                expected[name].decode().splitlines(), actual[name].decode().splitlines(),
                f"golden/{name}", f"built/{name}", lineterm="", n=2,
            )  # fmt: skip
            problems.append("\n".join(diff))
    assert not problems, "\n\n".join(problems) + "\n\nIf the change is intended: make golden"
