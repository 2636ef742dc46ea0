"""Problems in a user's content or templates: values that name a file and a line.

They are collected, never raised one at a time, so one build reports every
mistake at once, each as `path:line: message` that an editor can jump to.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    is_warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.is_warning else ""
        return f"{self.path}:{self.line}: {kind}{self.message}"


@dataclass
class Problems:
    """Every problem found so far, in the order found."""

    found: list[Problem] = field(default_factory=list)

    def error(self, path: str, line: int, message: str) -> None:
        self.found.append(Problem(path, line, message))

    def warning(self, path: str, line: int, message: str) -> None:
        self.found.append(Problem(path, line, message, is_warning=True))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.found if not p.is_warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.found if p.is_warning]


class BuildFailed(Exception):
    """The content or templates have errors: nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} error(s)")
        self.problems = sorted(problems)


class UsageError(Exception):
    """The command was given something it cannot work with (exit status 2)."""


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate a writer most likely meant, for a message's "did you mean"."""
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def plural(count: int, one: str, many: str) -> str:
    """`1 story`, `3 stories`: for messages and, as a filter, for templates."""
    return f"{count} {one if count == 1 else many}"
