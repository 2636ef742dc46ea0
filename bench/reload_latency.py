"""Time from saving a story to the preview's reload event: `python bench/reload_latency.py`.

Starts `build.py --serve` on a copy of a blog (the sample, or a corpus made
by ../shared/bench/make_corpus.py), listens to the event stream as a browser
tab does, edits one story's body N times (a temporary file renamed over it,
as editors save), and prints the median, min and max.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=REPO / "content", metavar="DIR")
    parser.add_argument("--saves", type=int, default=20)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(arguments.content, root / "content")
        shutil.copytree(REPO / "templates", root / "templates")
        story = sorted((root / "content/posts").rglob("*.md"))[0]
        times = measure(root, story, arguments.saves)
        log = (root / "preview.log").read_text()
    ms = [t * 1000 for t in times]
    builds = [int(n) for n in re.findall(r" in (\d+) ms$", log, re.MULTILINE)][1:]
    print(f"{len(ms)} saves of {story.name}, save to reload event: "
          f"median {statistics.median(ms):.0f} ms, min {min(ms):.0f} ms, max {max(ms):.0f} ms; "
          f"the rebuild alone: median {statistics.median(builds):.0f} ms")  # fmt: skip


def measure(root: Path, story: Path, saves: int) -> list[float]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, str(REPO / "build.py"), "--serve", "--port", str(port)]
    log = (root / "preview.log").open("w")
    server = subprocess.Popen(command, cwd=root, stdout=log)
    try:
        for _ in range(1200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                break
            time.sleep(0.05)
        events = socket.create_connection(("127.0.0.1", port))
        request = "GET /_storyblog/events?generation=1 HTTP/1.1\r\nHost: localhost\r\n\r\n"
        events.sendall(request.encode())
        read_until(events, b"\r\n\r\n")
        original = story.read_text(encoding="utf-8")
        times = []
        for number in range(saves):
            time.sleep(0.3)
            temporary = story.with_name(f".{story.name}.tmp")
            temporary.write_text(original + f"\nEdit number {number}.\n", encoding="utf-8")
            started = time.perf_counter()
            temporary.replace(story)
            read_until(events, b"event: reload")
            times.append(time.perf_counter() - started)
        return times
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        log.close()


def read_until(connection: socket.socket, marker: bytes) -> None:
    data = b""
    while marker not in data:
        chunk = connection.recv(65536)
        if not chunk:
            raise SystemExit("the preview closed the event stream")
        data += chunk


if __name__ == "__main__":
    main()
