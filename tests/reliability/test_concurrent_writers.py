"""§8: concurrent writers on a few hot aggregates, through gunicorn with several workers, on
SQLite and on PostgreSQL, lose no update: every clash is a 409 or a 412.

Three client processes send 60 commands each to three needs and one procurement, reading the
current version only now and then, so their If-Match headers are often stale. Meanwhile a
projection runner process follows the log. Afterwards:

* every answer was 2xx, 409 or 412 (no 5xx, no timeout, no broken connection);
* every acknowledged command's event is stored exactly once, at the version and log position
  it answered; a refused command wrote nothing; each aggregate's versions are gap-free;
* the ledger verifies against the stored events;
* the views the runner kept equal a fresh rebuild.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from service.settings import Settings
from tests.reliability.checks import (
    check_ledger,
    check_store,
    check_views_equal_rebuild,
    commands,
    count_figures,
    opened,
    run_clients,
    wait_for_views,
)
from tests.reliability.conftest import build_demo
from tests.reliability.server import Gunicorn, ProjectionRunnerProcess
from tests.reliability.workload import CLIENTS, REQUESTS_PER_CLIENT, hot_targets, plans


def test_concurrent_writers_lose_no_update(
    rel_settings: Settings,
    servers: Callable[..., Gunicorn],
    runners: Callable[..., ProjectionRunnerProcess],
    tmp_path: Path,
) -> None:
    demo = build_demo(rel_settings)
    server = servers(rel_settings, workers=3, threads=4)
    runner = runners(rel_settings, batch_size=20)

    results = run_clients(plans(server, hot_targets(demo)), tmp_path)
    counts = count_figures(results)
    done = commands(results)

    assert len(done) == CLIENTS * REQUESTS_PER_CLIENT
    unexpected = {key: n for key, n in counts.items() if key not in ("200", "201", "409", "412")}
    assert unexpected == {}, (
        unexpected,
        [c for c in done if c["status"] not in (200, 201, 409, 412)][:3],
    )
    # The load really was concurrent on the same aggregates.
    assert counts["412"] + counts["409"] >= 5, counts
    assert counts["200"] + counts["201"] >= 30, counts
    assert "Traceback" not in server.log_text()

    with opened(rel_settings) as app:
        check_store(app, done)
        check_ledger(app)
        assert runner.alive(), runner.log_text()[-3000:]
        wait_for_views(app)
        runner.stop()
        check_views_equal_rebuild(app)
