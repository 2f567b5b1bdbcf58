"""§8: a network-view read serves at least half the requests per second of a bare Flask JSON
endpoint; and p50/p99 latency of both at half of each one's maximum rate.

Ours: `GET /api/v1/network/needs` (first page, 50 shared needs) on the service under gunicorn —
bearer authentication, live roles, the view query with its tracking position, the JSON answer,
logging and metrics. Baseline: a bare `Flask()` app under the same gunicorn configuration
answering the very same JSON document from memory with `jsonify` (so serialising the same bytes
is on both sides, and the difference is what the service adds). Both are driven by the same
closed-loop load processes, alternately, `rounds` times (the median counts); then each at half
its own maximum rate in an open loop for latency, alternately again (median p50 and p99).
"""

from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path

from bench.context import Context
from bench.loadgen import GetTask, HttpConnection, Tally, run_parallel
from bench.results import HIGHER, Measure, median_pair, rate_ratio
from bench.servers import gunicorn
from bench.web import BARE_APP, WebSession
from bench.wsgi import BARE_PATH, NETWORK_NEEDS

TARGET = 0.5


def _closed(ctx: Context, host: str, port: int, path: str, headers: dict[str, str]) -> Tally:
    tasks = [GetTask(host, port, path, headers) for _ in range(ctx.config.clients)]
    return run_parallel(tasks, ctx.config.window)


def _open(
    ctx: Context, host: str, port: int, path: str, headers: dict[str, str], rate: float
) -> Tally:
    clients = ctx.config.clients
    tasks = [
        GetTask(host, port, path, headers, rate=rate / clients, offset=i / clients)
        for i in range(clients)
    ]
    return run_parallel(tasks, ctx.config.window)


def _page(web: WebSession) -> bytes:
    conn = HttpConnection(web.server.host, web.server.port)
    try:
        raw = conn.request_bytes(
            "GET", NETWORK_NEEDS, {"Authorization": f"Bearer {web.reader_token}"}
        )
        status, _headers, body = conn.call(raw)
    finally:
        conn.close()
    if status != 200:
        raise RuntimeError(f"GET {NETWORK_NEEDS} answered {status}: {body[:300]!r}")
    return body


def measure(ctx: Context, web: WebSession) -> None:
    body = _page(web)
    rows = len(json.loads(body).get("items", []) or [])
    ours_headers = {"Authorization": f"Bearer {web.reader_token}"}
    host, port = web.server.host, web.server.port
    ours_runs: list[Tally] = []
    base_runs: list[Tally] = []
    ratios: list[float] = []
    with tempfile.TemporaryDirectory(prefix="innoledger-bench-bare-") as tmp:
        payload = Path(tmp) / "payload.json"
        payload.write_bytes(body)
        ctx.say("reads: starting the bare Flask app under the same gunicorn settings")
        with gunicorn(
            BARE_APP,
            {"INNOLEDGER_BENCH_BARE_PAYLOAD": str(payload)},
            workers=ctx.config.workers,
            threads=ctx.config.threads,
            settle_s=0.3 if ctx.config.smoke else 1.5,
        ) as bare:
            for round_ in range(ctx.config.rounds):
                ours_runs.append(_closed(ctx, host, port, NETWORK_NEEDS, ours_headers))
                base_runs.append(_closed(ctx, bare.host, bare.port, BARE_PATH, {}))
                ratios.append(rate_ratio(ours_runs[-1].rate, base_runs[-1].rate))
                ctx.say(
                    f"reads: round {round_ + 1}: network view ({rows} rows a page)"
                    f" {ours_runs[-1].rate:,.0f} req/s, bare {base_runs[-1].rate:,.0f} req/s"
                )
            ours_rate, base_rate, ratio = median_pair(
                [(o.rate, b.rate) for o, b in zip(ours_runs, base_runs, strict=True)]
            )
            ours_half: list[Tally] = []
            base_half: list[Tally] = []
            for round_ in range(ctx.config.rounds):
                ours_half.append(_open(ctx, host, port, NETWORK_NEEDS, ours_headers, ours_rate / 2))
                base_half.append(_open(ctx, bare.host, bare.port, BARE_PATH, {}, base_rate / 2))
                ctx.say(
                    f"reads: round {round_ + 1}: p50 at half the maximum rate"
                    f" ({ours_rate / 2:,.0f} and {base_rate / 2:,.0f} req/s):"
                    f" {_ms(ours_half[-1].percentile(0.5)) or 0:.2f} ms,"
                    f" bare {_ms(base_half[-1].percentile(0.5)) or 0:.2f} ms"
                )
    shim = ours_runs[0].info.get("shim")
    row = Measure(
        group="reads",
        key="reads.network_vs_bare",
        database=ctx.db,
        name="network-view read vs bare Flask JSON",
        unit="req/s",
        ours=ours_rate,
        baseline=base_rate,
        ratio=ratio,
        target=f"≥ {TARGET}",
        details={
            "rows_per_page": rows,
            "bytes_per_page": len(body),
            "route": "bench shim over projections.queries" if shim else "the service's own",
            "round_ratios": ratios,
            "errors": sum(t.errors for t in ours_runs + base_runs),
        },
    )
    row.judge(row.ratio, HIGHER, TARGET)
    ctx.add(row)
    for share, label in ((0.5, "p50"), (0.99, "p99")):
        ours_ms = _median_ms(ours_half, share)
        base_ms = _median_ms(base_half, share)
        ctx.add(
            Measure(
                group="reads",
                key=f"reads.{label}_at_half_rate",
                database=ctx.db,
                name=f"  {label} latency at ½ max rate",
                unit="ms",
                ours=ours_ms,
                baseline=base_ms,
                ratio=ours_ms / base_ms if ours_ms and base_ms else None,
                details={
                    "ours_rate": ours_rate / 2,
                    "baseline_rate": base_rate / 2,
                    "ours_by_round_ms": [_ms(t.percentile(share)) for t in ours_half],
                    "baseline_by_round_ms": [_ms(t.percentile(share)) for t in base_half],
                    "errors": sum(t.errors for t in ours_half + base_half),
                },
            )
        )
    ctx.shared["reads.shim"] = bool(shim)


def _median_ms(tallies: list[Tally], share: float) -> float | None:
    values = [t.percentile(share) for t in tallies]
    found = [v for v in values if v is not None]
    return statistics.median(found) * 1000 if found else None


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000
