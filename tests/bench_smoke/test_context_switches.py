"""The meter counts the context switches of every thread of a process, not only its first."""

from __future__ import annotations

import os
import threading
import time

from bench.cputime import CpuMeter, available, per_operation


def test_a_waiting_thread_s_switches_are_counted_for_its_process() -> None:
    assert available(), "the meter reads /proc: Linux only, as the benchmarks are"
    meter = CpuMeter({"self": [os.getpid()]})
    waited, release = threading.Event(), threading.Event()

    def wait_often() -> None:
        for _ in range(200):
            time.sleep(0.0005)  # each sleep gives the core up: one voluntary switch
        waited.set()
        release.wait()  # alive at the second reading, as a server's threads are

    waiter = threading.Thread(target=wait_often)
    meter.start()
    waiter.start()
    waited.wait()  # this thread waits once; the waiter gave its core up 200 times
    meter.stop()
    release.set()
    waiter.join()
    assert meter.switched["self"] >= 200, meter.switched


def test_switches_per_operation_per_role_and_in_total() -> None:
    assert per_operation({"service": 30, "database": 10}, 10) == {
        "service": 3.0,
        "database": 1.0,
        "total": 4.0,
    }
    assert per_operation({}, 10) == {}
    assert per_operation({"service": 3}, 0) == {}
