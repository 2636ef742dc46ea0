"""`--serve` as a writer uses it: save a story, and every open tab shows the new text;
break it, and the tab shows what is wrong; fix it, and the message goes.

One preview process serves a temporary blog for the whole module. The event
stream is read from a raw socket; the browser tests drive Debian's Chromium.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import AUTHOR_MAYA, REPO, TEMPLATES, story

CHROMIUM = Path("/usr/bin/chromium")
STORY = "content/posts/2024-01-02-the-lift.md"


@dataclass
class Preview:
    root: Path
    port: int
    process: subprocess.Popen[str]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def write(self, name: str, text: str) -> None:
        """Saves as many editors do: a temporary file renamed over the old one."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    root = tmp_path_factory.mktemp("live")
    (root / "content/posts").mkdir(parents=True)
    (root / "content/authors").mkdir()
    (root / "content/authors/maya.md").write_text(AUTHOR_MAYA)
    (root / "content/site.yml").write_text("title: Live\nbase_url: https://example.org/blog/\n")
    (root / STORY).write_text(story("The Lift", "2024-01-02", body="The lift was slow."))
    shutil.copytree(TEMPLATES, root / "templates")
    port = free_port()
    command = [sys.executable, str(REPO / "build.py"), "--serve", "--port", str(port)]
    with (root / "out.log").open("w") as out, (root / "err.log").open("w") as err:
        process = subprocess.Popen(command, cwd=root, stdout=out, stderr=err, text=True)
    for _ in range(200):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
            break
        time.sleep(0.05)
    yield Preview(root, port, process)
    process.send_signal(signal.SIGINT)
    process.wait(timeout=10)
    assert process.returncode == 0, (root / "err.log").read_text()
    assert (root / "out.log").read_text().rstrip().endswith("Stopped.")


class Events:
    """The server-sent events of the preview, read from a raw socket."""

    def __init__(self, preview: Preview, generation: int) -> None:
        self.socket = socket.create_connection(("127.0.0.1", preview.port), timeout=10)
        target = f"/_storyblog/events?generation={generation}"
        self.socket.sendall(f"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        self.buffer = b""

    def next(self) -> tuple[str, str]:
        """The next event's name and data, skipping keep-alive comments."""
        while True:
            while b"\n\n" not in self.buffer:
                self.buffer += self.socket.recv(65536)
            block, self.buffer = self.buffer.split(b"\n\n", 1)
            fields = dict(
                line.split(": ", 1) for line in block.decode().splitlines() if ": " in line
            )
            if "event" in fields:
                return fields["event"], fields["data"]

    def close(self) -> None:
        self.socket.close()


def generation_of(page: str) -> int:
    match = re.search(r"events\?generation=(\d+)", page)
    assert match, "the preview adds its script to every page"
    return int(match.group(1))


def get(preview: Preview, path: str) -> str:
    with socket.create_connection(("127.0.0.1", preview.port), timeout=5) as connection:
        connection.sendall(f"GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    return data.partition(b"\r\n\r\n")[2].decode()


def test_a_save_sends_reload_and_a_mistake_sends_its_problems(preview: Preview) -> None:
    page = get(preview, "/blog/2024/01/the-lift/")
    assert "The lift was slow." in page
    events = Events(preview, generation_of(page))
    try:
        preview.write(STORY, story("The Lift", "2024-01-02", body="The lift was quick."))
        assert events.next()[0] == "reload"
        assert "The lift was quick." in get(preview, "/blog/2024/01/the-lift/")
        terminal = (preview.root / "out.log").read_text().splitlines()
        assert terminal[0].startswith("Built the blog: ")
        assert re.fullmatch(
            rf"{STORY} changed: \d+ pages rendered, \d+ files written in \d+ ms", terminal[-1]
        )

        preview.write(STORY, story("The Lift", "2024-13-02"))
        name, data = events.next()
        assert name == "problems"
        assert f"{STORY}:4: 'date': '2024-13-02' is not a real date" in data
        assert "The lift was quick." in get(preview, "/blog/2024/01/the-lift/")  # kept

        preview.write(STORY, story("The Lift", "2024-01-02", body="The lift was quick."))
        assert events.next()[0] == "reload"  # the same pages as before: still, the overlay goes
    finally:
        events.close()


def test_the_script_is_only_in_what_the_server_sends(preview: Preview) -> None:
    assert "/_storyblog/events" in get(preview, "/blog/")
    on_disk = (preview.root / "site/index.html").read_text()
    assert "/_storyblog/events" not in on_disk


def test_any_file_in_static_counts_as_a_change(preview: Preview) -> None:
    page = get(preview, "/blog/")
    events = Events(preview, generation_of(page))
    try:
        preview.write("content/static/CNAME", "stories.example.org\n")
        assert events.next()[0] == "reload"
        assert get(preview, "/blog/CNAME") == "stories.example.org\n"
    finally:
        events.close()


def test_a_garbled_generation_is_a_reload_not_an_error(preview: Preview) -> None:
    events = Events(preview, generation="%C2%B2")  # type: ignore[arg-type]
    try:
        assert events.next()[0] == "reload"
    finally:
        events.close()
    assert "Traceback" not in (preview.root / "err.log").read_text()


def test_a_tab_opened_before_a_rebuild_finished_reloads(preview: Preview) -> None:
    events = Events(preview, generation=0)  # as if the page came from an older build
    try:
        assert events.next()[0] == "reload"
    finally:
        events.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    assert CHROMIUM.exists(), "the browser tests need Debian's chromium: apt-get install chromium"
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


def test_in_a_browser_edits_show_and_mistakes_show_until_fixed(
    preview: Preview, browser: object
) -> None:
    tab = browser.new_page()  # type: ignore[attr-defined]
    try:
        tab.goto(preview.url("/blog/2024/01/the-lift/"))
        body = tab.locator(".story-body")
        assert "The lift was" in body.inner_text()

        preview.write(STORY, story("The Lift", "2024-01-02", body="The lift sang."))
        tab.wait_for_function("document.querySelector('.story-body').innerText.includes('sang')")

        preview.write(STORY, story("The Lift", "2024-01-02", author="mya"))
        overlay = tab.locator("#storyblog_problems")
        overlay.wait_for(state="visible")
        assert f"{STORY}:3: unknown author 'mya': did you mean 'maya'?" in overlay.inner_text()
        assert "The lift sang." in body.inner_text()  # the last good page stays

        preview.write(STORY, story("The Lift", "2024-01-02", body="The lift sang again."))
        tab.wait_for_function("document.querySelector('.story-body').innerText.includes('again')")
        assert tab.locator("#storyblog_problems").count() == 0
    finally:
        tab.close()


def test_in_a_browser_a_template_edit_reloads_every_open_tab(
    preview: Preview, browser: object
) -> None:
    tabs = [browser.new_page() for _ in range(2)]  # type: ignore[attr-defined]
    try:
        tabs[0].goto(preview.url("/blog/"))
        tabs[1].goto(preview.url("/blog/2024/01/the-lift/"))
        base = (preview.root / "templates/base.html").read_text()
        preview.write("templates/base.html", base.replace("Built with storyblog.", "Made here."))
        for tab in tabs:
            tab.wait_for_function(
                "document.querySelector('.site-footer').innerText.includes('Made')"
            )
    finally:
        for tab in tabs:
            tab.close()


def test_a_content_folder_made_again_is_watched_again(preview: Preview) -> None:
    """As a checkout or a restore from backup does: delete content/, then make it again."""
    content, backup = preview.root / "content", preview.root / "backup"
    shutil.copytree(content, backup)
    page = get(preview, "/blog/")
    events = Events(preview, generation_of(page))
    try:
        shutil.rmtree(content)
        name, data = events.next()
        assert name == "problems" and "no content folder" in data
        shutil.copytree(backup, content)
        assert events.next()[0] == "reload"
        preview.write(STORY, story("The Lift", "2024-01-02", body="Back again."))
        assert events.next()[0] == "reload"
        assert "Back again." in get(preview, "/blog/2024/01/the-lift/")
    finally:
        events.close()


def test_before_a_first_good_build_the_browser_still_hears_of_the_fix(tmp_path: Path) -> None:
    (tmp_path / "content/posts").mkdir(parents=True)
    (tmp_path / "content/posts/a.md").write_text(story("A", "2024-01-01", author="nobody"))
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    port = free_port()
    command = [sys.executable, str(REPO / "build.py"), "--serve", "--port", str(port)]
    with (tmp_path / "out.log").open("w") as out, (tmp_path / "err.log").open("w") as err:
        process = subprocess.Popen(command, cwd=tmp_path, stdout=out, stderr=err, text=True)
    preview = Preview(tmp_path, port, process)
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                break
            time.sleep(0.05)
        page = get(preview, "/")
        assert "Not built yet" in page
        events = Events(preview, generation_of(page))
        assert events.next()[0] == "problems"
        (tmp_path / "content/authors").mkdir()
        preview.write("content/authors/nobody.md", "---\nname: No Body\n---\n")
        assert events.next()[0] == "reload"
        events.close()
        assert "A" in get(preview, "/2024/01/a/")
        assert "keeps the last good pages" not in (tmp_path / "err.log").read_text()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
