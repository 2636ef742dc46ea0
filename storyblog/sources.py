"""One content file → its text, its front matter and its body, with true line numbers.

Every mistake a writer can make in the file's form (not UTF-8, no front
matter, YAML that does not parse) is reported at the line to fix, in words
rather than YAML's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from storyblog.errors import Problems

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

TOP_LEVEL_KEY = re.compile(r"^([^\s#:'\"-][^:]*?)\s*:")


class FrontMatter(YAMLHandler):
    """python-frontmatter's YAML handler, strict about the `---` lines so line numbers stay true.

    The front matter it splits off starts with the rest of the first `---`
    line, so its line N (from 0) is line N + 1 of the file.
    """

    FM_BOUNDARY = re.compile(r"^---[ \t]*$", re.MULTILINE)


class DatesAsText(SafeLoader):
    """Safe YAML that leaves dates as text: storyblog parses them itself, in the site's timezone."""


DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class Body:
    """A file's Markdown. Its text is let go once converted: the HTML is kept instead,
    found again by the digest of the text, so a big blog's text is not held twice."""

    __slots__ = ("digest", "text")

    def __init__(self, text: str) -> None:
        self.text: str | None = text
        self.digest = blake2b(text.encode(), digest_size=16).digest()


@dataclass(frozen=True)
class Source:
    """One Markdown file: where it is, its front matter (with each key's line), its body."""

    rel: str
    """Relative to the content folder: posts/2024-02-12-the-umbrella.md."""
    display: str
    """As the user will look for it: content/posts/2024-02-12-the-umbrella.md."""
    front: Mapping[str, Any]
    key_lines: Mapping[str, int]
    body: Body

    @property
    def stem(self) -> str:
        return Path(self.rel).stem

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, 1)


def read_source(
    path: Path, content_dir: Path, problems: Problems, data: bytes | None = None
) -> Source | None:
    """The file (or `data`, its bytes already read) split into front matter and body,
    or None with its problem reported."""
    display = path.as_posix()
    text = read_text(path, problems, data)
    if text is None:
        return None
    handler = FrontMatter()
    if not handler.detect(text):
        problems.error(
            display, 1,
            "no front matter: start the file with a line ---, then lines like "
            "title: and date:, then another line ---",
        )  # fmt: skip
        return None
    try:
        front_text, body = handler.split(text)
    except ValueError:
        problems.error(
            display, 1, "the front matter is never closed: add a line --- after its last key"
        )
        return None
    front = load_mapping(front_text, display, "front matter", problems)
    if front is None:
        return None
    rel = path.relative_to(content_dir).as_posix()
    return Source(rel, display, front, key_lines(front_text), Body(body))


def read_text(path: Path, problems: Problems, data: bytes | None = None) -> str | None:
    """The file's text with Unix line ends, or None when it cannot be read or is not UTF-8."""
    try:
        data = path.read_bytes() if data is None else data
    except OSError as error:
        problems.error(path.as_posix(), 1, f"storyblog cannot read this file: {error.strerror}")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.error(
            path.as_posix(), data[: error.start].count(b"\n") + 1,
            f"this file is not UTF-8 text (byte 0x{data[error.start]:02x} on this line): "
            "save it as UTF-8 in your editor",
        )  # fmt: skip
        return None
    return text.replace("\r\n", "\n")


def load_mapping(text: str, display: str, what: str, problems: Problems) -> dict[str, Any] | None:
    """YAML that must be `key: value` lines; `text` starts on line 1 of the file."""
    try:
        data = yaml.load(text, Loader=DatesAsText)
    except yaml.MarkedYAMLError as error:
        line = 1 + yaml_error_line(error)
        problems.error(display, line, f"this line of the {what} {yaml_advice(error)}")
        return None
    except yaml.YAMLError as error:
        problems.error(display, 1, f"invalid {what}: {error}")
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.error(display, 1, f"the {what} should be key: value lines, without a - in front")
        return None
    return {str(key): value for key, value in data.items()}


def yaml_advice(error: yaml.MarkedYAMLError) -> str:
    """What a writer can do about a YAML error, in words rather than YAML's."""
    problem = f"{error.context or ''} {error.problem or ''}"
    if "mapping values are not allowed" in problem:
        return (
            "has a colon inside a value, or starts with spaces: put a value with a colon in "
            'double quotes (title: "Lesson one: listen") and start each key at the line\'s start'
        )
    if "simple key" in problem:
        return "has no colon after its key: write it as key: value, e.g. author: maya-okonkwo"
    if "tab character" in problem:
        return "starts with a tab: remove it, so that the key starts the line"
    if "quoted scalar" in problem or "end of stream" in problem:
        return 'opens a quote that is never closed: add the closing " at the end of the value'
    if "flow" in problem:
        return "opens a [ or { that is never closed: add the closing ] or } on this line"
    if "expected <block end>" in problem or "expected key" in problem:
        return (
            "has text after a closing quote: put the whole value in double quotes, "
            "with curly quotes “ ” or single quotes inside it"
        )
    return (
        f"is not valid ({error.problem or 'not YAML'}): each line should be key: value, "
        "with text that has a colon or quotes put in double quotes"
    )


def yaml_error_line(error: yaml.MarkedYAMLError) -> int:
    """The line to fix, from 0: where an unclosed quote or list opened, else where YAML stumbled."""
    unclosed = any(
        what in (error.context or "") for what in ("quoted scalar", "flow", "simple key")
    )
    mark = (error.context_mark if unclosed else None) or error.problem_mark or error.context_mark
    return mark.line if mark else 0


def key_lines(text: str) -> dict[str, int]:
    """The line of each top-level key (text starts on line 1), so a problem can point at it."""
    found: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        match = TOP_LEVEL_KEY.match(line)
        if match:
            found.setdefault(match.group(1).strip(), number)
    return found
