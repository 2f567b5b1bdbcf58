"""Profiles of the measured paths, in process, with pyinstrument (`pip install pyinstrument`):

    python -m bench.profiling commands|reads|ledger|as_of|rebuild [--database sqlite|postgres]
        [--count N] [--html DIR]

* commands — the HTTP command mix through the Flask app (test client: the WSGI app without
  gunicorn and sockets), on a fresh store with a tenant of the benchmark's own;
* reads — `GET /api/v1/network/needs` the same way, on a copy of the small generated network;
* pages — the network's needs page (`/natverket/behov`, 100 rows) with an officer's browser
  session, on the same store;
* ledger — get–mutate–save with a ledger catch-up after every save;
* as_of — `state_as_of` of procurements of the large (or `--events`) generated network;
* rebuild — `rebuild()` of one view (`--view`, default tenant_index) of the medium network.

PostgreSQL needs INNOLEDGER_TEST_POSTGRES_* (run it under scripts/with-test-postgres) or
POSTGRES_*. Prints pyinstrument's text tree (and writes HTML with --html).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from bench.stores import Database, databases, workdir


def _profile(label: str, work: Callable[[], Any], html: Path | None) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        sys.exit("pyinstrument is not installed: pip install pyinstrument")
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    profiler.start()
    count = work()
    profiler.stop()
    seconds = time.perf_counter() - started
    print(f"{label}: {count} in {seconds:.2f} s ({count / seconds:,.0f}/s)")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if html is not None:
        html.mkdir(parents=True, exist_ok=True)
        (html / f"{label}.html").write_text(profiler.output_html(), encoding="utf-8")


def _client(db: Database, events: int) -> tuple[Any, Any, Any]:
    from bench.fixtures import issue_token, setup_tenant
    from bench.stores import cached_network
    from bench.wsgi import NETWORK_NEEDS, add_network_shim, has_route
    from projections.registry import projection_named
    from projections.runner import ProjectionRunner
    from service.api import create_app

    store = db.copy_of(cached_network(events), "profile")
    app = store.open()
    ProjectionRunner(app, projection_named("network_needs")).catch_up()
    tenant = setup_tenant(app, "bench-kommun", needs=1)
    token = issue_token(app, tenant.officer.user_id, tenant.slug)
    reader = issue_token(app, "kommun-001-officer", "kommun-001")
    app.close()
    flask_app = create_app(store.settings)
    if not has_route(flask_app, NETWORK_NEEDS):
        add_network_shim(flask_app)
    return flask_app, tenant, (token, reader)


def profile_commands(db: Database, count: int, html: Path | None) -> None:
    flask_app, tenant, (token, _) = _client(db, 400)
    client = flask_app.test_client()
    need = tenant.need_ids[0]
    auth = {"Authorization": f"Bearer {token}"}

    def work() -> int:
        version, item = tenant.need_versions[need], ""
        title = ""
        for index in range(count):
            headers = {**auth, "If-Match": f'"{version}"'}
            step = index % 3
            if step == 0:
                r = client.post(
                    f"/api/v1/needs/{need}/swot",
                    headers=headers,
                    json={"quadrant": "strength", "text": "Engagerade"},
                )
                item = r.get_json()["created"]["item_id"]
            elif step == 1:
                r = client.delete(f"/api/v1/needs/{need}/swot/{item}", headers=headers)
            else:
                title = "Titel A" if title != "Titel A" else "Titel B"
                r = client.patch(f"/api/v1/needs/{need}", headers=headers, json={"title": title})
            assert r.status_code in (200, 201), r.get_data(True)
            version = r.get_json()["version"]
        return count

    _profile(f"commands-{db.name}", work, html)


def profile_reads(db: Database, count: int, html: Path | None) -> None:
    flask_app, _, (_, reader) = _client(db, 10_000)
    client = flask_app.test_client()
    headers = {"Authorization": f"Bearer {reader}"}

    def work() -> int:
        for _ in range(count):
            r = client.get("/api/v1/network/needs", headers=headers)
            assert r.status_code == 200
        return count

    _profile(f"reads-{db.name}", work, html)


def profile_pages(db: Database, count: int, html: Path | None) -> None:
    from bench.pages import PAGE_PATH

    flask_app, _, _ = _client(db, 10_000)
    client = flask_app.test_client()
    sessions = flask_app.extensions["innoledger"].sessions
    user_id, municipality = "kommun-001-officer", "kommun-001"
    with client.session_transaction() as session:
        session["sid"] = sessions.start(user_id=user_id, municipality=municipality, via="bench")
        session["user"] = {"id": user_id, "municipality": municipality, "via": "bench"}

    def work() -> int:
        for _ in range(count):
            r = client.get(PAGE_PATH, headers={"Accept": "text/html"})
            assert r.status_code == 200, r.status_code
        return count

    _profile(f"pages-{db.name}", work, html)


def profile_ledger(db: Database, count: int, html: Path | None) -> None:
    from bench.fixtures import setup_tenant
    from bench.ledger import _mutate
    from domain.audit import acting_as
    from service.ledger.ledger import Ledger

    store = db.fresh("profile-ledger")
    app = store.open()
    tenant = setup_tenant(app, "bench-ledger", needs=1)
    ledger = Ledger(app.recorder, app.settings)
    ledger.catch_up()
    need_id = UUID(tenant.need_ids[0])

    def work() -> int:
        with acting_as(tenant.actor):
            for index in range(count):
                need = app.repository.get(need_id)
                _mutate(need, index % 3)
                app.save(need)
                ledger.catch_up()
        return count

    _profile(f"ledger-{db.name}", work, html)
    app.close()


def profile_as_of(db: Database, count: int, html: Path | None, events: int) -> None:
    from bench.audit import _candidates, _middle_moment, _versions
    from bench.fixtures import PLATFORM_AUDITOR
    from bench.stores import cached_network
    from service.audit.as_of import state_as_of

    store = db.copy_of(cached_network(events), "profile-as-of")
    app = store.open()
    versions = _versions(app, _candidates(app, 20))
    moments = {a: _middle_moment(app, a, v) for a, v in versions.items()}

    def work() -> int:
        done = 0
        while done < count:
            for aggregate_id, moment in moments.items():
                state_as_of(app, PLATFORM_AUDITOR, "procurement", str(aggregate_id), moment)
                done += 1
        return done

    _profile(f"as_of-{db.name}", work, html)
    app.close()


def profile_rebuild(db: Database, html: Path | None, events: int, view: str) -> None:
    from bench.stores import cached_network
    from projections.rebuild import rebuild
    from projections.registry import projection_named

    store = db.copy_of(cached_network(events), "profile-rebuild")
    app = store.open()

    def work() -> int:
        return rebuild(app, projection_named(view)).events

    _profile(f"rebuild-{view}-{db.name}", work, html)
    app.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "what", choices=("commands", "reads", "pages", "ledger", "as_of", "rebuild")
    )
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--view", default="tenant_index")
    parser.add_argument("--html", type=Path)
    args = parser.parse_args(argv)
    with workdir() as scratch:
        (db,) = databases([args.database], scratch)
        if not db.available:
            sys.exit(db.reason)
        try:
            if args.what == "commands":
                profile_commands(db, args.count, args.html)
            elif args.what == "reads":
                profile_reads(db, args.count, args.html)
            elif args.what == "pages":
                profile_pages(db, args.count, args.html)
            elif args.what == "ledger":
                profile_ledger(db, args.count, args.html)
            elif args.what == "as_of":
                profile_as_of(db, args.count, args.html, args.events)
            else:
                profile_rebuild(db, args.html, args.events, args.view)
        finally:
            db.close()


if __name__ == "__main__":
    main()
