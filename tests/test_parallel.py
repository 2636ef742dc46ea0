"""Work over forked workers: the results in order, and an error, not a hang, when a worker
is killed from outside (as the kernel kills one when memory runs out)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Sequence

import pytest

from storyblog.parallel import Streamed, WorkerStopped, spread

HANG = 60
"""Seconds after which a test fails rather than wait on: the build would hang there."""


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    def hung(*_: object) -> None:
        raise TimeoutError(f"still waiting after {HANG} s: a build would hang here")

    before = signal.signal(signal.SIGALRM, hung)
    signal.alarm(HANG)  # not inherited by the workers forked meanwhile
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, before)


def doubled(chunk: Sequence[int]) -> list[int]:
    return [2 * item for item in chunk]


def killed_at_13(chunk: Sequence[int]) -> list[int]:
    if 13 in chunk:
        os.kill(os.getpid(), signal.SIGKILL)
    return doubled(chunk)


def test_spread_gives_each_chunk_s_result_in_order() -> None:
    parts = list(spread(doubled, range(1000), smallest=100))
    assert len(parts) > 1  # over workers, not here
    assert [item for part in parts for item in part] == [2 * n for n in range(1000)]


def test_spread_stops_with_an_error_when_a_worker_is_killed() -> None:
    with pytest.raises(WorkerStopped, match="killed by signal 9"):
        list(spread(killed_at_13, range(1000), smallest=100))


def test_streamed_work_stops_with_an_error_when_a_worker_is_killed() -> None:
    streamed: Streamed[int, int] = Streamed(killed_at_13, smallest=10)
    try:
        for item in range(100):
            streamed.add(item)
        assert streamed.pool is not None  # over workers, not here
        with pytest.raises(WorkerStopped, match="out of memory"):
            list(streamed.results())
    finally:
        streamed.close()
