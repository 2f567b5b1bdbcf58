"""The WSGI applications the benchmark serves with gunicorn (as `bench.wsgi:<factory>()`).

* `innoledger_app()` — the service exactly as `wsgi.py` builds it (`create_app()` from the
  environment). If the service has no `GET /api/v1/network/needs` route yet, one is added that
  answers `projections.queries.list_network_needs` behind the service's own authentication and
  observability hooks, and says so in an `X-Bench-Shim` header.
* `crud_app()` — the CRUD alternative as its own web service (`bench.crud_web`).
* `bare_app()` — the baseline: a bare `Flask()` with one route answering a fixed JSON document
  (the same page the network view answers, read from INNOLEDGER_BENCH_BARE_PAYLOAD) with
  `jsonify`: no authentication, no database, no hooks. A second route answers the same after
  spending `?ms=` milliseconds of its thread's CPU time in Python (holding the interpreter as
  the service's own code does): a stand-in for a service that costs as much per request and
  has nothing else to it — no database, no projection runners, no locks.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

NETWORK_NEEDS = "/api/v1/network/needs"
BARE_PATH = "/bare/network/needs"
BARE_SPENDING_PATH = "/bare/spending"


def has_route(app: Any, rule: str) -> bool:
    return any(r.rule == rule and "GET" in (r.methods or ()) for r in app.url_map.iter_rules())


def add_network_shim(app: Any) -> None:
    from flask import jsonify, request

    from projections.queries import list_network_needs
    from service.api.context import current_principal, services

    def network_needs() -> Any:
        current_principal()  # authenticated by the service's before-request hook
        limit = int(request.args.get("limit", "50"))
        page = list_network_needs(services().sql, limit=limit)
        response = jsonify(
            {"items": page.rows, "next_cursor": page.next_cursor, "position": page.position}
        )
        response.headers["X-Bench-Shim"] = "network-needs"
        return response

    app.add_url_rule(NETWORK_NEEDS, "bench_network_needs", network_needs, methods=["GET"])


def innoledger_app() -> Any:
    from service.api import create_app

    app = create_app()
    if not has_route(app, NETWORK_NEEDS):
        add_network_shim(app)
    return app


def crud_app() -> Any:
    """The CRUD alternative as a web service (`bench.crud_web`), on INNOLEDGER_BENCH_CRUD_URL."""
    from bench.crud_web import crud_app as build

    return build()


def spend_cpu(seconds: float) -> None:
    """Runs Python until this thread has used `seconds` more of CPU time."""
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


def bare_app() -> Any:
    from flask import Flask, jsonify, request

    path = os.environ.get("INNOLEDGER_BENCH_BARE_PAYLOAD")
    payload: Any = {"ok": True}
    if path:
        with open(path, encoding="utf-8") as handle:
            payload = json.load(handle)
    app = Flask("bare")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    @app.get(BARE_PATH)
    def network_needs() -> Any:
        return jsonify(payload)

    @app.get(BARE_SPENDING_PATH)
    def spending() -> Any:
        spend_cpu(float(request.args.get("ms", "0")) / 1000)
        return jsonify(payload)

    @app.get("/livez")
    def livez() -> Any:
        return jsonify({"status": "ok"})

    return app
