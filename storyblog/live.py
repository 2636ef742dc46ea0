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
from watchdog.observers.api import ObservedWatch

from storyblog.builder import Builder, BuildOptions
from storyblog.errors import BuildFailed, UsageError, plural
from storyblog.serve import Preview, Served, announce, create_server
from storyblog.writer import MARKER

DEBOUNCE_SECONDS = 0.015
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
        options = builder.options
        self.roots = [options.content.resolve(), options.templates.resolve()]
        self.output = options.output.resolve()
        self.observer = Observer()
        self.observer.daemon = True
        self._watches: dict[Path, tuple[ObservedWatch, int]] = {}
        self._changed: set[Path] = set()
        self._deleted: set[Path] = set()
        self._last_event = 0.0
        self._lock = threading.Lock()
        self.building = threading.Lock()
        self._wake = threading.Event()
        self._warnings: list[str] = []

    def start(self) -> None:
        """Watches the folders, and each folder's parent, which sees it deleted or made
        again; then rebuilds after each burst of changes, until the process ends."""
        for parent in {root.parent for root in self.roots}:
            self.observer.schedule(self, str(parent), event_filter=CHANGES)
        self.rewatch()
        self.observer.start()
        threading.Thread(target=self.run_forever, daemon=True).start()

    def rewatch(self) -> None:
        """A folder made again (a checkout, a restore) is a new folder to watch."""
        for root in self.roots:
            identity = root.stat().st_ino if root.is_dir() else -1
            watched = self._watches.get(root)
            if watched and watched[1] != identity:
                self.observer.unschedule(watched[0])
                del self._watches[root]
            if root not in self._watches and identity != -1:
                watch = self.observer.schedule(
                    self, str(root), recursive=True, event_filter=CHANGES
                )
                self._watches[root] = (watch, identity)

    def on_any_event(self, event: FileSystemEvent) -> None:
        paths = [Path(str(p)).absolute() for p in (event.src_path, event.dest_path) if p]
        paths = [p for p in paths if any(p.is_relative_to(root) for root in self.roots)]
        paths = [p for p in paths if not p.is_relative_to(self.output)]
        if paths:
            with self._lock:
                self._changed.update(paths)
                if event.event_type == "deleted":
                    self._deleted.update(paths)
                self._last_event = time.monotonic()
            self._wake.set()

    def run_forever(self) -> None:
        while True:
            self._wake.wait()
            while (quiet := time.monotonic() - self._last_event) < DEBOUNCE_SECONDS:
                time.sleep(DEBOUNCE_SECONDS - quiet)
            with self._lock:
                changed, deleted = self._changed, self._deleted
                self._changed, self._deleted = set(), set()
                self._wake.clear()
            # An editor's save-by-rename writes a temporary file first: name only what
            # is there now, or was deleted.
            shown = sorted(display(p) for p in changed if p.exists() or p in deleted)
            self.rebuild(shown or ["a file"])

    def rebuild(self, changed: list[str]) -> None:
        """One rebuild, and one line about it; never lets a mistake stop the preview."""
        with self.building:
            self.rewatch()
            self._rebuild(changed)

    def _rebuild(self, changed: list[str]) -> None:
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        what = f"{', '.join(changed[:3])}{more} changed" if changed else "Built the blog"
        try:
            result = self.builder.build()
        except BuildFailed as failure:
            errors = tuple(str(problem) for problem in failure.problems if not problem.is_warning)
            for problem in failure.problems:
                print(problem, file=sys.stderr)
            has_pages = (self.builder.options.output / MARKER).is_file()
            kept = "keeps the last good pages and " if has_pages else ""
            print(f"{what}: {plural(len(errors), 'error', 'errors')}; the preview {kept}"
                  "shows the errors in the browser", file=sys.stderr)  # fmt: skip
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
        warnings = [str(warning) for warning in result.warnings]
        if warnings != self._warnings:  # each warning once, not again on every save
            for warning in warnings:
                print(warning, file=sys.stderr)
            self._warnings = warnings
        fixed = "; the errors are fixed" if self.preview.status.problems else ""
        touched = result.written + result.removed
        if touched or fixed or not changed:
            removed = f", {result.removed} removed" if result.removed else ""
            print(f"{what}: {plural(result.rendered, 'page', 'pages')} rendered, "
                  f"{plural(result.written, 'file', 'files')} written{removed} "
                  f"in {result.seconds * 1000:.0f} ms{fixed}")  # fmt: skip
        if result.base_path != self.served.base_path and changed:
            print(f"The blog is now at {result.base_path} on the preview's address.")
        self.served.base_path = result.base_path
        self.preview.publish(touched > 0, ())


def display(path: Path) -> str:
    """A changed file as the terminal names it: relative to where storyblog runs."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def serve_live(options: BuildOptions, host: str, port: int) -> None:
    """Builds, serves and rebuilds on every save until Ctrl-C."""
    preview = Preview()
    served = Served(options.output.resolve(), "/", preview)
    server = create_server(served, host, port)  # first: a port in use fails at once
    builder = Builder(options)
    rebuilder = Rebuilder(builder, served, preview)
    try:
        rebuilder.start()  # before the first build: a save during it is not lost
        rebuilder.rebuild([])
        builder.saving = False  # each rebuild stays quick; the cache is saved on Ctrl-C
        # The model and memos live as long as the preview: keep the garbage collector
        # from walking them on every rebuild.
        gc.collect()
        gc.freeze()
        announce(host, server.server_address[1], served.base_path)
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nStopped.")
    finally:
        rebuilder.observer.stop()
        server.server_close()
        with rebuilder.building:
            builder.save_cache()
