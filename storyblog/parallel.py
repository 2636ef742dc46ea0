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
import multiprocessing
import os
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from functools import cache
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.connection import Connection
from multiprocessing.pool import AsyncResult, Pool
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[str, int, int], None] | None
"""Told (what, how many done, of how many) as a long build goes."""

CHUNKS_PER_WORKER = 8
"""Enough chunks that a worker with slow pages does not hold up the end of the build, and
that none lives long enough to copy much of the build's memory; few enough that forking
them, and merging what each read, costs little. At 10,000 stories, with 16: a template
edit peaked at 404–406 MB, rendering took 5.58–5.68 s; with 8: 418–425 MB, 5.15–5.17 s."""

WATCH_EVERY = 0.5
"""Seconds: how often a build waiting for a worker's chunk looks whether a worker was killed."""

_work: tuple[Callable[[Sequence[Any]], Any], Sequence[Any]] | None = None


class WorkerStopped(Exception):
    """A worker was killed from outside while the build waited for it."""


class _WatchedPool(Pool):
    """A pool that keeps each worker it starts: one killed from outside (by the kernel, when
    memory runs out) takes its chunk with it, and a plain Pool waits for that forever."""

    def __init__(self, processes: int, initializer: Callable[[], None], **options: Any) -> None:
        self.workers: list[BaseProcess] = []
        """Appended to by the pool's own thread, as it starts workers; never pruned."""
        super().__init__(processes, initializer, context=get_context("fork"), **options)

    def _get_sentinels(self) -> list[Any]:
        """What wakes the pool's thread that starts workers, besides a worker's end: only a
        change to the pool. Python's own also wakes it while a result waits to be read, and
        it then loops, busy, until the result is read (half a second at 10,000 stories)."""
        return [self._change_notifier._reader]  # type: ignore[attr-defined]

    def Process(self, ctx: Any, *args: Any, **kwargs: Any) -> BaseProcess:  # type: ignore[override]
        """How Pool starts each worker."""
        worker: BaseProcess = ctx.Process(*args, **kwargs)
        self.workers.append(worker)
        return worker

    def waited(self, result: Callable[[float], R]) -> R:
        """result(timeout), waited for until it comes; WorkerStopped if a worker is killed."""
        while True:
            try:
                return result(WATCH_EVERY)
            except multiprocessing.TimeoutError:
                for worker in self.workers:
                    if worker.exitcode:  # a pool's worker that ends by itself ends with 0
                        raise WorkerStopped(_stopped(worker.exitcode)) from None


def _stopped(exitcode: int) -> str:
    how = f"killed by signal {-exitcode}" if exitcode < 0 else f"ended with status {exitcode}"
    return (
        f"a worker process of the build was {how}, perhaps because the machine ran out of "
        "memory: nothing in the output was changed; build again"
    )


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
        with _WatchedPool(workers, _start_worker, maxtasksperchild=1) as pool:
            results = pool.imap(_run, bounds)
            for _ in bounds:
                yield pool.waited(results.next)
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
        self.pool: _WatchedPool | None = None
        self.may_fork = _may_fork()

    def add(self, item: T) -> None:
        self.count += 1
        self.pending.append(item)
        if self.pool is not None and len(self.pending) >= self.chunk:
            self._send()
        elif self.pool is None and len(self.pending) >= self.smallest and self.may_fork:
            self.pool = _WatchedPool(cores(), _start_worker)
            self._send()

    def results(self) -> Iterator[list[R]]:
        """The results of each chunk, in order: the items not sent are worked here."""
        if self.pool is not None and self.pending:
            self._send()
        for chunk in self.sent:
            assert self.pool is not None  # chunks are sent only to a pool
            yield self.pool.waited(chunk.get)
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


def begun(work: Callable[[], R], *, apart: bool = True) -> Callable[[], R]:
    """work() begun in a forked process, to run while this one does something else (both
    wait on the disk, or one does), where this process may fork and `apart` is not False;
    else run here. Returns the function that waits for its result."""
    if not (apart and _may_fork()):
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
