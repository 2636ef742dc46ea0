"""Work spread over the machine's cores, for the builds big enough to gain from it.

Workers are forked from the build once its model is made, so they start with
every story, template and page plan already in memory: each is sent only which
slice of the work is its own, in large chunks, and sends back its results.
Where the work reads the build's model (rendering), each worker does one
chunk and makes way for a new one: a worker's memory grows as it touches the
build's objects (each touch copies the page it is on), and a fresh fork
shares them all again (at 10,000 stories, a peak of 430 MB rather than 520).
The pool's own thread forks the new ones; the build's main thread only waits
for results meanwhile. Work that touches only its own items (converting
Markdown) keeps its workers: a new fork costs a tenth of a second.
A small build, or one in a process with threads of its own (the preview,
whose server threads may hold locks at any time), stays in one process:
forking costs more there than it saves, or is unsafe.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Generator, Sequence
from functools import cache
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.connection import Connection
from typing import Any, TypeVar

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
    work: Callable[[Sequence[T]], R], items: Sequence[T], *, smallest: int, renew: bool = True
) -> Generator[R, None, None]:
    """work(chunk) for chunks of items, in order: in forked workers when there are at least
    `smallest` items, several cores and no other thread; otherwise work(items) here.
    With `renew`, each chunk is done by a new worker."""
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
        chunks_each = 1 if renew else None
        with get_context("fork").Pool(workers, _start_worker, maxtasksperchild=chunks_each) as pool:
            yield from pool.imap(_run, bounds)
    finally:
        _work = None


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
