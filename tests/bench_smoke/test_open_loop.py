"""The mixed load's open loop sends every request at its scheduled moment, whether or not the
earlier ones have answered (independent callers; no head-of-line queueing in the generator),
and a window holds as many moments as its length and rate say, wherever the clock stands."""

from __future__ import annotations

import asyncio
import itertools
import time

from hypothesis import given
from hypothesis import strategies as st

from bench.loadgen import Window, open_loop_schedule, run_open_loop


def test_a_request_leaves_on_schedule_while_an_earlier_one_is_still_out() -> None:
    sent: list[int] = []
    answered: list[tuple[int, bool]] = []
    third_sent = asyncio.Event()

    async def send(index: int) -> int:
        sent.append(index)
        if index == 0:
            # Answers only once a later request has left: sent one at a time, it never would.
            await asyncio.wait_for(third_sent.wait(), timeout=60)
        if index == 2:
            third_sent.set()
        return index

    def on_answer(index: int, latency: float, result: int, counted: bool) -> None:
        assert result == index and latency >= 0
        answered.append((index, counted))

    closed: list[int] = []
    window = Window(warmup_s=0.0, measure_s=0.05)  # five scheduled moments at 100 per second
    loop = run_open_loop(
        time.perf_counter(), window, 100.0, 0.0, send, on_answer, lambda: closed.append(1)
    )

    order = [index for index, _ in answered]
    assert sorted(order) == sorted(sent) == [0, 1, 2, 3, 4]
    assert order.index(0) > order.index(2)
    assert all(counted for _, counted in answered)
    assert len(loop.lags) == len(sent) and min(loop.lags) >= 0
    assert closed == [1]


def test_a_server_that_does_not_keep_up_is_told_by_its_backlog() -> None:
    async def stuck(index: int) -> int:
        if index < 40:  # the first forty are still out when the last one (of 50) leaves
            await asyncio.sleep(3)
        return index

    async def prompt(index: int) -> int:
        return index

    window = Window(warmup_s=0.0, measure_s=0.05)
    now = time.perf_counter
    behind = run_open_loop(now(), window, 1000.0, 0.0, stuck, lambda *_: None)
    kept = run_open_loop(now(), window, 1000.0, 0.0, prompt, lambda *_: None)
    assert behind.backlog >= 40 and not behind.kept_up()
    assert kept.kept_up()


@given(
    rate=st.sampled_from([7.5, 100.0, 115.0, 230.0, 1000.0 / 3]),
    warmup_intervals=st.integers(0, 400),
    measured_intervals=st.integers(1, 2000),
    offset=st.floats(0.0, 0.99),
)
def test_a_window_holds_its_length_times_its_rate_of_moments(
    rate: float, warmup_intervals: int, measured_intervals: int, offset: float
) -> None:
    window = Window(warmup_s=warmup_intervals / rate, measure_s=measured_intervals / rate)
    moments = list(open_loop_schedule(window, rate, offset))
    assert sum(1 for _, measured in moments) == warmup_intervals + measured_intervals
    assert sum(1 for _, measured in moments if measured) == measured_intervals
    assert all(b - a > 0 for (a, _), (b, _) in itertools.pairwise(moments))
