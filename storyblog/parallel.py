"""Work spread over the machine's cores, for the builds big enough to gain from it.

Rendering pages reads the whole model: its workers are forked once the model
is made, so they start with every story, template and page plan already in
memory, and each is sent only which slice of the work is its own, in large
chunks. Each worker does one chunk and makes way for a new one: a worker's
memory grows as it touches the build's objects (each touch copies the page it
is on), and a fresh fork shares them all again (at 10,000 stories, a peak of
430 MB rather than 520). The pool's own thread forks the new ones; the build's
main thread only waits for results meanwhile, and writes its progress straight
to the terminal's file (cli.py): a fork never copies a stream's lock held.

Converting Markdown needs only the documents: they are sent to workers in
chunks as soon as the reader has them, so the workers convert while this
process goes on reading, and they stay for every chunk (a fork costs a tenth
of a second).

A small build, or one in a process with threads of its own (the preview,
whose server threads may hold locks at any time), stays in one process:
forking costs more there than it saves, or is unsafe.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from functools import cache
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.connection import Connection
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[str, int, int], None] | None
"""Told (what, how many done, of how many) as a long build goes."""

CHUNKS_PER_WORKER = 16
"""Enough chunks that a worker with slow pages does not hold up the end of the build, and
that none lives long enough to copy much of the build's memory (at 10,000 stories, a
template edit peaked at 440–450 MB in three runs with 16, 466–512 MB in three with 8)."""

_work: tuple[Callable[[Sequence[Any]], Any], Sequence[Any]] | None = None


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def spread(
    work: Callable[[Sequence[T]], R], items: Sequence[T], *, smallest: int
) -> Generator[R, None, None]:
    """work(chunk) for chunks of items, in order: in forked workers, a new one for each chunk,
    when there are at least `smallest` items, several cores and no other thread; otherwise
    work(items) here."""
    workers = cores()
    if len(items) < smallest or not _may_fork():
        yield work(items)
        return
    global _work
    # A chunk is worth a fork from half of `smallest` items: a small blog's are bigger.
    wanted = max(workers, min(workers * CHUNKS_PER_WORKER, len(items) * 2 // smallest))
    count = min(len(items), wanted)
    bounds = [(len(items) * n // count, len(items) * (n + 1) // count) for n in range(count)]
    _work = (work, items)
    try:
        with get_context("fork").Pool(workers, _start_worker, maxtasksperchild=1) as pool:
            yield from pool.imap(_run, bounds)
    finally:
        _work = None


class Streamed(Generic[T, R]):
    """work(chunk) for items handed over one at a time while this process goes on with
    its own work: once there are `smallest` items, and then each `smallest // 2`, they are
    sent to workers (forked then, where this process may fork now). The results are
    gathered once, when every item is handed over; close it then."""

    def __init__(self, work: Callable[[Sequence[T]], list[R]], smallest: int) -> None:
        self.work = work
        self.smallest = smallest
        self.chunk = max(1, smallest // 2)
        """Items sent to a worker at once, once there are workers."""
        self.count = 0
        """Items handed over."""
        self.pending: list[T] = []
        self.sent: list[AsyncResult[list[R]]] = []
        self.pool: Pool | None = None
        self.may_fork = _may_fork()

    def add(self, item: T) -> None:
        self.count += 1
        self.pending.append(item)
        if self.pool is not None and len(self.pending) >= self.chunk:
            self._send()
        elif self.pool is None and len(self.pending) >= self.smallest and self.may_fork:
            self.pool = get_context("fork").Pool(cores(), _start_worker)
            self._send()

    def results(self) -> Iterator[list[R]]:
        """The results of each chunk, in order: the items not sent are worked here."""
        if self.pool is not None and self.pending:
            self._send()
        for chunk in self.sent:
            yield chunk.get()
        if self.pending:
            yield self.work(self.pending)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()  # and waits for its workers and threads to end
            self.pool = None

    def _send(self) -> None:
        assert self.pool is not None
        size, pending = self.chunk, self.pending
        for start in range(0, len(pending), size):
            self.sent.append(self.pool.apply_async(self.work, (pending[start : start + size],)))
        self.pending = []


def begun(work: Callable[[], R]) -> Callable[[], R]:
    """work() begun in a forked process, to run while this one does something else (both
    wait on the disk, or one does), where this process may fork; else run here. Returns
    the function that waits for its result."""
    if not _may_fork():
        result = work()
        return lambda: result
    receiving, sending = get_context("fork").Pipe(duplex=False)
    process = get_context("fork").Process(target=_send, args=(work, sending), daemon=True)
    process.start()
    sending.close()

    @cache
    def wait() -> R:
        try:
            result: R = receiving.recv()
        except EOFError:  # the process died without an answer: its error shows here
            result = work()
        finally:
            receiving.close()
            process.join()
        return result

    return wait


def _may_fork() -> bool:
    """Several cores, no other thread that could be holding a lock, and a system that
    forks (not Windows)."""
    alone = threading.active_count() == 1
    return cores() > 1 and alone and "fork" in get_all_start_methods()


def _send(work: Callable[[], Any], sending: Connection) -> None:
    try:
        result = work()
    except BaseException:  # no answer: the work is done again by the waiter, whose error shows
        os._exit(1)
    sending.send(result)


def _start_worker() -> None:
    """A worker collects its own garbage (rendering leaves reference cycles behind), but
    never looks through the objects it shares with the build, which would copy them all."""
    gc.freeze()
    gc.enable()


def _run(bounds: tuple[int, int]) -> Any:
    assert _work is not None
    work, items = _work
    return work(items[bounds[0] : bounds[1]])
