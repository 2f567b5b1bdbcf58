"""Also measured (spec §8): a realistic mixed load from many municipalities, p99 ≤ 3 × p50 per
class at half the maximum rate.

The service runs as deployed: gunicorn with the project's configuration and the projection
runners (`innoledger projections run`, every view and the ledger) in a process of their own, on
a copy of the small generated network plus municipalities of the benchmark's own — each with an
officer, an auditor and a need of its own. Every load process works for several of them in
turn, and sends, of every 20 requests, 14 reads (the network's needs, the own list, the need
itself, the procurement portfolio), 5 commands (add a SWOT item, remove it, edit the title, with
If-Match) and 1 audit read (the need's history, its state as of a moment, the decision log).

First the mix runs in a closed loop (each client sends its next request when the last one
answered): the maximum rate. Then, `rounds` times, in an open loop at half that rate, each
request on a fixed schedule and its latency measured from its scheduled moment (a slow answer
also counts against the requests queued behind it). Per class: the median over the rounds of
p50 and of p99; the target holds when p99 ≤ 3 × p50.
"""

from __future__ import annotations

import json
import math
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench.context import Context
from bench.loadgen import HttpConnection, LoadFailed, Tally, Task, Window, pace, run_parallel
from bench.results import LOWER, Measure
from bench.servers import gunicorn
from bench.stores import PROJECT_ROOT, Store
from bench.web import INNOLEDGER_APP

TARGET = 3.0  # p99 / p50, per class
CLASSES = ("read", "command", "audit")
# Of every 20 requests: 14 reads, 5 commands, 1 audit read, spread out.
PATTERN = (
    "read", "command", "read", "read", "read", "command", "read", "read", "audit", "read",
    "command", "read", "read", "read", "command", "read", "read", "command", "read", "read",
)  # fmt: skip
MUNICIPALITIES_PER_CLIENT = 3


@dataclass(frozen=True)
class Tenancy:
    """One municipality's part of the load: its officer's and auditor's tokens and its need."""

    officer_token: str
    auditor_token: str
    need_id: str


@dataclass
class _State:
    tenancy: Tenancy
    version: int
    title: str
    moment: str  # a moment in the need's life, for as-of
    step: int = 0
    item: str = ""


@dataclass
class MixedTask(Task):
    host: str
    port: int
    tenancies: list[Tenancy]
    rate: float | None = None  # per process; None = closed loop
    offset: float = 0.0

    def setup(self) -> Any:
        conn = HttpConnection(self.host, self.port)
        states = [self._read(conn, tenancy) for tenancy in self.tenancies]
        return conn, states

    @staticmethod
    def _read(conn: HttpConnection, tenancy: Tenancy) -> _State:
        path = f"/api/v1/needs/{tenancy.need_id}"
        status, _, payload = conn.call(
            conn.request_bytes("GET", path, {"Authorization": f"Bearer {tenancy.officer_token}"})
        )
        if status != 200:
            raise LoadFailed(f"GET {path} answered {status}")
        need = json.loads(payload)
        return _State(tenancy, int(need["version"]), str(need["title"]), str(need["created_on"]))

    def run(self, state: Any, start: float, window: Window) -> Tally:
        conn, states = state
        tally = Tally(seconds=window.measure_s)
        index = 0
        measuring = False
        for scheduled, counted in pace(start, window, self.rate, self.offset):
            if counted and not measuring:
                # The pattern starts again with the measured window, so every class is in it.
                measuring, index = True, 0
            kind = PATTERN[index % len(PATTERN)]
            index += 1
            current = states[index % len(states)]
            ok = self._send(conn, kind, current, index)
            done = time.perf_counter()
            if counted:
                tally.count += 1
                tally.by_class.setdefault(kind, []).append(done - scheduled)
                tally.latencies.append(done - scheduled)
                if not ok:
                    tally.errors += 1
        conn.close()
        return tally

    def _send(self, conn: HttpConnection, kind: str, state: _State, index: int) -> bool:
        tenancy = state.tenancy
        need = f"/api/v1/needs/{tenancy.need_id}"
        officer = {"Authorization": f"Bearer {tenancy.officer_token}"}
        if kind == "read":
            path = ("/api/v1/network/needs", "/api/v1/needs", need, "/api/v1/network/procurements")[
                (index // len(PATTERN)) % 4
            ]
            status, _, _ = conn.call(conn.request_bytes("GET", path, officer))
            return status == 200
        if kind == "audit":
            auditor = {"Authorization": f"Bearer {tenancy.auditor_token}"}
            moment = urllib.parse.quote(state.moment, safe="")
            path = (f"{need}/history", f"{need}?as_of={moment}", "/api/v1/audit/decisions")[
                (index // len(PATTERN)) % 3
            ]
            status, _, _ = conn.call(conn.request_bytes("GET", path, auditor))
            return status == 200
        return self._command(conn, state, need, officer)

    def _command(
        self, conn: HttpConnection, state: _State, need: str, officer: dict[str, str]
    ) -> bool:
        headers = {**officer, "Content-Type": "application/json", "If-Match": f'"{state.version}"'}
        title = "Titel A" if state.title != "Titel A" else "Titel B"
        if state.step == 0:
            body = json.dumps({"quadrant": "strength", "text": "Engagerade medarbetare"})
            raw = conn.request_bytes("POST", f"{need}/swot", headers, body.encode())
        elif state.step == 1:
            raw = conn.request_bytes("DELETE", f"{need}/swot/{state.item}", headers)
        else:
            body = json.dumps({"title": title}, ensure_ascii=False)
            raw = conn.request_bytes("PATCH", need, headers, body.encode())
        status, _, payload = conn.call(raw)
        if status in (200, 201):
            answer = json.loads(payload)
            state.version = int(answer["version"])
            if state.step == 0:
                state.item = answer["created"]["item_id"]
            elif state.step == 2:
                state.title = title
            state.step = (state.step + 1) % 3
            return True
        # Out of step (the need is this process's alone, so it should not happen): start over.
        fresh = self._read(conn, state.tenancy)
        state.version, state.title, state.step = fresh.version, fresh.title, 0
        return False


def prepare(ctx: Context) -> tuple[Store, list[Tenancy]]:
    from bench.fixtures import PLATFORM_ADMIN, issue_token, setup_tenant
    from projections.registry import all_projections
    from projections.runner import ProjectionRunner
    from service.principal import Principal

    config = ctx.config
    store = ctx.fresh_network(config.sizes.small, "mixed")
    app = store.open()
    tenancies = []
    try:
        ctx.say("mixed: catching up every view of the store")
        for projection in all_projections():
            ProjectionRunner(app, projection, batch_size=1000).catch_up()
        for number in range(config.clients * MUNICIPALITIES_PER_CLIENT):
            slug = f"bench-mix-{number:03d}"
            tenant = setup_tenant(app, slug, needs=1, number=100 + number)
            admin = Principal(f"{slug}-admin", slug, ("tenant_admin",), request_id="bench")
            version = app.municipality(PLATFORM_ADMIN, slug).version
            app.grant_role(
                admin, slug, user_id=f"{slug}-auditor", role="auditor", expected_version=version
            )
            tenancies.append(
                Tenancy(
                    officer_token=issue_token(app, tenant.officer.user_id, slug),
                    auditor_token=issue_token(app, f"{slug}-auditor", slug),
                    need_id=tenant.need_ids[0],
                )
            )
    finally:
        app.close()
    return store, tenancies


@contextmanager
def runners(store: Store) -> Iterator[int]:
    """`innoledger projections run` (every view and the ledger) in a process of its own."""
    env = {
        **os.environ,
        **store.env(),
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    argv = [sys.executable, "-c", "from service.cli import main; main()", "projections", "run"]
    process = subprocess.Popen(
        argv, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tasks(
    host: str, port: int, tenancies: list[Tenancy], clients: int, rate: float | None
) -> list[MixedTask]:
    return [
        MixedTask(
            host,
            port,
            tenancies[i::clients],
            rate=None if rate is None else rate / clients,
            offset=i / clients,
        )
        for i in range(clients)
    ]


def measure(ctx: Context) -> None:
    config = ctx.config
    store, tenancies = prepare(ctx)
    clients = config.clients
    with runners(store) as runner_pid, gunicorn(
        INNOLEDGER_APP,
        store.env(),
        workers=config.workers,
        threads=config.threads,
        settle_s=0.3 if config.smoke else 1.5,
    ) as server:
        roles = {
            "service": [server.pid],
            "runners": [runner_pid],
            "database": ctx.database.server_pids(),
        }
        closed = run_parallel(
            _tasks(server.host, server.port, tenancies, clients, None),
            config.window,
            cpu_roles=roles,
        )
        maximum = closed.rate
        ctx.say(f"mixed: closed loop {maximum:,.0f} req/s; open loop at {maximum / 2:,.0f} req/s")
        # Long enough for each load process to send the whole pattern three times.
        open_window = Window(
            config.window.warmup_s,
            max(config.window.measure_s, 3 * len(PATTERN) * clients / max(maximum / 2, 1.0)),
        )
        rounds: list[Tally] = []
        for round_ in range(config.rounds):
            rounds.append(
                run_parallel(
                    _tasks(server.host, server.port, tenancies, clients, maximum / 2),
                    open_window,
                    cpu_roles=roles,
                )
            )
            ctx.say(
                f"mixed: round {round_ + 1}: "
                + ", ".join(
                    f"{kind} p50 {_ms(_percentile(rounds[-1], kind, 0.5)):.1f} ms"
                    f" p99 {_ms(_percentile(rounds[-1], kind, 0.99)):.1f} ms"
                    for kind in CLASSES
                )
            )
    ctx.add(
        Measure(
            group="mixed",
            key="mixed.maximum",
            database=ctx.db,
            name="mixed load (70 % reads, 25 % commands, 5 % audit): maximum rate",
            unit="req/s",
            ours=maximum,
            details={
                "municipalities": len(tenancies),
                "clients": clients,
                "errors": closed.errors,
                "cpu_ms_per_op": closed.info.get("cpu_ms_per_op"),
            },
        )
    )
    for kind in CLASSES:
        p50 = _median(rounds, kind, 0.5)
        p99 = _median(rounds, kind, 0.99)
        row = Measure(
            group="mixed",
            key=f"mixed.{kind}_p99_over_p50",
            database=ctx.db,
            name=f"  mixed load at ½ max rate: {kind}s, p99 vs p50",
            unit="ms",
            ours=_ms(p99),
            baseline=_ms(p50),
            ratio=p99 / p50 if p50 and p99 is not None else None,
            target=f"≤ {TARGET:g}",
            details={
                "rate": maximum / 2,
                "measured_s_per_round": open_window.measure_s,
                "requests": sum(len(t.by_class.get(kind, [])) for t in rounds),
                "p50_by_round_ms": [_ms(_percentile(t, kind, 0.5)) for t in rounds],
                "p99_by_round_ms": [_ms(_percentile(t, kind, 0.99)) for t in rounds],
                "errors": sum(t.errors for t in rounds),
                "cpu_ms_per_op": rounds[len(rounds) // 2].info.get("cpu_ms_per_op"),
            },
        )
        row.judge(row.ratio, LOWER, TARGET)
        ctx.add(row)


def _percentile(tally: Tally, kind: str, share: float) -> float | None:
    values = sorted(tally.by_class.get(kind, []))
    if not values:
        return None
    return values[min(len(values) - 1, max(0, round(share * (len(values) - 1))))]


def _median(tallies: list[Tally], kind: str, share: float) -> float | None:
    found = [v for v in (_percentile(t, kind, share) for t in tallies) if v is not None]
    return statistics.median(found) if found else None


def _ms(seconds: float | None) -> float:
    return math.nan if seconds is None else seconds * 1000
