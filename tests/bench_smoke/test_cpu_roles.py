"""A load task that is a part of the system measured (a projection runner following the saves)
has its CPU time counted under its own role, not as the load's."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar

from bench.cputime import available
from bench.loadgen import Tally, Task, Window, run_parallel


@dataclass
class Operations(Task):
    """Counts operations and spends no CPU on them: the load."""

    def run(self, state: Any, start: float, window: Window) -> Tally:
        time.sleep(max(0.0, start + window.warmup_s + window.measure_s - time.perf_counter()))
        tally = Tally(seconds=window.measure_s)
        tally.count = 100
        return tally


@dataclass
class BusyFollower(Task):
    """Spends the whole window on a core, as a runner catching up does."""

    cpu_role: ClassVar[str] = "runners"

    def run(self, state: Any, start: float, window: Window) -> Tally:
        end = start + window.warmup_s + window.measure_s
        while time.perf_counter() < end:
            sum(range(1000))
        return Tally(seconds=window.measure_s)


def test_a_task_s_process_counts_under_its_own_role() -> None:
    assert available(), "the meter reads /proc: Linux only, as the benchmarks are"
    tally = run_parallel([Operations(), BusyFollower()], Window(0.1, 0.4), cpu_roles={})
    per_operation = tally.info["cpu_ms_per_op"]
    assert tally.count == 100
    # 0.4 s of a core over 100 operations is ~4 ms each; the sleeping load spends next to none.
    assert per_operation["runners"] > 1.0, per_operation
    assert per_operation["load"] < per_operation["runners"] / 4, per_operation
