"""The preview server: what a static host would send, and nothing outside the output."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, TEMPLATES, MakeBlog, story

from storyblog.errors import UsageError
from storyblog.serve import Served, create_server


@pytest.fixture
def server(make_blog: MakeBlog, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """The built test blog served under /blog/, with a secret file beside the output."""
    blog = make_blog(
        {"posts/a.md": story("A", "2024-01-01")}, site="base_url: https://x.test/blog/\n"
    )
    (tmp_path / "secret.txt").write_text("do not serve")
    (blog.output / "outside").symlink_to(tmp_path)
    http = create_server(Served(blog.output, "/blog/"), "127.0.0.1", 0)
    thread = threading.Thread(target=http.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield "127.0.0.1", http.server_address[1]
    http.shutdown()
    http.server_close()


def raw_get(address: tuple[str, int], target: str) -> tuple[int, dict[str, str], bytes]:
    """GET with the target sent exactly as given: no client normalises it."""
    with socket.create_connection(address, timeout=5) as connection:
        connection.sendall(f"GET {target} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


def test_folders_serve_their_index_under_the_base_path(server: tuple[str, int]) -> None:
    status, headers, body = raw_get(server, "/blog/2024/01/a/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert b'<h1 class="story-title">A</h1>' in body


def test_the_root_redirects_to_the_base_path_and_folders_get_their_slash(
    server: tuple[str, int],
) -> None:
    status, headers, _ = raw_get(server, "/")
    assert (status, headers["location"]) == (302, "/blog/")
    assert headers["cache-control"] == "no-store"  # another blog may use this port later
    status, headers, _ = raw_get(server, "/blog/2024/01/a")
    assert (status, headers["location"]) == (302, "/blog/2024/01/a/")


def test_a_missing_page_gets_the_blogs_404_page(server: tuple[str, int]) -> None:
    status, _, body = raw_get(server, "/blog/no/such/page/")
    assert status == 404
    assert b"This page is not here" in body


@pytest.mark.parametrize(
    "target",
    [
        "/blog/../secret.txt",
        "/blog/%2e%2e/secret.txt",
        "/blog/%2E%2E%2Fsecret.txt",
        "/blog/..%5csecret.txt",
        "/blog//etc/passwd",
        "/blog/outside/secret.txt",
        "/secret.txt",
        "/blog/%00",
        "/blog/.storyblog",
        "/blog/outside/../../secret.txt",
    ],
)
def test_nothing_outside_the_output_is_served(server: tuple[str, int], target: str) -> None:
    status, _, body = raw_get(server, target)
    assert status == 404
    assert b"do not serve" not in body and b"root:" not in body


def test_a_port_in_use_gets_a_clear_message(server: tuple[str, int], tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=f"port {server[1]} is in use"):
        create_server(Served(tmp_path, "/"), *server)


def test_the_base_path_without_its_slash_redirects(server: tuple[str, int]) -> None:
    status, headers, _ = raw_get(server, "/blog")
    assert (status, headers["location"]) == (302, "/blog/")


def test_ctrl_c_stops_the_preview_cleanly(make_blog: MakeBlog) -> None:
    blog = make_blog({"posts/a.md": story("A", "2024-01-01")}, build=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, str(REPO / "build.py"), "--content", str(blog.content),
               "--templates", str(TEMPLATES), "--output", str(blog.output),
               "--serve", "--port", str(port)]  # fmt: skip
    preview = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(100):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
            break
        time.sleep(0.05)
    assert raw_get(("127.0.0.1", port), "/")[0] == 200
    preview.send_signal(signal.SIGINT)
    out, err = preview.communicate(timeout=10)
    assert preview.returncode == 0
    assert out.rstrip().endswith("Stopped.")
    assert err == ""
