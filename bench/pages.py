"""Also measured (spec §8): a web page renders in ≤ 2 × the time of the JSON answer of the same
data.

The page is the network's needs (`/natverket/behov`, 100 shared needs, signed in with a browser
session of an officer of the generated network); the JSON answer is the same 100 rows from
`GET /api/v1/network/needs?limit=100` with that officer's bearer token. Both on the same gunicorn
server, one client at a time (latency, not throughput: closed loop, one load process),
alternately `rounds` times; the median over the rounds of each one's p50 counts, and the ratio is
page p50 / JSON p50.
"""

from __future__ import annotations

import statistics

from bench.context import Context
from bench.loadgen import GetTask, HttpConnection, Tally, run_parallel
from bench.results import LOWER, Measure
from bench.web import READER, WebSession

TARGET = 2.0
PAGE_PATH = "/natverket/behov"
JSON_PATH = "/api/v1/network/needs?limit=100"
COOKIE = "innoledger_session"


def session_cookie(web: WebSession) -> str:
    """A browser session of the reader, made through the service's own session store and signed
    with the store's web secret key (the one every worker of the server reads), as the browser
    holds it after its first page: the load client sends the same cookie again and again and
    keeps none it is given, so a session without what its first page adds (its CSRF token)
    would be new to the service on every request, as no browser's is."""
    import dataclasses

    from service.api import create_app

    app = create_app(dataclasses.replace(web.store.settings, testing=True))
    try:
        client = app.test_client()
        sessions = app.extensions["innoledger"].sessions
        user_id, municipality = READER
        with client.session_transaction() as session:
            session["sid"] = sessions.start(user_id=user_id, municipality=municipality, via="bench")
            session["user"] = {"id": user_id, "municipality": municipality, "via": "bench"}
        first = client.get(PAGE_PATH, headers={"Accept": "text/html"})
        if first.status_code != 200:
            raise RuntimeError(f"GET {PAGE_PATH} answered {first.status_code}")
        cookie = client.get_cookie(COOKIE)
        if cookie is None:
            raise RuntimeError("no session cookie")
        return cookie.value
    finally:
        app.extensions["innoledger"].close()


def _check(web: WebSession, path: str, headers: dict[str, str], kind: str) -> int:
    conn = HttpConnection(web.server.host, web.server.port)
    try:
        status, answer_headers, body = conn.call(conn.request_bytes("GET", path, headers))
    finally:
        conn.close()
    if status != 200 or kind not in answer_headers.get("content-type", ""):
        raise RuntimeError(f"GET {path} answered {status} {answer_headers.get('content-type')}")
    return len(body)


def _latency(ctx: Context, web: WebSession, path: str, headers: dict[str, str]) -> Tally:
    return run_parallel(
        [GetTask(web.server.host, web.server.port, path, headers)],
        ctx.config.window,
        cpu_roles={"service": [web.server.pid], "database": ctx.database.server_pids()},
    )


def _catch_up_view(web: WebSession) -> None:
    """As deployed, a projection runner keeps the view within milliseconds of the log. The
    benchmark's server runs none, and the measures before this one wrote to the log: without
    catching the view up first, a page (always as fresh as the log, service/web/reads.py) would
    wait for a runner and then catch up itself."""
    from projections.registry import projection_named
    from projections.runner import ProjectionRunner

    app = web.store.open()
    try:
        ProjectionRunner(app, projection_named("network_needs"), batch_size=1000).catch_up()
    finally:
        app.close()


def measure(ctx: Context, web: WebSession) -> None:
    _catch_up_view(web)
    page_headers = {"Cookie": f"{COOKIE}={session_cookie(web)}", "Accept": "text/html"}
    json_headers = {"Authorization": f"Bearer {web.reader_token}"}
    page_bytes = _check(web, PAGE_PATH, page_headers, "text/html")
    json_bytes = _check(web, JSON_PATH, json_headers, "json")
    pages: list[Tally] = []
    answers: list[Tally] = []
    for round_ in range(ctx.config.rounds):
        pages.append(_latency(ctx, web, PAGE_PATH, page_headers))
        answers.append(_latency(ctx, web, JSON_PATH, json_headers))
        ctx.say(
            f"pages: round {round_ + 1}: page p50 {_ms(pages[-1].percentile(0.5)):.2f} ms,"
            f" JSON p50 {_ms(answers[-1].percentile(0.5)):.2f} ms"
        )
    page_p50 = _median(pages)
    json_p50 = _median(answers)
    row = Measure(
        group="pages",
        key="pages.network_needs_vs_json",
        database=ctx.db,
        name="web page (network needs, 100 rows) vs the JSON answer of the same rows, p50",
        unit="ms",
        ours=page_p50,
        baseline=json_p50,
        ratio=page_p50 / json_p50 if page_p50 and json_p50 else None,
        target=f"≤ {TARGET:g}",
        details={
            "page_bytes": page_bytes,
            "json_bytes": json_bytes,
            "page_p50_by_round_ms": [_ms(t.percentile(0.5)) for t in pages],
            "json_p50_by_round_ms": [_ms(t.percentile(0.5)) for t in answers],
            "errors": sum(t.errors for t in pages + answers),
            "page_cpu_ms_per_op": pages[len(pages) // 2].info.get("cpu_ms_per_op"),
            "json_cpu_ms_per_op": answers[len(answers) // 2].info.get("cpu_ms_per_op"),
        },
    )
    row.judge(row.ratio, LOWER, TARGET)
    ctx.add(row)


def _median(tallies: list[Tally]) -> float | None:
    found = [t.percentile(0.5) for t in tallies]
    values = [v for v in found if v is not None]
    return statistics.median(values) * 1000 if values else None


def _ms(seconds: float | None) -> float:
    return float("nan") if seconds is None else seconds * 1000
