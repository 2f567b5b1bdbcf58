"""§8: crashes and restarts lose nothing acknowledged, apply nothing twice, and the service
recovers by itself.

* gunicorn workers SIGKILLed while clients send commands: the master starts new workers, the
  clients resend what broke (same If-Match, same marker), and the store holds every
  acknowledged command exactly once;
* the projection runner SIGKILLed while it applies batches: a standby runner takes over and the
  views equal a fresh rebuild;
* SQLite: the whole service SIGKILLed under load and started again on the same file;
* PostgreSQL: the database restarted under load; meanwhile the service answers 503 with
  Retry-After, and afterwards it goes on by itself, with the same gunicorn processes.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from service.settings import Settings
from tests.conftest import require_postgres
from tests.reliability.checks import (
    CLASHES,
    FIGURES,
    OK,
    catch_up_views,
    check_ledger,
    check_store,
    check_views_equal_rebuild,
    clients_done,
    commands,
    count_figures,
    opened,
    server_errors,
    start_clients,
    wait_client,
    wait_for_views,
)
from tests.reliability.conftest import build_demo
from tests.reliability.server import Gunicorn, PostgresCluster, ProjectionRunnerProcess
from tests.reliability.workload import hot_targets, plans

RETRYING = {"max_attempts": 400, "retry_for_s": 40, "pause_s": 0.01}
# Clients of the tests that kill workers or stop the service or the database during the load:
# enough requests that they are still writing then, however fast the service answers.
RETRYING_LONG = {**RETRYING, "requests": 300}


def final_statuses_are_answers(done: list[dict[str, Any]]) -> None:
    """After its retries, every command got an answer: applied, or refused as a clash."""
    unanswered = [c for c in done if c["status"] not in OK | CLASHES]
    assert unanswered == [], unanswered[:3]


PROBE_LIMIT_S = 10.0
# Once a request found the database away, the next are answered after a short check of their
# own; only those already waiting for the pool (its two attempts, 3 s each) take longer, and
# those queued behind them for a worker's thread.
FIRST_WAVE_S = 7.0
FOUND_AWAY_LIMIT_S = 3.0
OK_OR_CLASH = (200, 201, 409, 412)


def probe(method: str, url: str, body: Any, *, token: str) -> dict[str, Any]:
    """One request while the database is away: what came back, and how soon."""
    headers = {"Authorization": f"Bearer {token}", "If-Match": '"1"'}
    started = time.monotonic()
    try:
        response = requests.request(method, url, json=body, headers=headers, timeout=20)
    except requests.RequestException as exc:
        return {
            "method": method,
            "url": url,
            "started": started,
            "status": type(exc).__name__,
            "seconds": round(time.monotonic() - started, 1),
            "retry_after": None,
            "problem": False,
        }
    return {
        "method": method,
        "url": url,
        "started": started,
        "status": response.status_code,
        "seconds": round(time.monotonic() - started, 1),
        "retry_after": response.headers.get("Retry-After"),
        "problem": response.headers.get("Content-Type", "").startswith("application/problem+json"),
    }


def shown(answer: dict[str, Any]) -> str:
    path = answer["url"].split("/", 3)[-1]
    return (
        f"{answer['method']} /{path[:40]} -> {answer['status']} in {answer['seconds']} s"
        f" (Retry-After {answer['retry_after']})"
    )


def holder_pid(app: Any) -> set[int]:
    """The pids of the runner processes that hold the views (from the tracking rows)."""
    from eventstore.sql import SqlStore
    from projections.tracking import read_all

    try:
        with SqlStore(app.recorder).reading() as cursor:
            rows = read_all(cursor)
    except Exception:  # the runners have not created their tables yet
        return set()
    return {int(row.holder.split(":")[1]) for row in rows if row.holder and ":" in row.holder}


def test_killed_workers_lose_nothing_and_the_service_heals(
    rel_settings: Settings, servers: Callable[..., Gunicorn], tmp_path: Path
) -> None:
    demo = build_demo(rel_settings)
    server = servers(rel_settings, workers=2, threads=4)
    started = start_clients(plans(server, hot_targets(demo), **RETRYING_LONG), tmp_path)
    rng = random.Random(7)
    killed: list[int] = []
    time.sleep(0.8)
    while len(killed) < 3 and not clients_done(started):
        workers = server.worker_pids()
        if len(workers) == server.workers:
            victim = rng.choice(workers)
            server.kill_worker(victim)
            killed.append(victim)
            FIGURES.faults_injected["gunicorn worker SIGKILL"] += 1
        time.sleep(rng.uniform(0.5, 1.0))
    results = [wait_client(process, out) for process, out in started]
    counts = count_figures(results)
    done = commands(results)

    assert len(killed) >= 2, "the load ended before the workers could be killed"
    final_statuses_are_answers(done)
    answered = {key for key in counts if key.isdigit()}
    assert answered <= {"200", "201", "409", "412"}, counts
    # The service healed by itself: the master replaced every killed worker.
    server.wait_ready()
    assert set(server.worker_pids()).isdisjoint(killed)
    assert server.process is not None and server.process.poll() is None
    print(f"worker kills: {len(killed)}, attempts broken: {counts}")

    with opened(rel_settings) as app:
        check_store(app, done)
        check_ledger(app)
        catch_up_views(app)
        check_views_equal_rebuild(app)


def test_killed_projection_runner_is_replaced_and_views_equal_a_rebuild(
    rel_settings: Settings,
    servers: Callable[..., Gunicorn],
    runners: Callable[..., ProjectionRunnerProcess],
    tmp_path: Path,
) -> None:
    demo = build_demo(rel_settings)
    server = servers(rel_settings, workers=2, threads=4)
    # Small batches, so that a kill usually lands while a batch is being applied; clients busy
    # for at least five seconds, so that three kills land while they write.
    active = [runners(rel_settings, batch_size=3), runners(rel_settings, batch_size=3)]
    started = start_clients(
        plans(server, hot_targets(demo), requests=100, pause_s=0.05, max_attempts=1), tmp_path
    )
    kills = 0
    rng = random.Random(3)
    with opened(rel_settings) as app:
        time.sleep(1.0)
        while kills < 3 and not clients_done(started):
            holders = holder_pid(app)
            victims = [r for r in active if r.alive() and r.process and r.process.pid in holders]
            if victims:
                victim = rng.choice(victims)
                victim.kill()
                active.remove(victim)
                kills += 1
                FIGURES.faults_injected["projection runner SIGKILL"] += 1
                # An orchestrator would start a new standby; the old one takes over meanwhile.
                active.append(runners(rel_settings, batch_size=3))
            time.sleep(rng.uniform(0.4, 0.8))
        results = [wait_client(process, out) for process, out in started]
        count_figures(results)
        assert kills >= 2, "no runner could be killed while it held the views"
        wait_for_views(app, timeout_s=90)
        for runner in active:
            runner.stop()
        check_store(app, commands(results))
        check_views_equal_rebuild(app)
        check_ledger(app)


def test_sqlite_service_killed_under_load_restarts_on_the_same_file(
    sqlite_settings: Settings, servers: Callable[..., Gunicorn], tmp_path: Path
) -> None:
    demo = build_demo(sqlite_settings)
    server = servers(sqlite_settings, workers=2, threads=4)
    started = start_clients(plans(server, hot_targets(demo), **RETRYING_LONG), tmp_path)
    time.sleep(1.5)
    assert not clients_done(started)
    master = server.pid
    server.kill_all()  # master and workers at once, mid-load: a crash, not a shutdown
    FIGURES.faults_injected["SQLite service SIGKILL (master and workers)"] += 1
    time.sleep(0.5)
    server.start(port=server.port)  # the same file, the same port the clients retry
    assert server.pid != master
    results = [wait_client(process, out) for process, out in started]
    counts = count_figures(results)
    done = commands(results)

    final_statuses_are_answers(done)
    assert {key for key in counts if key.isdigit()} <= {"200", "201", "409", "412"}, counts
    assert sum(n for key, n in counts.items() if not key.isdigit()) >= 1, counts
    server.stop()
    with sqlite3.connect(sqlite_settings.sqlite_file) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with opened(sqlite_settings) as app:
        check_store(app, done)
        check_ledger(app)
        catch_up_views(app)
        check_views_equal_rebuild(app)


# It stops the shared test cluster, so it runs alone, after the parallel run (see Makefile).
@pytest.mark.exclusive
def test_postgres_restart_under_load_answers_503_and_resumes_by_itself(
    postgres_settings: Settings,
    servers: Callable[..., Gunicorn],
    runners: Callable[..., ProjectionRunnerProcess],
    tmp_path: Path,
) -> None:
    require_postgres()
    cluster = PostgresCluster.from_env()
    if cluster is None:
        pytest.fail(
            "scripts/with-test-postgres must export INNOLEDGER_TEST_POSTGRES_DATADIR and the"
            " other cluster variables for the restart test"
        )
    demo = build_demo(postgres_settings)
    server = servers(postgres_settings, workers=2, threads=4)
    runner = runners(postgres_settings, batch_size=20).wait_following()
    workers_before = server.worker_pids()
    started = start_clients(plans(server, hot_targets(demo), **RETRYING_LONG), tmp_path)
    officer = demo.token("ystad", "officer")
    need = f"{server.api}/needs/{demo.private_need}"
    probes = [
        ("GET", f"{server.url}/readyz", None),
        ("GET", need, None),
        ("POST", f"{need}/swot", {"quadrant": "threat", "text": "Medan databasen är borta"}),
    ]
    away: list[dict[str, Any]] = []
    back = 0.0
    try:
        time.sleep(1.5)
        assert not clients_done(started)
        cluster.stop("immediate")
        FIGURES.faults_injected["PostgreSQL restart (immediate stop)"] += 1
        # Probe every kind of request while the database is away (12 s: longer than the
        # connection pool's 5 s wait), each in a thread of its own so that a slow answer does
        # not stretch the outage.
        with ThreadPoolExecutor(max_workers=30) as pool:
            futures = []
            for _round in range(8):
                futures += [pool.submit(probe, *p, token=officer) for p in probes]
                time.sleep(1.5)
            back = time.monotonic()
            cluster.start()
            away = [future.result() for future in futures]
    finally:
        if not cluster.running():
            cluster.start()
    FIGURES.requests += len(away)
    FIGURES.answers_503 += sum(r["status"] == 503 for r in away)
    results = [wait_client(process, out) for process, out in started]
    counts = count_figures(results)
    done = commands(results)

    # While the database was away: 503 with Retry-After, a problem document, in time. A probe
    # sent more than PROBE_LIMIT_S before the database came back must have had its 503 by
    # then; one sent later may also have been served once the database was back.
    wrong = [
        r
        for r in away
        if r["status"] not in (503, *OK_OR_CLASH)
        or (r["status"] == 503 and not r["retry_after"])
        or (r["started"] < back - PROBE_LIMIT_S and r["status"] != 503)
        or (r["status"] == 503 and r["seconds"] > PROBE_LIMIT_S)
    ]
    assert wrong == [], "\n".join(map(shown, away))
    first_found = min(
        r["started"] + r["seconds"] for r in away if r["status"] == 503 and "/api/v1/" in r["url"]
    )
    late = [
        r
        for r in away
        if r["status"] == 503
        and r["started"] > first_found + FIRST_WAVE_S
        and r["seconds"] > FOUND_AWAY_LIMIT_S
    ]
    assert late == [], "\n".join(map(shown, away))
    assert sum(r["status"] == 503 for r in away) >= len(probes), "\n".join(map(shown, away))
    assert all(r["problem"] for r in away if r["status"] == 503 and "/api/v1/" in r["url"])
    # The clients saw answers only (no broken connections, no timeouts) and all were served.
    assert {key for key in counts} <= {"200", "201", "409", "412", "503"}, counts
    final_statuses_are_answers(done)
    # Resumed without a restart of its own: the same master and the same workers.
    assert server.wait_ready()["status"] == "ok"
    assert server.worker_pids() == workers_before
    assert server_errors(server) == []
    with opened(postgres_settings) as app:
        check_store(app, done)
        check_ledger(app)
        assert runner.alive(), runner.log_text()[-3000:]
        wait_for_views(app, timeout_s=60)
        runner.stop()
        check_views_equal_rebuild(app)
