"""Edits to what stories show, built from the last build's plan without reading the blog.

Most edits change what a story shows, not where the blog puts it: its body, its
title, its summary. Nothing the build works out in Python (addresses, order,
groupings, calendars, lessons) depends on those values; only templates read
them, and the page tracking knows which pages did. So each build keeps a model:
the blog, each page's plan, and which pages read which of those values. A later
build whose only changes are such edits loads the model, not the whole cache,
puts the new values into the stories, and renders only the pages that read them.
Any other change (a new story, a date, a tag, a template) takes the whole build.
"""

from __future__ import annotations

import io
import os
import pickle
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from hashlib import blake2b
from pathlib import Path
from typing import Any, BinaryIO

from storyblog.models import Site, Story
from storyblog.plan import PageSpec
from storyblog.stats import Stat, settled
from storyblog.tracking import Fingerprints, Key, PageReads, story_key

SHOWN = ("body_html", "meta", "summary", "title")
"""A story's values that only templates use."""
BODY = SHOWN.index("body_html")
BODY_DIGEST = 16


def value_number(place: int, name: str) -> int:
    """A story's SHOWN value, numbered by the story's place in the site and its own."""
    return place * len(SHOWN) + SHOWN.index(name)


def bodies_in(values: Iterable[int]) -> set[int]:
    """The places of the stories whose bodies are among these numbered values."""
    return {value // len(SHOWN) for value in values if value % len(SHOWN) == BODY}


def body_digest(body: bytes) -> bytes:
    return blake2b(body, digest_size=BODY_DIGEST).digest()


PYTHONS = frozenset((str, int, bool, float, type(None), tuple, list, dict))
"""Values of Python's own types: pickled where they are, even when several plans hold them
(see _HeldPickler)."""


@dataclass
class Readers:
    """Which pages read which SHOWN value of which story: a value is numbered by its
    story's place in the site and its own in SHOWN. Kept as two arrays, not as a
    hundred thousand objects, so that the model loads quickly."""

    paths: list[str]
    starts: array[int]
    """The readers of value n are `pages[starts[n]:starts[n + 1]]`, by place in `paths`."""
    pages: array[int]
    since: dict[str, frozenset[int]] = field(default_factory=dict)
    """What the pages rendered since the model was made read, by page."""

    def of(self, values: Collection[int]) -> set[str]:
        paths, starts, pages, since = self.paths, self.starts, self.pages, self.since
        found = {paths[page] for value in values
                 for page in pages[starts[value] : starts[value + 1]]}  # fmt: skip
        return {path for path in found if path not in since} | {
            path for path, read in since.items() if not read.isdisjoint(values)
        }


def readers_of(site: Site, reads: PageReads) -> Readers:
    # Each read's value number plus one, 0 for a read of no SHOWN value: the pages' two
    # million reads are looked up and filtered without a Python step for each.
    value_of = [0] * len(reads.numbers)
    for number, value in value_places(site, reads, story_places(site)).items():
        value_of[number] = value + 1
    by_value: list[list[int]] = [[] for _ in range(len(site.stories) * len(SHOWN) + 1)]
    for page, numbers in enumerate(reads.pages.values()):
        for value in filter(None, map(value_of.__getitem__, numbers)):
            by_value[value].append(page)
    starts, pages = array("I", [0]), array("I")
    for readers in by_value[1:]:
        pages.extend(readers)
        starts.append(len(pages))
    return Readers(list(reads.pages), starts, pages)


def story_places(site: Site) -> dict[str, int]:
    """Each story's place in the site, by its file."""
    return {story.source: place for place, story in enumerate(site.stories)}


def value_places(site: Site, reads: PageReads, places: Mapping[str, int]) -> dict[int, int]:
    """The number in `reads` of each read of a SHOWN value: its number in Readers.
    `places` is story_places(site)."""
    keys: dict[int, Key] = {}  # each story's key, made once: only for the stories read
    found = {}
    for (key, _, name), number in reads.numbers.items():
        place = places.get(key[1]) if key[0] == "story" and name in SHOWN else None
        if place is None:
            continue
        if place not in keys:
            keys[place] = story_key(site.stories[place])
        if keys[place] == key:
            found[number] = value_number(place, name)
    return found


@dataclass
class Model:
    """The last build's blog and plan, and the edits to shown values built since."""

    site: Site
    plans: dict[str, bytes]
    """The plan of each page that shows a story's SHOWN values, pickled on its own, with
    the stories, authors and pages it holds named by their place in the site, and the
    values it shares with other plans by theirs in `shared`."""
    shared: list[bytes]
    """The values that several plans hold (a month's calendar), each pickled once."""
    readers: Readers
    keys: list[Key]
    """Each story's key for the page tracking, in the site's order: quicker kept than made."""
    compiled: dict[str, bytes]
    """The compiled templates (checked against each template's source when used)."""
    bodies: array[int] = field(default_factory=lambda: array("Q"))
    """Where each story's body is in the bodies file, which holds them apart: the site's
    stories have an empty body until one is needed (the model loads in half the time)."""
    digests: bytes = b""
    """Each body's digest, BODY_DIGEST bytes each, in the site's order."""
    edited: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The SHOWN values edited since, by story file."""
    loaded: set[int] = field(default_factory=set)
    """The stories (by place) whose bodies are in the site."""

    @cached_property
    def places(self) -> dict[str, int]:
        """story_places(self.site), made once: an edit changes no story's place."""
        return story_places(self.site)

    def bodies_to(self, file: BinaryIO) -> Model:
        """The model, its stories' bodies written to the file and left out of its site."""
        bodies, digests = array("Q", [0]), []
        for story in self.site.stories:
            body = story.body_html.encode()
            file.write(body)
            bodies.append(bodies[-1] + len(body))
            digests.append(body_digest(body))
        stories = tuple(replace(story, body_html="") for story in self.site.stories)
        site = replace(self.site, stories=stories)
        return replace(self, site=site, bodies=bodies, digests=b"".join(digests), loaded=set())

    def bodies_read(self, paths: Set[str]) -> set[int]:
        """The stories whose bodies these pages read when they were last rendered."""
        readers, found = self.readers, set()
        for place in range(len(self.site.stories)):
            value = value_number(place, "body_html")
            pages = readers.pages[readers.starts[value] : readers.starts[value + 1]]
            if any(readers.paths[page] in paths for page in pages):
                found.add(place)
        for path, values in readers.since.items():
            if path in paths:
                found |= bodies_in(values)
        return found

    def saved_digest(self, place: int) -> bytes:
        return self.digests[place * BODY_DIGEST : (place + 1) * BODY_DIGEST]

    def load_bodies(self, file: Path, places: Collection[int]) -> bool:
        """Puts these stories' bodies into the site; False when one is not as saved."""
        stories = list(self.site.stories)
        try:
            with file.open("rb") as bodies:
                for place in set(places) - self.loaded:
                    start, end = self.bodies[place], self.bodies[place + 1]
                    bodies.seek(start)
                    body = bodies.read(end - start)
                    if body_digest(body) != self.saved_digest(place):
                        return False
                    stories[place] = replace(stories[place], body_html=body.decode())
                    self.loaded.add(place)
        except (OSError, IndexError):
            return False
        self.site = replace(self.site, stories=tuple(stories))
        return True

    def with_edits(self) -> Model:
        """The model as the builds since the last whole one left it."""
        stories = tuple(replace(story, **self.edited[story.source])
                        if story.source in self.edited else story
                        for story in self.site.stories)  # fmt: skip
        self.site = replace(self.site, stories=stories)
        self.loaded = {place for place, story in enumerate(stories)
                       if "body_html" in self.edited.get(story.source, ())}  # fmt: skip
        return self

    def edit(self, stories: Iterable[Story]) -> set[str] | None:
        """Puts the SHOWN values of these stories, read again, into the model: the pages
        that read any that changed. None when a story changed in anything else, or is not
        in the model: then the whole build is needed."""
        fingerprints = Fingerprints(None)
        stories_now = list(self.site.stories)
        changed: set[int] = set()
        for new in stories:
            place = self.places.get(new.source)
            if place is None:
                return None
            old, values = stories_now[place], {}
            for name in (f.name for f in fields(Story)):
                value = getattr(new, name)
                if name == "body_html" and place not in self.loaded:
                    same = body_digest(value.encode()) == self.saved_digest(place)
                else:
                    same = fingerprints.of(getattr(old, name)) == fingerprints.of(value)
                if not same:
                    if name not in SHOWN:
                        return None
                    values[name] = value
                    changed.add(value_number(place, name))
            if values:
                stories_now[place] = replace(old, **values)
                self.edited[new.source] = {**self.edited.get(new.source, {}), **values}
                if "body_html" in values:
                    self.loaded.add(place)
        self.site = replace(self.site, stories=tuple(stories_now))
        return self.readers.of(changed)

    def plans_of(self, paths: Set[str]) -> list[PageSpec] | None:
        """The plans of these pages, holding this model's very stories, authors and pages
        (which the page tracking knows by identity); None if one is not kept."""
        if not self.plans.keys() >= paths:
            return None
        tracked = _tracked(self.site)
        shared: dict[int, object] = {}

        def held(number: int) -> object:
            if number >= 0:
                return tracked[number]
            if number not in shared:
                shared[number] = pickle.loads(self.shared[-1 - number])
            return shared[number]

        _holding.append(held)
        try:
            return [pickle.loads(data) for path, data in self.plans.items() if path in paths]
        finally:
            _holding.pop()

    def rendered(self, reads: PageReads) -> bool:
        """Notes what the pages just rendered read of SHOWN values. False when one read a
        body not loaded (a page that shows a body it did not before): it is not right."""
        places = value_places(self.site, reads, self.places)
        since = {path: frozenset(places[n] for n in numbers if n in places)
                 for path, numbers in reads.pages.items()}  # fmt: skip
        bodies = bodies_in(value for read in since.values() for value in read)
        self.readers.since.update(since)
        return bodies <= self.loaded


def model_of(
    site: Site, specs: Sequence[PageSpec], reads: PageReads, compiled: Mapping[str, bytes]
) -> Model:
    """The model of a whole build: its site and plan, and what its pages read."""
    readers = readers_of(site, reads)
    shows = {readers.paths[page] for page in readers.pages}
    shown = [spec for spec in specs if spec.path in shows]
    tracked = _tracked(site)
    shared = _shared(shown, {id(value) for value in tracked})
    held = {id(value): number for number, value in enumerate(tracked)}
    held.update((id(value), -1 - number) for number, value in enumerate(shared))
    file = io.BytesIO()
    pickler = _HeldPickler(file, held)

    def pickled(value: object) -> bytes:
        """The value, and what it holds that is held elsewhere by its number."""
        file.seek(0)
        file.truncate()
        pickler.clear_memo()
        pickler.whole = value
        pickler.dump(value)
        return file.getvalue()

    plans = {spec.path: pickled(spec) for spec in shown}
    keys = [story_key(story) for story in site.stories]
    return Model(site, plans, [pickled(value) for value in shared], readers, keys, dict(compiled))


class _HeldPickler(pickle.Pickler):
    """Pickles what the model holds elsewhere (a story, a shared value) as its number:
    unpickled while plans_of loads plans, as that very object. Only objects of other types
    than Python's own come here, which is what makes a model quick to save."""

    def __init__(self, file: BinaryIO, held: Mapping[int, int]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.held = held
        self.whole: object = None
        """What is being pickled: itself, it is pickled whole."""

    def reducer_override(self, part: object) -> Any:
        number = self.held.get(id(part))
        if number is None or part is self.whole:
            return NotImplemented
        return _held, (number,)


_holding: list[Callable[[int], object]] = []
"""How to find the held objects of the plans being loaded (plans_of)."""


def _held(number: int) -> object:
    return _holding[-1](number)


def _shared(specs: Sequence[PageSpec], tracked: set[int]) -> list[object]:
    """The values, or items of values, that several plans hold and the site does not."""
    seen: dict[int, object] = {}
    plans: Counter[int] = Counter()
    for spec in specs:
        for value in spec.context.values():
            for part in (value, *value) if isinstance(value, list | tuple) else (value,):
                if type(part) not in PYTHONS and id(part) not in tracked:
                    seen[id(part)] = part
                    plans[id(part)] += 1
    return [seen[number] for number, count in plans.items() if count > 1]


def _tracked(site: Site) -> list[object]:
    """The objects a plan holds by reference, in an order the model keeps."""
    return [*site.stories, *site.authors, *site.pages]


def edited_files(
    before: Mapping[str, Stat], taken_ns: int, now: Mapping[str, Stat]
) -> list[str] | None:
    """The files (not folders: a save by renaming changes its folder too) whose stat is
    not as it was taken at taken_ns, or was taken too soon after a save to show a second;
    None when files were added or removed."""
    if before.keys() != now.keys():
        return None
    changed = [path for path, stat in now.items()
               if stat != before[path] or not settled(before[path], taken_ns)]  # fmt: skip
    return [path for path in changed if not os.path.isdir(path)]
