"""The several-host deployment of the tests in this directory, built by each test and torn down
afterwards (also when the test fails or is interrupted):

    client ── switch ── app1 (gunicorn + projection runner)
                    ├── app2 (gunicorn + projection runner)
                    ├── db1  (PostgreSQL primary)
                    └── db2  (PostgreSQL synchronous standby)

Each box is a network namespace of its own (tests/hosts/netns.py); the app hosts reach the
database through libpq's multi-host connection string (`host=db1,db2`, read-write sessions
only). The test process itself works from the client host: the load clients it starts, the
readiness checks and the checks of the store afterwards all go over the topology's network.

Run with `make test-hosts` (as root). It fails, never skips, when the topology cannot be built.
"""

from __future__ import annotations

import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.hosts.deployment import ROLES, Deployment, deployed
from tests.hosts.figures import HOST_FIGURES
from tests.hosts.netns import Topology, TopologyUnavailable
from tests.reliability.checks import FIGURES


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(autouse=True)
def signals_tear_down() -> Iterator[None]:
    """SIGTERM (a CI runner cancelling the job) unwinds like Ctrl-C, through every teardown;
    Ctrl-C does so even when the shell that started the run ignored SIGINT for it."""
    previous = {
        signal.SIGTERM: signal.signal(signal.SIGTERM, _raise_interrupt),
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


# A test of this directory takes a minute or two; one that still runs after this long has
# stalled. Its report (every thread's stack, what each database session is doing and waiting
# for) is written then, while the stall can still be seen; `make test-hosts` fails the test a
# while later (pytest-timeout), so a stall ends the run with its cause instead of hanging it.
STALL_REPORT_S = 300.0

SESSIONS = """
SELECT pid, client_addr, application_name, state, wait_event_type, wait_event,
       date_trunc('second', now() - xact_start) AS in_transaction,
       date_trunc('second', now() - state_change) AS in_state,
       pg_blocking_pids(pid) AS blocked_by, left(regexp_replace(query, '\\s+', ' ', 'g'), 160)
FROM pg_stat_activity WHERE backend_type IN ('client backend', 'walsender')
ORDER BY xact_start NULLS LAST
"""


def situation(deployment: Deployment) -> str:
    """Every thread's stack in the test process, and what each database session is doing and
    waiting for (and who blocks it)."""
    lines = ["=== threads of the test process"]
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        lines.append(f"--- thread {names.get(ident, ident)}")
        lines.extend(line.rstrip() for line in traceback.format_stack(frame))
    for node in (deployment.database.primary, deployment.database.standby):
        lines.append(f"=== {node.name}: sessions (pid|client|app|state|wait|xact|state for|"
                     "blocked by|query)")
        try:
            lines.append(node.sql(SESSIONS, database="postgres"))
        except Exception as exc:  # a node the test killed
            lines.append(f"(not answering: {exc})")
    return "\n".join(lines) + "\n"


def stall_report(deployment: Deployment, out: Any) -> None:
    out.write(f"=== still running after {STALL_REPORT_S:.0f} s\n{situation(deployment)}")
    out.flush()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test's report shows the situation at the failure, while the deployment (torn
    down only after this report) still stands."""
    report = yield
    deployment = getattr(item, "funcargs", {}).get("deployment")
    if call.when == "call" and report.failed and isinstance(deployment, Deployment):
        report.sections.append(("the deployment at the failure", situation(deployment)))
    return report


@pytest.fixture
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    """The deployment; parametrize it indirectly with {"clock_offsets": {"app1": -120.0}} to set
    an app host's clock off."""
    options: dict[str, Any] = getattr(request, "param", None) or {}
    try:
        topology = Topology.build(ROLES)
    except TopologyUnavailable as exc:
        pytest.fail(f"the several-host topology cannot be built here: {exc}")
    try:
        with deployed(topology, tmp_path, **options) as deployment:
            watchdog = threading.Timer(STALL_REPORT_S, stall_report,
                                       args=(deployment, sys.__stderr__))
            watchdog.daemon = True
            watchdog.start()
            try:
                yield deployment
            finally:
                watchdog.cancel()
    finally:
        topology.close()
    assert topology.leftovers() == [], topology.leftovers()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES.requests:
        return
    terminalreporter.section("several-host figures")
    for line in FIGURES.lines():
        terminalreporter.write_line(line)
    for line in HOST_FIGURES.lines():
        terminalreporter.write_line(line)
