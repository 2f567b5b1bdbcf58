"""Fixtures of the reliability tests: the demo network on the test's store, gunicorn and the
projection runner as real processes (ended in teardown, by process group), and the figures
printed at the end of the run."""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from service.api import create_app
from service.demo.scenario import load_demo
from service.settings import Settings
from tests.conftest import require_postgres
from tests.reliability.checks import FIGURES
from tests.reliability.server import Gunicorn, ProjectionRunnerProcess

API = "/api/v1"
ROLES = ("tenant_admin", "officer", "decision_maker", "auditor", "viewer")


@dataclass
class Demo:
    """The seed's network (service.demo.scenario) and a few private objects beside it."""

    settings: Settings
    tokens: dict[str, dict[str, str]]  # slug -> role -> bearer token
    platform: dict[str, str]  # platform_admin, auditor
    needs: dict[str, str]  # title -> id
    procurements: dict[str, str]  # floors, sharing, ai, private
    areas: dict[str, str] = field(default_factory=dict)  # slug -> an innovation area id
    private_need: str = ""
    expired_token: str = ""
    head: int = 0

    def token(self, slug: str, role: str) -> str:
        return self.tokens[slug][role]

    def all_secrets(self) -> list[str]:
        secrets = [t for roles in self.tokens.values() for t in roles.values()]
        return [*secrets, *self.platform.values(), self.expired_token]


def _call(client: Any, method: str, path: str, token: str, body: Any = None, **headers: str):
    response = client.open(
        path, method=method, json=body, headers={"Authorization": f"Bearer {token}", **headers}
    )
    assert response.status_code in (200, 201), (method, path, response.get_data(as_text=True))
    return response


def build_demo(settings: Settings) -> Demo:
    """Loads the demo through the API in this process (faster than over HTTP), adds a private
    need and an unpublished procurement of Ystad's, and an expired token; closes the app."""
    app = create_app(settings)
    try:
        result = load_demo(app)
        client = app.test_client()
        ystad = result.tokens["ystad"]
        areas = {}
        for slug, tokens in result.tokens.items():
            body = _call(client, "GET", f"{API}/innovation-areas", tokens["viewer"]).get_json()
            areas[slug] = body["items"][0]["id"]
        private = _call(
            client,
            "POST",
            f"{API}/needs",
            ystad["officer"],
            {
                "title": "Hemlig intern utmaning",
                "problem_statement": "Ett internt problem som inte delas med nätverket",
                "innovation_area_id": areas["ystad"],
            },
        ).get_json()["id"]
        path = f"{API}/needs/{private}"
        for version, (quadrant, text) in enumerate(
            (("strength", "S"), ("weakness", "W"), ("opportunity", "O"), ("threat", "T")),
            start=1,
        ):
            _call(
                client,
                "POST",
                f"{path}/swot",
                ystad["officer"],
                {"quadrant": quadrant, "text": text},
                **{"If-Match": f'"{version}"'},
            )
        decided = "2018-03-14T09:00:00+01:00"
        scores = {
            "impact": 4,
            "feasibility": 4,
            "market_readiness": 3,
            "cost_viability": 3,
            "organisational_readiness": 4,
        }
        _call(
            client,
            "POST",
            f"{path}/decisions",
            ystad["decision_maker"],
            {
                "type": "prioritise",
                "rationale": "Viktigt",
                "authority": {"kind": "delegation"},
                "decided_at": decided,
                "scores": scores,
            },
            **{"If-Match": '"5"'},
        )
        _call(
            client,
            "POST",
            f"{path}/decisions",
            ystad["decision_maker"],
            {
                "type": "decide_to_procure",
                "rationale": "Upphandla",
                "authority": {"kind": "delegation"},
                "decided_at": "2018-03-15T09:00:00+01:00",
            },
            **{"If-Match": '"6"'},
        )
        unpublished = _call(
            client,
            "POST",
            f"{API}/procurements",
            ystad["officer"],
            {
                "title": "Intern förstudie",
                "description": "Planeras, inte publicerad",
                "estimated_value_sek": "300000.00",
                "need_ids": [private],
                "case_number": "KS 2018/999",
            },
        ).get_json()["id"]
        # A second private need, still identified (the first is in procurement now).
        private_need = _call(
            client,
            "POST",
            f"{API}/needs",
            ystad["officer"],
            {
                "title": "Annan hemlig utmaning",
                "problem_statement": "Ännu inte delad",
                "innovation_area_id": areas["ystad"],
            },
        ).get_json()["id"]
        tokens = app.extensions["innoledger"].tokens
        expired = tokens.issue(
            user_id="ystad-officer",
            municipality="ystad",
            label="expired",
            created_by="test",
            lifetime=timedelta(seconds=1),
            now=datetime.now(UTC) - timedelta(days=1),
        ).secret
        head = app.extensions["innoledger"].innoledger.recorder.max_notification_id() or 0
    finally:
        app.extensions["innoledger"].close()
    return Demo(
        settings=settings,
        tokens=result.tokens,
        platform=result.platform_tokens,
        needs=result.needs,
        procurements={**result.procurements, "private": unpublished},
        areas=areas,
        private_need=private_need,
        expired_token=expired,
        head=head,
    )


@pytest.fixture
def rel_settings(store_settings: Settings) -> Settings:
    """The test's store (SQLite file or PostgreSQL schema), snapshotting often."""
    return dataclasses.replace(store_settings, snapshot_interval=10)


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    path = tmp_path / "logs"
    path.mkdir()
    return path


@pytest.fixture
def servers(log_dir: Path) -> Iterator[Callable[..., Gunicorn]]:
    """Starts gunicorn servers; every one is ended (its whole process group) in teardown."""
    started: list[Gunicorn] = []

    def start(settings: Settings, **kwargs: Any) -> Gunicorn:
        server = Gunicorn(settings, log_dir, name=f"gunicorn-{len(started)}", **kwargs)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def runners(log_dir: Path) -> Iterator[Callable[..., ProjectionRunnerProcess]]:
    """Starts projection runner processes; every one is ended in teardown."""
    started: list[ProjectionRunnerProcess] = []

    def start(settings: Settings, **kwargs: Any) -> ProjectionRunnerProcess:
        runner = ProjectionRunnerProcess(settings, log_dir, name=f"runner-{len(started)}", **kwargs)
        started.append(runner)
        return runner.start()

    yield start
    for runner in started:
        runner.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES.requests and not FIGURES.bad_inputs:
        return
    terminalreporter.section("reliability figures")
    for line in FIGURES.lines():
        terminalreporter.write_line(line)


@contextlib.contextmanager
def store_for_module(database: str, var_dir: Path) -> Iterator[Settings]:
    """Settings of a fresh store (SQLite file, or PostgreSQL schema dropped afterwards) for a
    module-scoped server."""
    if database == "sqlite":
        yield Settings(database="sqlite", var_dir=var_dir, testing=True, snapshot_interval=10)
        return
    import psycopg

    base = require_postgres()
    schema = f"r_{uuid.uuid4().hex[:16]}"
    dsn = (
        f"host={base.host} port={base.port} user={base.user} password={base.password}"
        f" dbname={base.dbname}"
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield Settings(
            database="postgres",
            var_dir=var_dir,
            postgres=dataclasses.replace(base, schema=schema),
            testing=True,
            snapshot_interval=10,
        )
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@dataclass
class Served:
    """A demo network behind a running gunicorn, shared by the tests of one module."""

    demo: Demo
    server: Gunicorn

    @property
    def settings(self) -> Settings:
        return self.demo.settings


@contextlib.contextmanager
def served_demo(database: str, tmp: Path, **kwargs: Any) -> Iterator[Served]:
    with store_for_module(database, tmp) as settings:
        demo = build_demo(settings)
        logs = tmp / "logs"
        logs.mkdir(exist_ok=True)
        server = Gunicorn(settings, logs, **kwargs)
        try:
            server.start()
            yield Served(demo, server)
        finally:
            server.stop()
