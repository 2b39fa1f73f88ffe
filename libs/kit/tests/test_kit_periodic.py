"""The repeating background job loop: failures are survived, work is drained, cancellation always stops it."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from gymloop_kit.periodic import run_periodically

pytestmark = pytest.mark.unit


async def test_a_failing_step_is_logged_and_the_next_tick_runs() -> None:
    calls = 0
    third_call = asyncio.Event()

    async def step() -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database briefly away")
        if calls == 3:
            third_call.set()
        return 0

    job = asyncio.create_task(run_periodically("flaky", step, interval_s=0.01))
    await asyncio.wait_for(third_call.wait(), timeout=2)  # times out if the failure had ended the loop
    assert not job.done()
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job


async def test_drain_runs_back_to_back_while_there_is_work_then_sleeps() -> None:
    work = [5, 3, 1, 0, 7]
    calls = 0

    async def step() -> int:
        nonlocal calls
        calls += 1
        return work.pop(0)

    job = asyncio.create_task(run_periodically("drain", step, interval_s=60, drain=True))
    await asyncio.sleep(0.2)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert calls == 4, "three steps with work, one that found none, then the 60 s sleep"


async def test_without_drain_every_step_waits_for_the_interval() -> None:
    calls = 0

    async def step() -> int:
        nonlocal calls
        calls += 1
        return 10

    job = asyncio.create_task(run_periodically("plain", step, interval_s=60))
    await asyncio.sleep(0.2)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert calls == 1


async def test_a_cancellation_swallowed_inside_the_step_still_stops_the_job() -> None:
    entered = asyncio.Event()

    async def step() -> int:
        entered.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            return 0  # a client library that eats the cancellation
        return 0

    job = asyncio.create_task(run_periodically("swallower", step, interval_s=0.01))
    await entered.wait()
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(job, timeout=2)


async def test_a_step_that_keeps_failing_is_retried_with_growing_waits() -> None:
    moments: list[float] = []
    loop = asyncio.get_running_loop()

    async def step() -> int:
        moments.append(loop.time())
        raise RuntimeError("mail server away")

    job = asyncio.create_task(run_periodically("backoff", step, interval_s=0.01, backoff_base_s=0.1,
                                               backoff_max_s=0.4))  # fmt: skip
    await asyncio.sleep(1.6)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    waits = [later - earlier for earlier, later in itertools.pairwise(moments)]
    assert len(waits) >= 4
    assert waits[0] == pytest.approx(0.1, abs=0.05)
    assert waits[1] == pytest.approx(0.2, abs=0.05)
    assert all(wait == pytest.approx(0.4, abs=0.05) for wait in waits[2:]), "capped at backoff_max_s"
