"""Two follower processes on one store: one applies, the other takes over when it dies."""

from __future__ import annotations

import signal
import subprocess
import time

from eventstore.sql import SqlStore
from projections import queries
from projections.runner import head_position
from projections.tracking import read_all
from service.innoledger import Innoledger
from service.settings import Settings
from tests.projections.processes import start
from tests.projections.scenario import Scenario

RUN = (
    "-c",
    "from service.cli.projections import projections_group as g; "
    "g(['run', '--only', 'decision_log', '--batch-size', '50'])",
)


def holder_pid(store: SqlStore) -> int | None:
    with store.reading() as cursor:
        for row in read_all(cursor):
            if row.name == "decision_log" and row.holder:
                return int(row.holder.split(":")[1])
    return None


def caught_up(app: Innoledger, store: SqlStore, timeout: float = 20) -> bool:
    return queries.wait_for_position(store, "decision_log", head_position(app.recorder), timeout)


def test_only_one_follower_applies_and_a_standby_takes_over(
    app: Innoledger, store: SqlStore, store_settings: Settings
):
    s = Scenario(app)
    s.decided_need(s.ystad, "Första")
    first = start(store_settings, *RUN)
    second: subprocess.Popen[str] | None = None
    try:
        assert caught_up(app, store)
        assert holder_pid(store) == first.pid
        second = start(store_settings, *RUN)
        time.sleep(1.5)  # the standby is up and trying for the lease
        for n in range(3):
            s.decided_need(s.skurup, f"Medan båda kör {n}")
            assert caught_up(app, store)
        assert holder_pid(store) == first.pid  # the standby never committed a batch

        first.send_signal(signal.SIGKILL)
        first.wait()
        taken_over_from = time.monotonic()
        s.decided_need(s.trelleborg, "Efter att den första dog")
        assert caught_up(app, store)
        assert holder_pid(store) == second.pid
        assert time.monotonic() - taken_over_from < 10

        second.send_signal(signal.SIGTERM)  # graceful: finishes its batch and exits
        assert second.wait(timeout=15) == 0
        decisions = queries.list_decisions(
            store, scope=None, limit=200, aggregate_type="Need"
        ).rows
        assert len(decisions) == 2 * 5
        assert len({d["position"] for d in decisions}) == len(decisions)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
