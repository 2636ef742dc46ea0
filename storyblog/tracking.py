"""Which pages an edit changes: each page's record of what its templates read.

While a page renders, every attribute or item that its templates read from a
story, an author, a page, the blog or the site is noted; once the pages are
written, each value read is fingerprinted. The next build renders the page again
only when its template set, its own values, or one of the values it read differ:
otherwise the bytes already in the output are the bytes a clean build would
write. The record is what the templates really read, not a guess of what they
might: a theme that shows a new field is tracked like the default one.
"""

from __future__ import annotations

from array import array
from collections.abc import (
    Callable,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from dataclasses import fields, is_dataclass
from datetime import datetime
from functools import cache, partial
from hashlib import blake2b
from operator import attrgetter
from pathlib import Path, PurePath
from typing import Any

import jinja2

from storyblog.archive import Blog
from storyblog.models import Story

Key = tuple[str, ...]
"""Names a story, author, page, the blog or the site across builds. A story's key holds
its address, so that a link to it (made in Python, not read by a template) is tracked too."""
Access = tuple[Key, str, Any]
"""(whose, "attr" or "item", which): `post.title` is (story key, "attr", "title")."""

PLAIN_TYPES = frozenset((str, int, type(None)))
"""Values that are their own fingerprint: two equal ones always show the same. Not so
`True`, `1` and `1.0`, which are equal in Python but not on the page."""
LONG_TEXT = 200
"""Characters: a longer text (a story's HTML) is fingerprinted by a digest, not kept whole."""
GONE = ("gone",)
"""The fingerprint of a read from an object that no longer exists."""
UNKEPT = ("blog", "site")
"""The tracked objects that are new every build, and not kept in the cache: the
fingerprints of their reads are kept instead."""


class RenderMemory:
    """What the pages in the output read when they were rendered, kept between builds.

    Every page that read something saw the same value: when a value changes, all
    of its readers are rendered again, and see the new one. So the value each read
    saw is the one the last build's object gives: a build looks at the reads of the
    objects that changed, each once, not once per page.
    """

    def __init__(self) -> None:
        self.own: dict[str, tuple[Hashable, ...]] = {}
        """Each page's settings, template and own values, fingerprinted (see as_rendered)."""
        self.reads = PageReads()
        self.seen: list[Hashable] = []
        """The fingerprint of each read of an UNKEPT object, by its number, as its readers
        saw it; None for the others, whose readers saw what `objects` reads now."""
        self.objects: Mapping[Key, object] = {}
        """The tracked objects of the last build: frozen, so one that is still the very
        same object (the reader keeps unchanged stories) reads the same, and what one
        reads is what its readers saw."""

    def kept(self) -> dict[str, Any]:
        """What the next build needs, for the cache."""
        return {"own": self.own, "numbers": self.reads.numbers, "pages": self.reads.pages,
                "seen": self.seen, "objects": self.objects}  # fmt: skip

    @classmethod
    def from_kept(cls, kept: Mapping[str, Any]) -> RenderMemory:
        memory = cls()
        memory.own, memory.seen, memory.objects = kept["own"], kept["seen"], kept["objects"]
        memory.reads.numbers, memory.reads.pages = kept["numbers"], kept["pages"]
        memory.reads.looked_at = len(memory.reads.numbers)  # as the last build's compact() left it
        return memory

    def as_rendered(self, own: Mapping[str, tuple[Hashable, ...]]) -> set[str]:
        """The pages whose own fingerprint (a flat tuple) is as when they were rendered. A
        part that many pages share, the settings or a month's calendar, is compared once
        for all of them, not once a page: an equal one is a copy loaded from the cache."""
        compared: dict[tuple[int, int], bool] = {}

        def same(old: tuple[Hashable, ...], new: tuple[Hashable, ...]) -> bool:
            if len(old) != len(new):
                return False
            for old_part, new_part in zip(old, new, strict=True):
                if old_part is not new_part:
                    pair = (id(old_part), id(new_part))
                    equal = compared.get(pair)
                    if equal is None:
                        equal = compared[pair] = old_part == new_part
                    if not equal:
                        return False
            return True

        before = self.own
        return {path for path, new in own.items()
                if (old := before.get(path)) is not None and same(old, new)}  # fmt: skip

    def changed_pages(self, fingerprints: Fingerprints, env: jinja2.Environment) -> set[str]:
        """The pages that read something that has changed since they were rendered."""
        now, before = fingerprints.objects, self.objects
        # Only an object that is not the very one of the last build, or is new or gone, may
        # read differently (one gone before the last build was gone for all its readers).
        moved = {key for key, value in now.items() if before.get(key, GONE) is not value}
        moved.update(key for key in before if key not in now)
        if not moved:
            return set()
        last_build = Fingerprints.of_objects(before)

        def seen(access: Access, number: int) -> Hashable:
            """What the read's readers saw."""
            unkept = access[0][0] in UNKEPT
            return self.seen[number] if unkept else last_build.now(access, env)

        now_of = partial(fingerprints.now, env=env)
        changed = {number for access, number in self.reads.numbers.items()
                   if access[0] in moved and now_of(access) != seen(access, number)}  # fmt: skip
        if not changed:
            return set()
        pages = self.reads.pages.items()
        return {path for path, numbers in pages if not changed.isdisjoint(numbers)}

    def remember(
        self,
        own: Mapping[str, tuple[Hashable, ...]],
        rendered: PageReads,
        now: Callable[[Access], Hashable],
    ) -> None:
        """What the pages just written read, and now(read), the fingerprint in this build
        of each of their reads of an UNKEPT object (once for all the pages that made it).
        The objects of this build are to be `objects`."""
        numbers = self.reads.merge(rendered)
        self.seen += [None] * (len(self.reads.numbers) - len(self.seen))
        for access, number in rendered.numbers.items():
            if access[0][0] in UNKEPT:
                self.seen[numbers[number]] = now(access)
        self.own.update((path, own[path]) for path in rendered.pages)

    def forget(self, path: str) -> None:
        self.own.pop(path, None)
        self.reads.drop(path)

    def compact(self) -> None:
        kept = self.reads.compact()
        if kept is not None:
            self.seen = [self.seen[old] for old in kept]


class PageReads:
    """What pages read: each read numbered once, and each page's reads an array of
    numbers. Compact to send back from a worker, to hold and to keep, quick to search."""

    def __init__(self, first: int = 0) -> None:
        """`first`: a worker's, numbered on top of the record it is merged into, as that was
        when the worker was forked (see merge): its own reads are numbered from there."""
        self.first = first
        self.numbers: dict[Access, int] = {}
        self.pages: dict[str, array[int]] = {}
        self.looked_at = 0
        """How many reads there were when compact() last looked for unused ones."""

    def number(self, access: Access) -> int:
        """The read's number, given here the first time it is asked for."""
        return self.numbers.setdefault(access, self.first + len(self.numbers))

    def add(self, path: str, numbers: Iterable[int]) -> None:
        """The page's reads, by their numbers here."""
        self.pages[path] = array("I", numbers)

    def merge(self, other: PageReads, same: Callable[[Access], Access] | None = None) -> list[int]:
        """Other's pages, their reads numbered as here: the number here of each of other's
        reads, by other's number. Other's numbers below its `first` are numbers here: it
        was numbered on top of this record's first reads. `same` gives the read to keep for
        one of other's: an equal one made of objects already here."""
        if same is None and not self.numbers and not other.first:  # a cold build's: other's
            self.numbers = dict(other.numbers)  # numbers as they are, each made by a page
            self.pages.update(other.pages)
            self.looked_at = len(self.numbers)  # so compact() need not look for unused ones
            return list(range(len(other.numbers)))
        same = same or (lambda access: access)
        numbers = list(range(other.first + len(other.numbers)))  # from first on: set below
        here, known = self.numbers, self.numbers.get
        for access, number in other.numbers.items():  # inlined: a chunk holds tens of thousands
            found = known(access)
            if found is None:
                found = here[same(access)] = len(here)
            numbers[number] = found
        for path, page_numbers in other.pages.items():
            self.pages[path] = array("I", map(numbers.__getitem__, page_numbers))
        return numbers

    def drop(self, path: str) -> None:
        """Forgets a page's reads: compact() then looks for reads no page makes any more."""
        if self.pages.pop(path, None) is not None:
            self.looked_at = 0

    def compact(self) -> list[int] | None:
        """Drops the reads no page makes any more (of stories deleted or re-dated), once
        they are as many as those still made: they would be checked every build. It looks
        only when a page was dropped or the reads have grown by a quarter since it last
        did. The old numbers of the reads kept, in their new order; None when none was."""
        if len(self.numbers) < self.looked_at * 5 // 4:
            return None
        used = sorted(set().union(*self.pages.values()))
        if len(used) * 2 >= len(self.numbers):
            self.looked_at = len(self.numbers)
            return None
        # By number, not by the dict's order: changes loaded from the cache keep the order
        # of the state they were applied to, not that of their numbers.
        accesses = {number: access for access, number in self.numbers.items()}
        self.numbers = {accesses[old]: new for new, old in enumerate(used)}
        renumber = {old: new for new, old in enumerate(used)}
        self.pages = {path: array("I", map(renumber.__getitem__, numbers))
                      for path, numbers in self.pages.items()}  # fmt: skip
        self.looked_at = len(self.numbers)
        return used


class Fingerprints:
    """Stable fingerprints of one build's values, and the objects whose reads are noted."""

    def __init__(
        self,
        blog: Blog | None,
        before: Mapping[Key, object] | None = None,
        story_keys: Sequence[Key] | None = None,
    ) -> None:
        """`before`: the last build's objects, whose very keys this build takes where they
        are equal, so that the fingerprints and reads that hold them compare at once.
        `story_keys`: the stories' keys, in their order, when they are known already.
        Without a blog, no object is tracked: values are only fingerprinted."""
        objects: dict[Key, object] = {}
        if blog is not None:
            site = blog.site
            objects.update({("blog",): blog, ("site",): site})
            keys = story_keys or [story_key(story) for story in site.stories]
            objects.update(zip(keys, site.stories, strict=True))
            objects.update((("author", author.slug), author) for author in site.authors)
            objects.update((("page", page.source, page.slug), page) for page in site.pages)
        same = {key: key for key in before or ()}
        self._track({same.get(key, key): value for key, value in objects.items()})
        self._now: dict[Access, Hashable] = {}

    @classmethod
    def of_objects(cls, objects: Mapping[Key, object]) -> Fingerprints:
        """The fingerprints of what these objects (the last build's) read."""
        fingerprints = cls(None)
        fingerprints._track(dict(objects))
        return fingerprints

    def _track(self, objects: dict[Key, object]) -> None:
        """These objects, by key, as the tracked ones."""
        self.objects = objects
        self.keys = {id(value): key for key, value in objects.items()}
        self._same_keys = {key: key for key in objects}
        self._memo: dict[int, tuple[object, Hashable]] = {
            id(value): (value, key) for key, value in objects.items()
        }

    def of_values(self, values: Mapping[str, object]) -> Iterator[Hashable]:
        """A page's values, one by one: name, fingerprint, name, fingerprint…"""
        for name, value in values.items():
            yield name
            yield self.of(value)

    def of(self, value: object) -> Hashable:
        """The value itself for short text and whole numbers, the key for a tracked object (its
        own reads are noted one by one), a tuple of the parts' fingerprints for anything else."""
        long_text = isinstance(value, str) and len(value) >= LONG_TEXT
        if type(value) in PLAIN_TYPES and not long_text:
            return value
        known = self._memo.get(id(value))
        if known is None:
            known = self._memo[id(value)] = (value, self._parts(value))  # keeps the id taken
        return known[1]

    def _parts(self, value: object) -> Hashable:
        """The common kinds first: a page's values are a dict (its keys are names), lists
        of stories and dataclasses."""
        of, known = self.of, self._memo
        if type(value) is dict:
            return ("mapping", *[(k if type(k) is str else of(k), of(v)) for k, v in value.items()])
        if isinstance(value, tuple | list):
            if all(type(item) in PLAIN_TYPES for item in value):
                return (type(value).__name__, *value)  # a list and a tuple show otherwise
            # Stories, already known: found here, without a call for each.
            return (type(value).__name__, *[known[id(item)][1] if id(item) in known else of(item)
                                  for item in value])  # fmt: skip
        if isinstance(value, str) and len(value) >= LONG_TEXT:
            digest = blake2b(value.encode(), digest_size=16).digest()
            return ("text", type(value).__name__, digest)
        if isinstance(value, str | int | float):  # a bool, a float, Markup: typed, and as shown
            return (type(value).__name__, repr(value))
        if is_dataclass(value) and not isinstance(value, type):
            values = field_getter(type(value))(value)
            return (type(value).__name__, *map(self.of, values))
        if isinstance(value, datetime):
            return ("datetime", value.isoformat(), str(value.tzinfo))
        if isinstance(value, PurePath):
            return ("path", str(value))
        if isinstance(value, Mapping):
            return ("mapping", *[(of(k), of(v)) for k, v in value.items()])
        if isinstance(value, jinja2.Undefined):
            return ("undefined",)
        if isinstance(value, bytes | bytearray):  # YAML's !!binary
            return (type(value).__name__, blake2b(value, digest_size=16).digest())
        if isinstance(value, set | frozenset):  # YAML's !!set
            return (type(value).__name__, frozenset(map(of, value)))
        raise TypeError(f"storyblog cannot track a {type(value).__name__} given to templates")

    def same(self, access: Access) -> Access:
        """The read with this build's own key object, not a worker's copy of it: a big
        blog's pages make a hundred thousand reads, each key a tuple of texts."""
        key, kind, name = access
        return (self._same_keys.get(key, key), kind, name)

    def now(self, access: Access, env: jinja2.Environment) -> Hashable:
        """The fingerprint the read would give in this build."""
        if access not in self._now:
            key, kind, name = access
            owner = self.objects.get(key)
            if owner is None:
                self._now[access] = GONE
            else:
                value = env.getattr(owner, name) if kind == "attr" else env.getitem(owner, name)
                self._now[access] = self.of(value)
        return self._now[access]


def story_key(story: Story) -> Key:
    return ("story", story.source, story.slug, story.date.isoformat())


class TrackingEnvironment(jinja2.Environment):
    """A Jinja environment that notes, while `reads` is a set, what templates read
    from tracked objects: each read by its number in `numbering` (see track_into)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.fingerprints: Fingerprints | None = None
        self.reads: set[int] | None = None
        self.numbering = PageReads()
        self.known: Mapping[Access, int] = {}
        self._numbered: dict[int, dict[Hashable, int]] = {}
        """For each tracked object, by its id: its reads, by attribute name or ("item", key),
        and their numbers. A read is made a hundred times a page, and numbered once."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """The environment's own globals for a template without globals of its own (none of
        storyblog's has any): Jinja's ChainMap over the two, which every page's context and
        every import copies key by key in Python, took a twelfth of rendering."""
        return super().make_globals(d) if d else self.globals

    def track_into(self, numbering: PageReads, known: Mapping[Access, int]) -> None:
        """Numbers the reads from now on: a read in `known` by its number there, any other
        in `numbering`."""
        assert self.fingerprints is not None
        self.numbering, self.known = numbering, known
        self._numbered = {number: {} for number in self.fingerprints.keys}

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Jinja's own getattr, inlined: templates read attributes a hundred times a page."""
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            try:
                value = obj[attribute]
            except (TypeError, LookupError, AttributeError):
                value = self.undefined(obj=obj, name=attribute)
        if self.reads is not None:
            numbered = self._numbered.get(id(obj))
            if numbered is not None:
                number = numbered.get(attribute)
                if number is None:
                    number = numbered[attribute] = self._number(obj, "attr", attribute)
                self.reads.add(number)
        return value

    def getitem(self, obj: Any, argument: Any) -> Any:
        value = super().getitem(obj, argument)
        if self.reads is not None:
            numbered = self._numbered.get(id(obj))
            if numbered is not None:
                number = numbered.get(("item", argument))
                if number is None:
                    number = numbered[("item", argument)] = self._number(obj, "item", argument)
                self.reads.add(number)
        return value

    def _number(self, obj: object, kind: str, name: Any) -> int:
        assert self.fingerprints is not None
        access = (self.fingerprints.keys[id(obj)], kind, name)
        number = self.known.get(access)
        return self.numbering.number(access) if number is None else number


@cache
def field_getter(kind: type) -> Callable[[object], tuple[object, ...]]:
    """A dataclass's field values as a tuple, in one call."""
    names = [field.name for field in fields(kind)]
    getter = attrgetter(*names)
    return (lambda value: (getter(value),)) if len(names) == 1 else getter


def folder_digest(folder: Path, skip: str) -> bytes:
    """Every file's name and bytes under folder, but those in its sub-folder `skip`."""
    hashed = blake2b(digest_size=16)
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and relative.parts[0] != skip:
            hashed.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return hashed.digest()
