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
            yield deployment
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
