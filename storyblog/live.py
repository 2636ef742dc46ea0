"""`--serve`: build, serve, watch the blog's files, rebuild what changed, tell every open tab.

Saves are gathered until the files have been quiet for DEBOUNCE_SECONDS, so a
burst of saves or an editor's save-by-rename (a few events within a
millisecond) is one rebuild; a save that comes during a rebuild gets the next. The rebuild is the
incremental Builder, so the preview is exactly what a clean build would give.
A build with errors changes nothing in the output: the last good pages stay
served, and every open tab shows the errors until a save fixes them.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
import traceback
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from storyblog.builder import Builder, BuildOptions
from storyblog.errors import BuildFailed, UsageError, plural
from storyblog.reader import is_hidden_or_backup
from storyblog.serve import Preview, Served, announce, create_server

DEBOUNCE_SECONDS = 0.015
SEND_EVENTS_SECONDS = 0.02
CHANGES: list[type[FileSystemEvent]] = [
    FileCreatedEvent, FileModifiedEvent, FileMovedEvent, FileDeletedEvent, FileClosedEvent,
    DirCreatedEvent, DirMovedEvent, DirDeletedEvent,
]  # fmt: skip
"""Not opened or read: the build reads every file, and would hear itself."""


class Rebuilder(FileSystemEventHandler):
    """Gathers file events, then rebuilds once they stop, on its own thread."""

    def __init__(self, builder: Builder, served: Served, preview: Preview) -> None:
        self.builder = builder
        self.served = served
        self.preview = preview
        self.output = builder.options.output.resolve()
        self._changed: set[str] = set()
        self._last_event = 0.0
        self._lock = threading.Lock()
        self._wake = threading.Event()

    def on_any_event(self, event: FileSystemEvent) -> None:
        paths = [p for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        names = {name for path in paths if (name := self._name(str(path))) is not None}
        # An editor's save-by-rename writes a temporary file first: leave it unnamed.
        names = {name for name in names if is_content_name(name)}
        if names:
            with self._lock:
                self._changed.update(names)
                self._last_event = time.monotonic()
            self._wake.set()

    def _name(self, path: str) -> str | None:
        """How the terminal names a changed file; None for the output's own files."""
        absolute = Path(path).resolve()
        if absolute.is_relative_to(self.output):
            return None
        try:
            return absolute.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return absolute.as_posix()

    def run_forever(self) -> None:
        while True:
            self._wake.wait()
            while (quiet := time.monotonic() - self._last_event) < DEBOUNCE_SECONDS:
                time.sleep(DEBOUNCE_SECONDS - quiet)
            with self._lock:
                changed, self._changed = sorted(self._changed), set()
                self._wake.clear()
            self.rebuild(changed)

    def rebuild(self, changed: list[str]) -> None:
        """One rebuild, and one line about it; never lets a mistake stop the preview."""
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        what = f"{', '.join(changed[:3])}{more} changed" if changed else "Built the blog"
        try:
            result = self.builder.build()
        except BuildFailed as failure:
            errors = tuple(str(problem) for problem in failure.problems if not problem.is_warning)
            for problem in failure.problems:
                print(problem, file=sys.stderr)
            print(f"{what}: {plural(len(errors), 'error', 'errors')}; the preview keeps the last "
                  "good pages and shows the errors in the browser", file=sys.stderr)  # fmt: skip
            self.preview.publish(False, errors)
            return
        except (UsageError, OSError) as error:
            print(f"storyblog: {error}", file=sys.stderr)
            self.preview.publish(False, (f"storyblog: {error}",))
            return
        except Exception:  # storyblog's own bug: say so, keep serving the last good pages
            traceback.print_exc()
            self.preview.publish(False, ("storyblog failed: see the terminal",))
            return
        self.served.base_path = result.base_path
        for warning in result.warnings:
            print(warning, file=sys.stderr)
        touched = result.written + result.removed
        fixed = "; the errors are fixed" if self.preview.status.problems else ""
        if touched or fixed or not changed:
            pages = plural(result.rendered, "page", "pages")
            print(f"{what}: {pages} rendered, {plural(touched, 'file', 'files')} written"
                  f"{f' ({result.removed} removed)' if result.removed else ''} "
                  f"in {result.seconds * 1000:.0f} ms{fixed}")  # fmt: skip
        self.preview.publish(touched > 0, ())
        settle_memory()


def settle_memory() -> None:
    """Once the tabs are told (a collection holds the lock every thread needs, so first let
    the event go out): collect this build's garbage, then set what is left (the memos,
    the model) aside from later collections, which would otherwise walk all of it during
    the next rebuild and slow the reload of a large blog."""
    time.sleep(SEND_EVENTS_SECONDS)
    gc.collect()
    gc.freeze()


def is_content_name(name: str) -> bool:
    """Not an editor's temporary, swap or backup file (which have no suffix, or a hidden
    or backup name)."""
    file_name = name.rsplit("/", 1)[-1]
    return "." in file_name.lstrip(".") and not is_hidden_or_backup(file_name)


def serve_live(options: BuildOptions, host: str, port: int) -> None:
    """Builds, serves and rebuilds on every save until Ctrl-C."""
    preview = Preview()
    served = Served(options.output, "/", preview)
    server = create_server(served, host, port)  # first: a port in use fails at once
    builder = Builder(options)
    rebuilder = Rebuilder(builder, served, preview)
    rebuilder.rebuild([])
    observer = Observer()
    for folder in (options.content, options.templates):
        observer.schedule(rebuilder, str(folder), recursive=True, event_filter=CHANGES)
    observer.daemon = True
    observer.start()
    threading.Thread(target=rebuilder.run_forever, daemon=True).start()
    announce(host, server.server_address[1], served.base_path)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nStopped.")
    finally:
        observer.stop()
        server.server_close()
