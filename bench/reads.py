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
from collections import Counter
from pathlib import Path

from bench.context import Context
from bench.loadgen import GetTask, HttpConnection, Tally, run_parallel
from bench.results import HIGHER, Measure, cpu_row, median_index, median_pair, rate_ratio
from bench.servers import gunicorn
from bench.web import BARE_APP, WebSession
from bench.wsgi import BARE_PATH, NETWORK_NEEDS

TARGET = 0.5


def _closed(
    ctx: Context,
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    service_pid: int,
    database_pids: list[int] | None = None,
    expect: int = 200,
) -> Tally:
    tasks = [
        GetTask(host, port, path, headers, expect=expect) for _ in range(ctx.config.clients)
    ]
    roles = {"service": [service_pid], "database": database_pids or []}
    return run_parallel(tasks, ctx.config.window, cpu_roles=roles)


def _open(
    ctx: Context, host: str, port: int, path: str, headers: dict[str, str], rate: float
) -> Tally:
    clients = ctx.config.clients
    tasks = [
        GetTask(host, port, path, headers, rate=rate / clients, offset=i / clients)
        for i in range(clients)
    ]
    return run_parallel(tasks, ctx.config.window)


def _page(web: WebSession) -> tuple[bytes, str]:
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
    return body, _headers.get("etag", "")


def measure(ctx: Context, web: WebSession) -> None:
    body, etag = _page(web)
    rows = len(json.loads(body).get("items", []) or [])
    ours_headers = {"Authorization": f"Bearer {web.reader_token}"}
    # The same page again with the validator of the copy the client holds: 304.
    conditional_headers = {**ours_headers, "If-None-Match": etag}
    database_pids = ctx.database.server_pids()
    conditional_runs: list[Tally] = []
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
                ours_runs.append(
                    _closed(
                        ctx, host, port, NETWORK_NEEDS, ours_headers,
                        service_pid=web.server.pid, database_pids=database_pids,
                    )
                )  # fmt: skip
                base_runs.append(
                    _closed(ctx, bare.host, bare.port, BARE_PATH, {}, service_pid=bare.pid)
                )
                ratios.append(rate_ratio(ours_runs[-1].rate, base_runs[-1].rate))
                conditional_runs.append(
                    _closed(
                        ctx, host, port, NETWORK_NEEDS, conditional_headers,
                        service_pid=web.server.pid, database_pids=database_pids, expect=304,
                    )
                )  # fmt: skip
                ctx.say(
                    f"reads: round {round_ + 1}: network view ({rows} rows a page)"
                    f" {ours_runs[-1].rate:,.0f} req/s, bare {base_runs[-1].rate:,.0f} req/s,"
                    f" unchanged (304) {conditional_runs[-1].rate:,.0f} req/s"
                )
            pairs = [(o.rate, b.rate) for o, b in zip(ours_runs, base_runs, strict=True)]
            ours_rate, base_rate, ratio = median_pair(pairs)
            median = median_index(pairs)
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
    ctx.add(
        cpu_row(
            "reads",
            "reads.cpu_per_read",
            ctx.db,
            "  CPU per read, every process (load + service + database)",
            ours_runs[median].info.get("cpu_ms_per_op"),
            base_runs[median].info.get("cpu_ms_per_op"),
            switches=(
                ours_runs[median].info.get("switches_per_op"),
                base_runs[median].info.get("switches_per_op"),
            ),
        )
    )
    conditional_pairs = [
        (c.rate, b.rate) for c, b in zip(conditional_runs, base_runs, strict=True)
    ]
    conditional_rate, _, conditional_ratio = median_pair(conditional_pairs)
    ctx.add(
        Measure(
            group="reads",
            key="reads.unchanged_304_vs_bare",
            database=ctx.db,
            name="  same page, unchanged (If-None-Match → 304) vs bare Flask JSON",
            unit="req/s",
            ours=conditional_rate,
            baseline=base_rate,
            ratio=conditional_ratio,
            details={
                "round_ratios": [rate_ratio(c, b) for c, b in conditional_pairs],
                "errors": sum(t.errors for t in conditional_runs),
                "statuses": dict(sum((t.statuses for t in conditional_runs), Counter())),
                "cpu_ms_per_op": conditional_runs[median].info.get("cpu_ms_per_op"),
            },
        )
    )
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
