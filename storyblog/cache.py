"""The build's memory on disk (`--cache DIR`): the next build starts where the last stopped.

Each blog has its own files in the cache folder, named by its content and
output folders, so two blogs never share one. A file is written whole to a
temporary name and then renamed, and carries storyblog's version and a
checksum: a cache from another version, or a corrupt or half-written one, is
never trusted; the build starts afresh and writes a good one.

Two files per blog: the state (what each file made, what each page read) and a
small manifest of every input's and output's size and times. When the manifest
still holds, nothing has changed and the build is done without loading the state.
"""

from __future__ import annotations

import copyreg
import os
import pickle
import struct
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO

from storyblog import __version__
from storyblog.stats import Stat, stat_of

MAGIC = b"storyblog cache\n"
HEADER = struct.Struct("<32sIQ")
"""The version (padded), the checksum (CRC-32) and the length of the pickled payload."""
FORMAT = 5
"""The shape of what is saved: counted up whenever it changes within a version."""
VERSION = f"{__version__} cache {FORMAT}".encode().ljust(32, b"\0")


def read_only(mapping: dict[str, Any]) -> MappingProxyType[str, Any]:
    """Front matter's extra keys, read-only in the model, as they come out of the cache."""
    return MappingProxyType(mapping)


copyreg.pickle(MappingProxyType, lambda proxy: (read_only, (dict(proxy),)))


@dataclass(frozen=True)
class Manifest:
    """What a successful build read and wrote, and what it reported."""

    options: Any
    """The BuildOptions: --drafts or --base-url given or not change the output too."""
    taken_ns: int
    inputs: dict[str, Stat]
    outputs: dict[str, Stat]
    result: Any
    """The build's BuildResult, to report again when nothing changed."""


class Cache:
    """One blog's files in the cache folder."""

    def __init__(self, folder: Path, content: Path, output: Path) -> None:
        blog = f"{content.resolve()}\0{output.resolve()}".encode()
        name = "storyblog-" + blake2b(blog, digest_size=8).hexdigest()
        self.folder = folder
        self.state_file = folder / f"{name}.state"
        self.manifest_file = folder / f"{name}.manifest"

    def load_state(self) -> Any | None:
        return _load(self.state_file)

    def load_manifest(self) -> Manifest | None:
        manifest = _load(self.manifest_file)
        return manifest if isinstance(manifest, Manifest) else None

    def save(self, state: Any, manifest: Manifest) -> None:
        """The state first: a manifest is only ever as new as the state beside it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        _save(self.state_file, state)
        _save(self.manifest_file, manifest)


def _save(path: Path, value: object) -> None:
    """Pickled straight to the file (a big blog's state is a hundred megabytes and more:
    never held in memory as bytes), then the header is filled in."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(MAGIC + bytes(HEADER.size))
            payload = _ChecksumWriter(file)
            pickle.dump(value, payload, protocol=pickle.HIGHEST_PROTOCOL)
            file.seek(len(MAGIC))
            file.write(HEADER.pack(VERSION, payload.checksum, payload.length))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _load(path: Path) -> Any | None:
    """The value saved at path, or None when there is none that can be trusted."""
    try:
        with path.open("rb") as file:
            start = file.read(len(MAGIC) + HEADER.size)
            if not start.startswith(MAGIC) or len(start) < len(MAGIC) + HEADER.size:
                return None
            version, checksum, length = HEADER.unpack_from(start, len(MAGIC))
            if version != VERSION:
                return None
            summed, read = 0, 0
            while block := file.read(1 << 20):
                summed, read = zlib.crc32(block, summed), read + len(block)
            if (summed, read) != (checksum, length):
                return None
            file.seek(len(start))
            return pickle.load(file)
    except OSError:
        return None
    except Exception:  # classes changed without a new FORMAT; a checksum matching by chance
        return None


class _ChecksumWriter:
    """Writes to the file, keeping the CRC-32 and length of what it wrote."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.checksum = 0
        self.length = 0

    def write(self, data: bytes) -> int:
        self.checksum = zlib.crc32(data, self.checksum)
        self.length += len(data)
        return self.file.write(data)


def stat_all(*folders: Path) -> dict[str, Stat]:
    """Every file and folder under these folders, with its stat: an edit, a new or deleted
    file, a renamed one, a changed permission all show."""
    found = {
        entry.path: stat_of(entry.stat()) for folder in folders for entry in _walk(str(folder))
    }
    found.update({str(folder): stat_of(folder.stat()) for folder in folders if folder.is_dir()})
    return found


def files_under(root: Path) -> dict[str, Stat]:
    """Every file under root, by its path relative to root."""
    start = len(str(root)) + 1
    return {
        entry.path[start:]: stat_of(entry.stat())
        for entry in _walk(str(root))
        if not entry.is_dir(follow_symlinks=False)
    }


def _walk(folder: str) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                yield entry
                if entry.is_dir(follow_symlinks=False):
                    yield from _walk(entry.path)
    except FileNotFoundError:
        return
