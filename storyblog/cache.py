"""The build's memory on disk (`--cache DIR`): the next build starts where the last stopped.

Each blog has its own files in the cache folder, named by its content and
output folders, so two blogs never share one. A file is written whole to a
temporary name and then renamed, and carries storyblog's version and a
checksum: a cache from another version, or a corrupt or half-written one, is
never trusted; the build starts afresh and writes a good one.

Six files per blog: the state (what each file made, what each page read), the
changes to it since it was last saved whole, the model of the last build
(shown.py), its stories' bodies and the edits built from it since, and a small
manifest of every input's and output's size and times. When the manifest still
holds, nothing has changed and the build is done without loading the state. An
edit saves only its changes: saving the whole state of a big blog takes longer
than the rest of the build. The manifest names the model and edits it was saved
with, so that an edit is built from the model only when the two agree.
"""

from __future__ import annotations

import copyreg
import mmap
import os
import pickle
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from hashlib import blake2b
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO

from storyblog import __version__
from storyblog.parallel import begun
from storyblog.shown import Model
from storyblog.stats import Stat, stat_of

MAGIC = b"storyblog cache\n"
HEADER = struct.Struct("<32sIQ")
"""The version (padded), the checksum (CRC-32) and the length of the pickled payload."""
FORMAT = 15
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
    model: bytes = b""
    """The token of the model, or of the edits to it, saved with this manifest."""


State = dict[str, Any]
"""Named parts: a dict or a list is saved as the entries that changed, anything else whole.
An entry's value is replaced when it changes, never changed in place."""
WHOLE_AGAIN_AT = 0.05
"""Saved changes up to this share of the state's entries; beyond it, the whole state. An
edit changes a few entries; a template edit changes every page's, a tenth of them: the
whole is saved then, and the edits after it save only their own changes again."""


class Cache:
    """One blog's files in the cache folder."""

    def __init__(self, folder: Path, content: Path, output: Path) -> None:
        blog = f"{content.resolve()}\0{output.resolve()}".encode()
        name = "storyblog-" + blake2b(blog, digest_size=8).hexdigest()
        self.folder = folder
        self.state_file = folder / f"{name}.state"
        self.changes_file = folder / f"{name}.changes"
        self.manifest_file = folder / f"{name}.manifest"
        self.model_file = folder / f"{name}.model"
        self.edits_file = folder / f"{name}.edits"
        self.bodies_file = folder / f"{name}.bodies"
        # The state as last saved whole (copies of its dicts and lists), and its token: the
        # changes saved since name it, so that none is ever applied to another state.
        self._whole: State = {}
        self._token = b""
        self._model_token = b""

    def load_state(self) -> State | None:
        whole = _load(self.state_file)
        if not (isinstance(whole, tuple) and len(whole) == 2 and isinstance(whole[1], dict)):
            return None
        state: State = whole[1]
        self._token = whole[0]
        self._whole = _copies(state)
        changes = _load(self.changes_file)
        if isinstance(changes, tuple) and len(changes) == 2 and changes[0] == self._token:
            try:
                _apply(state, changes[1])
            except Exception:  # not what this version saves: a checksum matching by chance
                return None
        return state

    def load_manifest(self) -> Manifest | None:
        manifest = _load(self.manifest_file)
        return manifest if isinstance(manifest, Manifest) else None

    def load_model(self, token: bytes) -> Model | None:
        """The model with the edits built from it since, when they are what the token names."""
        saved = _load(self.model_file)
        if not (isinstance(saved, tuple) and len(saved) == 2 and isinstance(saved[1], Model)):
            return None
        self._model_token, model = saved
        now = self._model_token
        edits = _load(self.edits_file)
        if isinstance(edits, tuple) and len(edits) == 4 and edits[0] == now:
            now, model.edited, model.readers.since = edits[1:]
        return model.with_edits() if now == token else None

    def save_edits(self, model: Model, manifest: Manifest) -> None:
        """The edits built from the model loaded, then the manifest that names them."""
        token = os.urandom(16)
        _save(self.edits_file, (self._model_token, token, model.edited, model.readers.since))
        _save(self.manifest_file, replace(manifest, model=token))

    def save(self, state: State, manifest: Manifest, model: Callable[[], Model]) -> None:
        """The state's changes since it was saved whole, or the whole state when they are
        many, and the model(); then the manifest, which is only ever as new as the state
        and the model beside it.

        With no state loaded or saved before (a cold build), the model is made and saved
        in a forked process while this one saves the state, each on a core: at 10,000
        stories, 1.0 s rather than 1.4. Each page of memory either process then touches
        is copied (a peak of 455 MB rather than 380). A process that loaded the state
        holds more, and the two would copy more of it (a template edit peaked at 560 MB,
        not 410): it saves one after the other."""
        self.folder.mkdir(parents=True, exist_ok=True)
        model_saved = begun(partial(self._save_model, model), apart=not self._token)
        changes, count = _changes(self._whole, state) if self._token else ({}, 0)
        entries = sum(len(part) for part in state.values() if isinstance(part, dict | list))
        if self._token and count <= entries * WHOLE_AGAIN_AT:
            _save(self.changes_file, (self._token, changes))
        else:
            token = os.urandom(16)
            _save(self.state_file, (token, state))
            self.changes_file.unlink(missing_ok=True)
            self._token, self._whole = token, _copies(state)  # only once it is saved
        self._model_token = model_saved()
        self.edits_file.unlink(missing_ok=True)
        _save(self.manifest_file, replace(manifest, model=self._model_token))

    def _save_model(self, model: Callable[[], Model]) -> bytes:
        """Its stories' bodies, then the model itself; its token."""
        token = os.urandom(16)
        with _written(self.bodies_file) as bodies:
            made = model().bodies_to(bodies)
        _save(self.model_file, (token, made))
        return token


def _copies(state: State) -> State:
    return {name: part.copy() if isinstance(part, dict | list) else part
            for name, part in state.items()}  # fmt: skip


def _changes(whole: State, state: State) -> tuple[dict[str, tuple[Any, ...]], int]:
    """What differs in each part, and how many entries differ in all.

    An entry that is the very object saved, or equal to it (the same stat, taken again), is
    the same: the build treats an equal value as new at worst, which is never wrong."""
    changes: dict[str, tuple[Any, ...]] = {}
    count = 0
    for name, now in state.items():
        before = whole.get(name)
        if isinstance(now, dict) and isinstance(before, dict):
            get = before.get
            changed = {key: value for key, value in now.items()
                       if (old := get(key, _ABSENT)) is not value and old != value}  # fmt: skip
            removed = [key for key in before if key not in now]
            changes[name] = ("dict", changed, removed)
            count += len(changed) + len(removed)
        elif isinstance(now, list) and isinstance(before, list):
            pairs = enumerate(zip(before, now, strict=False))  # the longer one's tail below
            changed = {index: value for index, (old, value) in pairs
                       if old is not value and old != value}  # fmt: skip
            changed.update(enumerate(now[len(before) :], start=len(before)))
            changes[name] = ("list", len(now), changed)
            count += len(changed) + max(len(before) - len(now), 0)
        else:
            changes[name] = ("whole", now)
    return changes, count


def _apply(state: State, changes: dict[str, tuple[Any, ...]]) -> None:
    for name, (kind, *change) in changes.items():
        if kind == "dict":
            changed, removed = change
            state[name].update(changed)
            for key in removed:
                del state[name][key]
        elif kind == "list":
            length, changed = change
            part = state[name]
            del part[length:]
            part += [None] * (length - len(part))
            for index, value in changed.items():
                part[index] = value
        else:
            state[name] = change[0]


_ABSENT = object()


def _save(path: Path, value: object) -> None:
    """Pickled straight to the file (a big blog's state is a hundred megabytes and more:
    never held in memory as bytes), then the header is filled in."""
    with _written(path) as file:
        file.write(MAGIC + bytes(HEADER.size))
        payload = _ChecksumWriter(file)
        pickle.dump(value, payload, protocol=pickle.HIGHEST_PROTOCOL)
        file.seek(len(MAGIC))
        file.write(HEADER.pack(VERSION, payload.checksum, payload.length))


@contextmanager
def _written(path: Path) -> Iterator[BinaryIO]:
    """A file written whole under a temporary name, then renamed to path."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as file:
            yield file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _load(path: Path) -> Any | None:
    """The value saved at path, or None when there is none that can be trusted. The file is
    mapped, not read: checked and unpickled where it lies, in half the time of reading it."""
    start = len(MAGIC) + HEADER.size
    try:
        with (
            path.open("rb") as file,
            mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped,
        ):
            if len(mapped) < start or mapped[: len(MAGIC)] != MAGIC:
                return None
            version, checksum, length = HEADER.unpack_from(mapped, len(MAGIC))
            if version != VERSION:
                return None
            with memoryview(mapped) as whole, whole[start:] as payload:
                if (zlib.crc32(payload), len(payload)) != (checksum, length):
                    return None
                return pickle.loads(payload)
    except OSError:
        return None
    except Exception:  # an empty file; classes changed without a new FORMAT; a checksum
        return None  # matching by chance


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
    """Every file under root (a symlink as itself, never followed), by its path relative to root."""
    start = len(str(root)) + 1
    return {
        entry.path[start:].replace(os.sep, "/"): stat_of(entry.stat(follow_symlinks=False))
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
