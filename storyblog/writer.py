"""The only code that writes the output folder.

It writes a file only when its bytes change (so deploy tools upload only
real changes), replaces each file atomically (a server never sends half a
page), removes what the build no longer makes, and never writes outside the
folder. It refuses a folder it did not create, rather than delete a user's files.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from storyblog.errors import UsageError
from storyblog.models import StaticFile

MARKER = ".storyblog"
MARKER_TEXT = (
    "This folder is written by storyblog. Each build replaces what is here,\n"
    "and removes files it did not make: put your own files in content/static/.\n"
)


@dataclass(frozen=True)
class WriteStats:
    written: int
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
    if (output_dir / MARKER).is_file() or not any(output_dir.iterdir()):
        return
    names = sorted(path.name for path in output_dir.iterdir())
    shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
    raise UsageError(
        f"the output folder {output_dir} holds files that storyblog did not write ({shown}), "
        "and a build would replace them: build into a new or empty folder with --output DIR"
    )


def safe_join(root: Path, relative: str) -> Path:
    """root/relative, refusing any path that would lead outside root."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        raise ValueError(f"refusing to write outside the output folder: {relative!r}")
    target = root.joinpath(*parts)
    if not target.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"refusing to write outside the output folder: {relative!r}")
    return target


def write_site(
    output_dir: Path,
    pages: Mapping[str, bytes],
    static_files: Iterable[StaticFile],
    kept: Collection[str] = (),
    present: set[str] | None = None,
) -> WriteStats:
    """Makes output_dir hold exactly these pages, static files and the `kept` pages, which
    the caller knows to be in the folder already as they should be (check_output first).
    `present`, the files the last write left, saves looking through the whole folder."""
    contents: dict[str, Path | bytes] = {f.target: f.source for f in static_files}
    contents.update(pages)
    output_dir.mkdir(parents=True, exist_ok=True)
    keep = {MARKER, *contents, *kept}
    # Stale files go first: one may stand where this build needs a folder.
    if present is None:
        removed = _remove_all_but(output_dir, keep)
    else:
        removed = _remove(output_dir, present - keep)
    _write_if_changed(output_dir / MARKER, MARKER_TEXT.encode())
    written = 0
    for relative, content in contents.items():
        data = content.read_bytes() if isinstance(content, Path) else content
        written += _write_if_changed(safe_join(output_dir, relative), data)
    return WriteStats(written, len(contents) + len(kept) - written, removed, keep)


def _write_if_changed(target: Path, data: bytes) -> bool:
    try:
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def _remove(output_dir: Path, stale: set[str]) -> int:
    """Deletes these files, then the folders they leave empty."""
    for relative in stale:
        safe_join(output_dir, relative).unlink(missing_ok=True)
    folders = {parent for relative in stale for parent in PurePosixPath(relative).parents}
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        path = output_dir.joinpath(*folder.parts)
        if folder.parts and path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return len(stale)


def _remove_all_but(output_dir: Path, keep: set[str]) -> int:
    """Deletes files the build did not make, then folders left empty."""
    removed = 0
    for path in sorted(output_dir.rglob("*"), reverse=True):
        relative = path.relative_to(output_dir).as_posix()
        if path.is_dir() and not path.is_symlink():
            if not any(path.iterdir()):
                path.rmdir()
        elif relative not in keep:
            path.unlink()
            removed += 1
    return removed
