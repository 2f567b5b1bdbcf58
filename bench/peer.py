"""Also measured (spec §8): the same requests against the CRUD alternative built as a web service
— HTTP against HTTP.

The peer is `bench.crud_web`: Flask + SQLAlchemy 2 + SQLAlchemy-Continuum, served by gunicorn
with the same settings as ours (the project's gunicorn.conf.py, same workers and threads), its
bearer tokens looked up by hash per request. Both sides answer, in closed loops from the same
load processes, alternately `rounds` times (the round with the median ratio counts):

- commands: the command mix (add a SWOT item, remove it, edit the title; If-Match), each client
  on a need of its own;
- the same page: the caller's municipality's needs, 50 a page (ours: the tenant index view);
- history: the first page (50) of the history of a need with 60 changes;
- as-of: that need as of a moment in the middle of its life (ours: `?as_of=`; theirs:
  Continuum's own as-of, see `bench.crud`).

Ratios are ours / theirs requests per second (information: §8 sets no bound for HTTP against
HTTP); the CPU time per request of every process of each side is in the details.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.context import Context
from bench.loadgen import CommandTask, GetTask, HttpConnection, Tally, run_parallel
from bench.results import Measure, median_index, median_pair, rate_ratio
from bench.servers import Server, gunicorn

CRUD_APP = "bench.wsgi:crud_app()"
PAGE = 50
HISTORY_CHANGES = 60
OWNER = "bench-kommun"


def _changes_ours(app: Any, tenant: Any, need_id: str, count: int) -> str:
    """`count` changes of one need through the use cases; a moment in the middle of them."""
    version = tenant.need_versions[need_id]
    middle = ""
    for index in range(count):
        if index == count // 2:
            time.sleep(0.002)
            middle = datetime.now(UTC).isoformat()
            time.sleep(0.002)
        title = "Titel A" if index % 2 else "Titel B"
        version = app.edit_need(
            tenant.officer, need_id, changes={"title": title}, expected_version=version
        ).version
    return middle


def prepare_ours(ctx: Context, web: Any) -> tuple[str, str]:
    """Our store, beside what the web session made: a page of needs and a need with a history."""
    from bench.fixtures import add_needs
    from projections.registry import projection_named
    from projections.runner import ProjectionRunner

    app = web.store.open()
    try:
        tenant = web.tenant
        missing = PAGE - len(tenant.need_ids)
        if missing > 0:
            add_needs(app, tenant, missing)
        (history_need,) = add_needs(app, tenant, 1)
        middle = _changes_ours(app, tenant, history_need, HISTORY_CHANGES)
        ProjectionRunner(app, projection_named("tenant_index"), batch_size=1000).catch_up()
    finally:
        app.close()
    return history_need, middle


def prepare_theirs(ctx: Context, clients: int) -> tuple[str, str, list[str], str, str]:
    """The peer's store: the owner's page of needs (one per client among them), a need with a
    history, and a bearer token."""
    from sqlalchemy.orm import Session

    from bench.crud import create_schema, engine_for, new_need
    from bench.crud_models import CrudNeed, CrudToken

    store = ctx.database.fresh("crud-web")
    url = ctx.database.sqlalchemy_url(store)
    create_schema(url)
    engine = engine_for(url)
    secret = secrets.token_urlsafe(32)
    with Session(engine) as session:
        needs = [new_need(session, OWNER, i) for i in range(PAGE)]
        session.add(
            CrudToken(
                digest=hashlib.sha256(secret.encode()).hexdigest(), user_id=f"{OWNER}-officer",
                owner=OWNER, expires_at=datetime.now() + timedelta(days=1), revoked_at=None,
            )
        )  # fmt: skip
        session.commit()
    with Session(engine) as session:
        history_need = new_need(session, OWNER, PAGE)
        session.commit()
    middle = ""
    for index in range(HISTORY_CHANGES):
        if index == HISTORY_CHANGES // 2:
            time.sleep(0.002)
            middle = datetime.now().isoformat()
            time.sleep(0.002)
        with Session(engine) as session:
            need = session.get(CrudNeed, history_need)
            assert need is not None
            need.title = "Titel A" if index % 2 else "Titel B"
            need.updated_at = datetime.now()
            session.commit()
    engine.dispose()
    return url, secret, needs[:clients], history_need, middle


def _items(server: Server, path: str, token: str) -> int:
    """How many items a page answers (both sides must answer the same page)."""
    conn = HttpConnection(server.host, server.port)
    try:
        status, _, body = conn.call(
            conn.request_bytes("GET", path, {"Authorization": f"Bearer {token}"})
        )
    finally:
        conn.close()
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {body[:200]!r}")
    page = json.loads(body)
    return len(page.get("items", page.get("entries", [])))


def _get(server: Server, path: str, token: str, clients: int) -> list[GetTask]:
    headers = {"Authorization": f"Bearer {token}"}
    return [GetTask(server.host, server.port, path, headers) for _ in range(clients)]


def measure(ctx: Context) -> None:
    from bench import crud
    from bench.web import web_session

    if not crud.installed():
        ctx.add(
            Measure(
                group="peer", key="peer.unavailable", database=ctx.db,
                name="HTTP peer (Flask + SQLAlchemy + Continuum)", note="not installed",
            )
        )  # fmt: skip
        return
    config = ctx.config
    clients = config.clients
    url, secret, their_needs, their_history, their_middle = prepare_theirs(ctx, clients)
    with web_session(ctx) as web:
        our_history, our_middle = prepare_ours(ctx, web)
        with gunicorn(
            CRUD_APP,
            {"INNOLEDGER_BENCH_CRUD_URL": url},
            workers=config.workers,
            threads=config.threads,
            settle_s=0.3 if config.smoke else 1.5,
        ) as peer:
            ours, theirs = web.server, peer
            token = web.command_token
            for path, (our_path, peer_path) in {
                "page": ("/api/v1/needs", "/api/v1/needs"),
                "history": (
                    f"/api/v1/needs/{our_history}/history",
                    f"/api/v1/needs/{their_history}/history",
                ),
            }.items():
                counts = (_items(ours, our_path, token), _items(theirs, peer_path, secret))
                if counts != (PAGE, PAGE):
                    raise RuntimeError(f"{path}: pages of {counts}, not {PAGE} on both sides")
            kinds: dict[str, tuple[list[Any], list[Any]]] = {
                "commands": (
                    [CommandTask(ours.host, ours.port, token, n) for n in web.http_needs],
                    [CommandTask(theirs.host, theirs.port, secret, n) for n in their_needs],
                ),
                "page": (
                    _get(ours, "/api/v1/needs", token, clients),
                    _get(theirs, "/api/v1/needs", secret, clients),
                ),
                "history": (
                    _get(ours, f"/api/v1/needs/{our_history}/history", token, clients),
                    _get(theirs, f"/api/v1/needs/{their_history}/history", secret, clients),
                ),
                "as_of": (
                    _get(ours, _as_of(our_history, our_middle), token, clients),
                    _get(theirs, _as_of(their_history, their_middle), secret, clients),
                ),
            }
            ours_roles = {"service": [ours.pid], "database": ctx.database.server_pids()}
            theirs_roles = {"service": [theirs.pid], "database": ctx.database.server_pids()}
            for kind, (our_tasks, their_tasks) in kinds.items():
                pairs: list[tuple[Tally, Tally]] = []
                for _ in range(config.rounds):
                    mine = run_parallel(our_tasks, config.window, cpu_roles=ours_roles)
                    peer_tally = run_parallel(their_tasks, config.window, cpu_roles=theirs_roles)
                    pairs.append((mine, peer_tally))
                rates = [(m.rate, p.rate) for m, p in pairs]
                rate, their_rate, ratio = median_pair(rates)
                median = median_index(rates)
                ctx.say(f"peer: {kind}: ours {rate:,.0f}/s, theirs {their_rate:,.0f}/s")
                ctx.add(
                    Measure(
                        group="peer",
                        key=f"peer.{kind}",
                        database=ctx.db,
                        name=f"HTTP vs HTTP peer (Flask+SQLAlchemy+Continuum): {TITLES[kind]}",
                        unit="req/s",
                        ours=rate,
                        baseline=their_rate,
                        ratio=ratio,
                        details={
                            "round_ratios": [rate_ratio(o, t) for o, t in rates],
                            "errors": [m.errors + p.errors for m, p in pairs],
                            "ours_cpu_ms_per_op": pairs[median][0].info.get("cpu_ms_per_op"),
                            "theirs_cpu_ms_per_op": pairs[median][1].info.get("cpu_ms_per_op"),
                        },
                    )
                )


TITLES = {
    "commands": "commands",
    "page": f"the municipality's needs, a page of {PAGE}",
    "history": f"history, first page of a need with {HISTORY_CHANGES} changes",
    "as_of": "as-of a moment in that history",
}


def _as_of(need_id: str, moment: str) -> str:
    return f"/api/v1/needs/{need_id}?as_of={urllib.parse.quote(moment, safe='')}"

