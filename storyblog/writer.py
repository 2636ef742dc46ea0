"""The only code that writes the output folder.

It writes a file only when its bytes change (so deploy tools upload only
real changes), replaces each file atomically (a server never sends half a
page), removes what the build no longer makes, and never writes outside the
folder. It refuses a folder it did not create, rather than delete a user's files.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Set
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from stat import S_ISLNK, S_ISREG

from storyblog.errors import UsageError
from storyblog.models import StaticFile

if sys.platform != "win32":
    import fcntl

MARKER = ".storyblog"
STAGING = ".storyblog-staging"
MARKER_TEXT = (
    "This folder is written by storyblog. Each build replaces what is here,\n"
    "and removes files it did not make: put your own files in content/static/.\n"
)


@dataclass(frozen=True)
class WriteStats:
    written: list[str]
    """The files written, relative to the output."""
    unchanged: int
    removed: int
    files: set[str]
    """Every file in the output now, relative to it."""


def check_output(output_dir: Path) -> None:
    """Refuse an existing folder with files in it that storyblog did not write."""
    if not output_dir.exists():
        return
    if not output_dir.is_dir():
        raise UsageError(f"the output {output_dir} is a file, not a folder")
    if (output_dir / MARKER).is_file() or all(
        _is_staged(path.name) for path in output_dir.iterdir()
    ):
        return  # storyblog's own, or new: empty, or holding only a stopped build's staging
    names = sorted(path.name for path in output_dir.iterdir())
    shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
    raise UsageError(
        f"the output folder {output_dir} holds files that storyblog did not write ({shown}), "
        "and a build would replace them: build into a new or empty folder with --output DIR"
    )


@contextmanager
def one_build_at_a_time(output_dir: Path, waiting: Callable[[], None]) -> Iterator[None]:
    """Builds into one output folder run one at a time, in any process and whatever their
    cache (the preview, and a build in another terminal): two at once would stage pages
    in one folder, and each would remember an output that the other has changed. The
    lock is on the folder that holds the output folder, which is there before the first
    build makes it (so builds into two folders side by side wait for each other too);
    `waiting` is told when another build holds it. Where a lock cannot be had (no flock
    on Windows, or a file system without it), builds go on without one."""
    holder = output_dir.resolve().parent
    try:
        holder.mkdir(parents=True, exist_ok=True)
        handle = os.open(holder, os.O_RDONLY)
    except OSError:  # not a folder that opens (Windows): no lock
        handle = None
    if handle is None:
        yield
        return
    try:
        if sys.platform != "win32":
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                waiting()
                fcntl.flock(handle, fcntl.LOCK_EX)
            except OSError:
                pass  # a lock this file system does not keep: the build goes on without
        yield
    finally:
        os.close(handle)  # which lets go of the lock


def safe_join(root: Path, relative: str) -> Path:
    """root/relative, refusing any path whose folder is outside root (the file itself may be
    a symlink: the writer replaces or deletes it, never what it leads to)."""
    target = root.joinpath(*_parts(relative))
    if not target.parent.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"refusing to write outside the output folder: {relative!r}")
    return target


def _parts(relative: str) -> list[str]:
    """The names in a relative path, refusing one that climbs out (or is not relative)."""
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if not parts or relative.startswith("/") or ".." in parts:
        raise ValueError(f"refusing to write outside the output folder: {relative!r}")
    return parts


class Staging:
    """Files written aside, in a hidden folder of the output, while the build renders:
    moved into place once every page has rendered, thrown away if one has not. Workers
    stage the pages they render themselves, so no page's bytes pass between processes."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir
        self.folder = output_dir / STAGING
        self.output_existed = output_dir.exists()
        if self.folder.is_symlink():  # not made by a build: pages are never staged through it
            self.folder.unlink()
        shutil.rmtree(self.folder, ignore_errors=True)  # what a stopped build left
        self._output, self._staging = os.fspath(output_dir), os.fspath(self.folder)
        self._unlinked: dict[str, bool | None] = {self._output: True}
        self._made: set[str] = set()
        """The staging folders made so far."""

    def put(self, relative: str, data: bytes) -> bool:
        """Stages the file, unless the output already has these very bytes: True if staged.
        The bytes are looked for only where no symlink leads elsewhere: a symlink in the
        output is not the build's, and is replaced. (Paths are texts here, not Paths: this
        runs for every page, and pathlib's parsing took a third of its time.)"""
        *folders, name = _parts(relative)
        folder = os.path.join(self._output, *folders)
        if self._unlinked_to(folder) and _holds(os.path.join(folder, name), data):
            return False
        staged_folder = os.path.join(self._staging, *folders)
        self._make(staged_folder)
        _write_new(os.path.join(staged_folder, name), data)
        return True

    def _unlinked_to(self, folder: str) -> bool | None:
        """Whether no folder between the output and this one is a symlink: each is looked
        at once (a path's resolve() looks at every folder from the root, each time). None
        when the folder is not there: it holds no file to compare."""
        if folder in self._unlinked:
            return self._unlinked[folder]
        known = self._unlinked_to(os.path.dirname(folder))
        if known:
            try:
                known = not S_ISLNK(os.lstat(folder).st_mode)
            except OSError:
                known = None
        self._unlinked[folder] = known
        return known

    def _make(self, folder: str) -> None:
        """Makes a staging folder, and those above it, each once."""
        if folder not in self._made:
            if folder == self._staging:
                os.makedirs(folder, exist_ok=True)
            else:
                self._make(os.path.dirname(folder))
                with suppress(FileExistsError):  # made by another worker
                    os.mkdir(folder)
            self._made.add(folder)

    def close(self) -> None:
        """Removes the staging folder and what is left in it (all of it, if the build
        failed), and the output folder if this build made it for nothing."""
        shutil.rmtree(self.folder, ignore_errors=True)
        made_for_nothing = not self.output_existed and self.output_dir.is_dir()
        if made_for_nothing and not any(self.output_dir.iterdir()):
            self.output_dir.rmdir()


def write_site(
    staging: Staging,
    pages: Collection[str],
    staged_pages: list[str],
    static_files: Iterable[StaticFile],
    present: Set[str] | None = None,
) -> WriteStats:
    """Makes the output hold exactly these pages, of which `staged_pages` changed and are
    staged, and these static files. `present`, the files the last write left, saves
    looking through the whole folder."""
    output_dir = staging.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    static = {f.target: f.source for f in static_files}
    written = staged_pages + [target for target, source in static.items()
                              if staging.put(target, source.read_bytes())]  # fmt: skip
    keep = {MARKER, *pages, *static}
    # Stale files go first: one may stand where this build needs a folder.
    if present is None:
        removed = _remove_all_but(output_dir, keep)
    else:
        removed = _remove(output_dir, present - keep)
    marker = output_dir / MARKER
    if not _holds(marker, MARKER_TEXT.encode()):
        marker.unlink(missing_ok=True)  # a symlink is not followed
        marker.write_text(MARKER_TEXT)  # before the pages: a stopped build's are still ours
    if staging.folder.is_dir():
        _move_into_place(staging.folder, output_dir)
    return WriteStats(written, len(pages) + len(static) - len(written), removed, keep)


def _write_new(path: str, data: bytes) -> None:
    """A new file with these bytes, readable by the web server whatever the umask. (Not
    through open(): its buffered file object costs more than the writing, for a page.)"""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | O_BINARY, 0o644)
    try:
        with memoryview(data) as rest:
            written = 0
            while written < len(data):  # a write may take only part of it
                written += os.write(handle, rest[written:])
        os.chmod(handle if CHMOD_BY_HANDLE else path, 0o644)
    finally:
        os.close(handle)


O_BINARY = getattr(os, "O_BINARY", 0)
"""Windows translates line ends in a file opened without it."""
CHMOD_BY_HANDLE = os.chmod in os.supports_fd


def _holds(target: str | Path, data: bytes) -> bool:
    """Whether target is a file (not a symlink, which is replaced) with these bytes."""
    try:
        found = os.lstat(target)
        if not S_ISREG(found.st_mode) or found.st_size != len(data):
            return False
        with open(target, "rb") as file:
            return file.read() == data
    except OSError:  # not there, or not a file: a folder, or a file where a folder is needed
        return False


def _move_into_place(staged: Path, target: Path) -> None:
    """Each staged file replaces its target, atomically: a server never sends half a page.
    A folder the output does not have yet moves in whole, in one step. A symlink in the
    way is replaced, never followed: nothing is written outside the output."""
    with os.scandir(staged) as entries:
        for entry in entries:
            destination = target / entry.name
            if entry.is_dir(follow_symlinks=False):
                if destination.is_symlink():
                    destination.unlink()  # a folder cannot replace it in one step
                elif destination.is_dir():
                    _move_into_place(Path(entry.path), destination)
                    continue
            os.replace(entry.path, destination)  # a file replaces a symlink, not its target


def _is_staged(relative: str) -> bool:
    return relative.split("/")[0] == STAGING


def _remove(output_dir: Path, stale: Set[str]) -> int:
    """Deletes these files, then the folders they leave empty (never what is staged)."""
    stale = {relative for relative in stale if not _is_staged(relative)}
    for relative in stale:
        safe_join(output_dir, relative).unlink(missing_ok=True)
    folders = {parent for relative in stale for parent in PurePosixPath(relative).parents}
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        path = output_dir.joinpath(*folder.parts)
        if folder.parts and path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return len(stale)


def _remove_all_but(output_dir: Path, keep: set[str]) -> int:
    """Deletes files the build did not make, then folders left empty. The staging folder
    is not looked through: on a first build it holds every page."""
    removed = 0
    tops = [path for path in output_dir.iterdir() if not _is_staged(path.name)]
    inside = (path for top in tops if top.is_dir() and not top.is_symlink()
              for path in top.rglob("*"))  # fmt: skip
    for path in sorted([*tops, *inside], reverse=True):
        relative = path.relative_to(output_dir).as_posix()
        if path.is_dir() and not path.is_symlink():
            if not any(path.iterdir()):
                path.rmdir()
        elif relative not in keep:
            path.unlink()
            removed += 1
    return removed
