"""A preview server for the built blog, as a static host would serve it.

Folders serve their index.html, missing pages get the blog's 404.html, the
blog lives under base_url's path (`/blog/`), and no request can reach a file
outside the output folder. Pages are sent with `no-store` so a preview is
never stale in the browser's cache.

With live reload, each HTML page is sent with a small script (added on the
way out: the files in the output never hold it) that listens to
EVENTS_PATH, reloads when a rebuild changed the blog, and shows the build's
errors over the page until they are fixed.
"""

from __future__ import annotations

import errno
import json
import mimetypes
import re
import socket
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from storyblog.errors import UsageError

LOOPBACK = ("127.0.0.1", "localhost", "::1")
EVENTS_PATH = "/_storyblog/events"
KEEP_ALIVE_SECONDS = 15
BODY_END = re.compile(rb"</body>", re.IGNORECASE)
RELOAD_SCRIPT = (Path(__file__).parent / "reload.js").read_text(encoding="utf-8")
NOT_BUILT_YET = (
    b"<!DOCTYPE html>\n<html lang=en><title>Not built yet</title><body><h1>Not built yet"
    b"</h1><p>This page is not there: the blog may not have built. See the terminal.</p>"
    b"</body></html>\n"
)


@dataclass(frozen=True)
class Status:
    generation: int
    """Goes up each time a rebuild changes what the blog shows, or its errors are fixed."""
    problems: tuple[str, ...]
    """The last build's errors, `path:line: message`; empty when it succeeded."""


class Preview:
    """The status the open tabs follow, and a way for each to wait for its next change."""

    def __init__(self) -> None:
        self.status = Status(0, ())
        self._changed = threading.Condition()

    def publish(self, changed: bool, problems: tuple[str, ...]) -> None:
        with self._changed:
            old = self.status
            fixed = bool(old.problems) and not problems
            generation = old.generation + 1 if changed or fixed else old.generation
            self.status = Status(generation, problems)
            self._changed.notify_all()

    def wait_for_change(self, seen: Status, timeout: float) -> Status:
        with self._changed:
            self._changed.wait_for(lambda: self.status != seen, timeout)
            return self.status


@dataclass
class Served:
    """What the server serves: the output folder under base_url's path, which a rebuild
    may change, and, with live reload, the preview's status."""

    root: Path
    base_path: str
    preview: Preview | None = None

    def __post_init__(self) -> None:
        self.root = self.root.resolve()


def resolve_request(root: Path, url_path: str) -> Path | None:
    """The file a URL path (below the blog's base path) names, or None if there is none.

    Refuses `..`, encoded or not, hidden names, backslashes, and symlinks that lead
    out of root.
    """
    path = unquote(url_path)
    if "\\" in path or "\0" in path:
        return None
    parts = [part for part in path.split("/") if part]
    if any(part.startswith(".") for part in parts):  # `..`, and files such as .storyblog
        return None
    target = root.joinpath(*parts)
    if target.is_dir():
        target = target / "index.html"
    try:
        resolved = target.resolve(strict=True)
    except (FileNotFoundError, RuntimeError, OSError):
        return None
    if not resolved.is_relative_to(root.resolve()) or not resolved.is_file():
        return None
    return resolved


class PreviewHandler(BaseHTTPRequestHandler):
    served: Served
    server_version = "storyblog"
    generation = 0

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        # The generation before anything is read: a rebuild that ends while this request
        # reads a page makes the page's script reload it (never the other way round).
        preview = self.served.preview
        self.generation = preview.status.generation if preview else 0
        url = urlsplit(self.path)
        path, base_path = url.path, self.served.base_path
        if path == EVENTS_PATH and self.served.preview is not None and send_body:
            return self._send_events(self.served.preview, url.query)
        if not path.startswith(base_path):
            if path in ("", "/", base_path.rstrip("/")):
                return self._redirect(base_path)
            return self._not_found(send_body)
        relative = path[len(base_path) :]
        target = resolve_request(self.served.root, relative)
        if target is None:
            return self._not_found(send_body)
        if target.name == "index.html" and relative and not relative.endswith(("/", ".html")):
            return self._redirect(path + "/")
        self._send_file(HTTPStatus.OK, target, send_body)

    def _redirect(self, location: str) -> None:
        """Temporary, and not cached: another blog's preview may use this port tomorrow."""
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _not_found(self, send_body: bool) -> None:
        page = self.served.root / "404.html"
        if page.is_file():
            return self._send_file(HTTPStatus.NOT_FOUND, page, send_body)
        self._send(HTTPStatus.NOT_FOUND, NOT_BUILT_YET, "text/html", send_body)

    def _send_file(self, status: HTTPStatus, path: Path, send_body: bool) -> None:
        try:
            data = path.read_bytes()
        except OSError:  # removed by a rebuild since it was found
            return self._not_found(send_body)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self._send(status, data, kind, send_body)

    def _send(self, status: HTTPStatus, data: bytes, kind: str, send_body: bool) -> None:
        if self.served.preview is not None and kind == "text/html":
            data = with_reload_script(data, self.generation)
        if kind.startswith("text/") or kind in ("application/xml", "application/javascript"):
            kind += "; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def _send_events(self, preview: Preview, query: str) -> None:
        """Server-sent events until the page goes away: `reload` when a rebuild changed
        the blog since the page was sent, `problems` while the last build failed."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = parse_qs(query).get("generation", ["0"])[0]
        last = Status(int(seen) if seen.isascii() and seen.isdigit() else 0, ())
        try:
            while True:
                status = preview.wait_for_change(last, KEEP_ALIVE_SECONDS)
                if status.problems and status.problems != last.problems:
                    self._event("problems", json.dumps(status.problems))
                elif status.generation != last.generation:
                    self._event("reload", str(status.generation))
                else:
                    self.wfile.write(b": still here\n\n")  # finds a closed tab
                    self.wfile.flush()
                last = status
        except (BrokenPipeError, ConnectionResetError):
            return

    def _event(self, name: str, data: str) -> None:
        self.wfile.write(f"event: {name}\ndata: {data}\n\n".encode())
        self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the terminal is for build messages."""


def with_reload_script(page: bytes, generation: int) -> bytes:
    script = RELOAD_SCRIPT.replace("GENERATION", str(generation))
    tag = f"<script>\n{script}</script>\n".encode()
    ends = list(BODY_END.finditer(page))
    at = ends[-1].start() if ends else len(page)
    return page[:at] + tag + page[at:]


class IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def create_server(served: Served, host: str, port: int) -> ThreadingHTTPServer:
    """A server for the output, bound and ready; UsageError when the port cannot be had."""
    handler = type("Handler", (PreviewHandler,), {"served": served})
    server_class = IPv6Server if ":" in host else ThreadingHTTPServer
    try:
        return server_class((host, port), handler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {port} is in use (another preview running?): "
                f"stop it, or choose another port with --port {port + 1}"
            ) from None
        raise UsageError(f"cannot serve on {host}:{port}: {error.strerror}") from None


def announce(host: str, port: int, base_path: str) -> None:
    if host not in LOOPBACK:
        print(f"warning: serving on {host}: other machines on the network can see the preview")
    print(f"Serving the blog at http://{host_for_url(host)}:{port}{base_path}  (Ctrl-C stops)")


def host_for_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host
