"""Runners killed at random points resume to exactly the state a fresh rebuild gives."""

from __future__ import annotations

import random
import signal
import time

from bench.network_generator import NetworkGenerator
from eventstore.sql import SqlStore
from projections.rebuild import rebuild
from projections.registry import all_projections
from projections.runner import head_position
from projections.tracking import read_position
from service.innoledger import Innoledger
from service.settings import Settings
from tests.projections.conftest import dump_all, sync
from tests.projections.processes import start, wait_for_line


def positions(store: SqlStore) -> dict[str, int]:
    with store.reading() as cursor:
        return {p.name: read_position(cursor, p.name) or 0 for p in all_projections()}


def test_killed_runner_resumes_to_the_state_of_a_fresh_rebuild(
    app: Innoledger, store: SqlStore, store_settings: Settings
):
    head = NetworkGenerator(app, seed=11).fill(3000, municipalities=8)
    rng = random.Random(5)
    interrupted = 0
    kills = 0
    for _ in range(8):
        child = start(store_settings, "tests/projections/crash_child.py", "23")
        wait_for_line(child, "ready")
        time.sleep(rng.uniform(0.02, 0.35))
        child.send_signal(signal.SIGKILL)
        child.wait()
        kills += 1
        reached = positions(store)
        if any(0 < p < head for p in reached.values()):
            interrupted += 1
        if all(p == head for p in reached.values()):
            break
    print(f"{kills} kills, {interrupted} left views midway")
    assert kills >= 3 and interrupted >= 2, (kills, interrupted)

    assert sync(app) == head
    resumed = dump_all(store)
    for projection in all_projections():
        rebuild(app, projection, store=store)
    assert positions(store) == {p.name: head_position(app.recorder) for p in all_projections()}
    assert dump_all(store) == resumed
