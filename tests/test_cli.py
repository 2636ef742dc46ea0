"""The command line's exit statuses: 0 built, 1 content errors, 2 wrong usage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, TEMPLATES, MakeBlog, story

from storyblog.cli import TerminalProgress, main


def test_build_py_builds_any_content_folder(make_blog: MakeBlog, tmp_path: Path) -> None:
    blog = make_blog({"posts/a.md": story("A", "2024-01-01")}, build=False)
    output = tmp_path / "elsewhere"
    completed = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--content", str(blog.content),
         "--templates", str(TEMPLATES), "--output", str(output)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith(f"Built 1 story into {output}/")
    assert (output / "2024" / "01" / "a" / "index.html").is_file()


def test_content_errors_exit_1(make_blog: MakeBlog) -> None:
    blog = make_blog({"posts/a.md": story("A", "not a date")}, build=False)
    arguments = ["--content", str(blog.content), "--templates", str(TEMPLATES)]
    assert main([*arguments, "--output", str(blog.output)]) == 1
    assert not blog.output.exists()


def test_a_missing_content_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--content", str(tmp_path / "nope"), "--output", str(tmp_path / "out")])
    assert code == 2
    assert "no content folder at" in capsys.readouterr().err


def test_missing_templates_are_a_usage_error(
    make_blog: MakeBlog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blog = make_blog(build=False)
    code = main(["--content", str(blog.content), "--templates", str(tmp_path / "none")])
    assert code == 2
    assert "no templates at" in capsys.readouterr().err


def test_a_folder_storyblog_did_not_write_is_never_overwritten(
    make_blog: MakeBlog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blog = make_blog(build=False)
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    arguments = ["--content", str(blog.content), "--templates", str(TEMPLATES)]
    assert main([*arguments, "--output", str(precious)]) == 2
    assert "holds files that storyblog did not write (thesis.txt)" in capsys.readouterr().err
    assert [p.name for p in precious.iterdir()] == ["thesis.txt"]


@pytest.mark.parametrize(
    "arguments",
    [
        ["--base-url", "example.org"],
        ["--port", "9000"],
        ["--serve", "--port", "70000"],
        ["--serve", "--port", "-5"],
        ["--no-such-option"],
    ],
)
def test_wrong_arguments_exit_2(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(arguments)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err


def test_the_storyblog_command_does_what_build_py_does(make_blog: MakeBlog, tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "storyblog"
    assert command.is_file(), "install the package (make test does): pip install -e '.[test]'"
    blog = make_blog({"posts/a.md": story("A", "2024-01-01")}, build=False)
    completed = subprocess.run(
        [str(command), "--content", str(blog.content), "--templates", str(TEMPLATES),
         "--output", str(tmp_path / "out")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "out" / "2024" / "01" / "a" / "index.html").is_file()


def test_a_disk_that_refuses_writes_gets_a_message_not_a_traceback(
    make_blog: MakeBlog, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blog = make_blog({"posts/a.md": story("A", "2024-01-01")}, build=False)

    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("storyblog.writer.os.replace", full_disk)
    arguments = ["--content", str(blog.content), "--templates", str(TEMPLATES)]
    assert main([*arguments, "--output", str(blog.output)]) == 1
    assert "could not write the blog: [Errno 28] No space left on device" in capsys.readouterr().err


def test_progress_is_written_past_the_stream_that_a_fork_could_catch_locked(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Render workers are forked by the pool's thread while the main thread reports progress:
    the report never holds sys.stderr's lock, which a worker would inherit held."""

    class Unwritable:
        encoding, errors = "utf-8", "strict"

        def fileno(self) -> int:
            return 2

        def write(self, text: str) -> int:
            raise AssertionError("progress went through the Python stream")

    progress = TerminalProgress()
    monkeypatch.setattr(sys, "stderr", Unwritable())
    progress("pages rendered", 1, 2)
    progress("pages rendered", 2, 2)
    shown = capfd.readouterr().err
    assert "1/2 pages rendered" in shown and shown.endswith("\x1b[K\n")
