"""A preview server for the built blog, as a static host would serve it.

Folders serve their index.html, missing pages get the blog's 404.html, the
blog lives under base_url's path (`/blog/`), and no request can reach a file
outside the output folder. Pages are sent with `no-store` so a preview is
never stale in the browser's cache.
"""

from __future__ import annotations

import errno
import mimetypes
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from storyblog.errors import UsageError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def resolve_request(root: Path, url_path: str) -> Path | None:
    """The file a URL path (below the blog's base path) names, or None if there is none.

    Refuses `..`, encoded or not, backslashes, and symlinks that lead out of root.
    """
    path = unquote(url_path)
    if "\\" in path or "\0" in path:
        return None
    parts = [part for part in path.split("/") if part]
    if any(part in (".", "..") for part in parts):
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
    root: Path
    base_path: str
    server_version = "storyblog"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        path = urlsplit(self.path).path
        if not path.startswith(self.base_path):
            if path in ("", "/", self.base_path.rstrip("/")):
                return self._redirect(self.base_path)
            return self._not_found(send_body)
        relative = path[len(self.base_path) :]
        target = resolve_request(self.root, relative)
        if target is None:
            return self._not_found(send_body)
        if target.name == "index.html" and relative and not relative.endswith(("/", ".html")):
            return self._redirect(path + "/")
        self._send_file(HTTPStatus.OK, target, send_body)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _not_found(self, send_body: bool) -> None:
        page = self.root / "404.html"
        if page.is_file():
            return self._send_file(HTTPStatus.NOT_FOUND, page, send_body)
        self.send_error(HTTPStatus.NOT_FOUND)

    def _send_file(self, status: HTTPStatus, path: Path, send_body: bool) -> None:
        data = path.read_bytes()
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/xml", "application/javascript"):
            kind += "; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the terminal is for build messages."""


class IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def create_server(output_dir: Path, base_path: str, host: str, port: int) -> ThreadingHTTPServer:
    """A server for output_dir, bound and ready; UsageError when the port cannot be had."""
    handler = type(
        "Handler", (PreviewHandler,), {"root": output_dir.resolve(), "base_path": base_path}
    )
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


def serve(output_dir: Path, base_path: str, host: str, port: int) -> None:
    """Serves output_dir until Ctrl-C."""
    server = create_server(output_dir, base_path, host, port)
    if host not in LOOPBACK:
        print(f"warning: serving on {host}: other machines on the network can see the preview")
    print(f"Serving the blog at http://{_host_for_url(host)}:{port}{base_path}  (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nStopped.")
    finally:
        server.server_close()


def _host_for_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host
