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

For information, alternately with each round and at its rate, the same generator against a
bare Flask endpoint (what the generator and the machine alone add), and against a stand-in: the
same endpoint spending in Python, per request, the CPU time the service's workers spent per
request in that round (less the bare endpoint's own), with no database, runners or locks: the
tail that gunicorn and the machine give a service whose every request costs that much (the
machine otherwise less busy than under the service: no runners, no database server).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.context import Context
from bench.loadgen import (
    AsyncHttpPool,
    HttpConnection,
    LoadFailed,
    Tally,
    Task,
    Window,
    pace,
    request_bytes,
    run_open_loop,
    run_parallel,
)
from bench.results import LOWER, Measure
from bench.servers import Server, gunicorn
from bench.stores import PROJECT_ROOT, Store
from bench.web import BARE_APP, INNOLEDGER_APP
from bench.wsgi import BARE_PATH, BARE_SPENDING_PATH

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
    """The mix for some municipalities, each a client of its own with its own keep-alive
    connections, as the people of different municipalities are: gunicorn's workers take
    connections, not requests, so a load sent over a few connections lands on whichever workers
    accepted them (measured: all of an open loop on one worker at 99 % of a core, the other
    idle). Closed loop (`rate=None`): each request after the last one's answer, on its
    municipality's connection. Open loop: every request leaves at its scheduled moment
    (`bench.loadgen.run_open_loop`) on a free connection of its municipality, a new one if all
    are busy; only one municipality's commands wait for each other (each carries the version
    the previous one answered). With `bare_path`, every request is a GET of that path instead,
    over `clients` clients: the same generator against a bare endpoint, its own share of the
    latency."""

    host: str
    port: int
    tenancies: list[Tenancy]
    rate: float | None = None  # per process; None = closed loop
    offset: float = 0.0
    bare_path: str = ""
    clients: int = 1  # with `bare_path`: as many as the mix has municipalities

    def setup(self) -> Any:
        if self.bare_path:
            conns = [HttpConnection(self.host, self.port) for _ in range(self.clients)]
            for conn in conns:
                status, _, _ = conn.call(conn.request_bytes("GET", self.bare_path, {}))
                if status != 200:
                    raise LoadFailed(f"GET {self.bare_path} answered {status}")
            return conns, []
        conns = [HttpConnection(self.host, self.port) for _ in self.tenancies]
        states = [self._read(conn, t) for conn, t in zip(conns, self.tenancies, strict=True)]
        return conns, states

    @staticmethod
    def _read(conn: HttpConnection, tenancy: Tenancy) -> _State:
        status, _, payload = conn.call(conn.request_bytes(*_need_request(tenancy)))
        return _fresh_state(tenancy, status, payload)

    def run(self, state: Any, start: float, window: Window) -> Tally:
        conns, states = state
        if self.rate is None:
            return self._closed(conns, states, start, window)
        for conn in conns:
            conn.close()
        return self._open(len(conns), states, self.rate, start, window)

    def _closed(
        self, conns: list[HttpConnection], states: list[_State], start: float, window: Window
    ) -> Tally:
        tally = Tally(seconds=window.measure_s)
        index = 0
        measuring = False
        for scheduled, counted in pace(start, window, None, 0.0):
            if counted and not measuring:
                # The pattern starts again with the measured window, so every class is in it.
                measuring, index = True, 0
            kind = PATTERN[index % len(PATTERN)]
            index += 1
            conn = conns[index % len(conns)]  # the municipality's (of `states[index]`)
            if self.bare_path:
                ok = conn.call(conn.request_bytes("GET", self.bare_path, {}))[0] == 200
            else:
                current = states[index % len(states)]
                status, _, payload = conn.call(self._request(kind, current, index))
                ok = self._answered(kind, current, status, payload)
                if not ok and kind == "command":
                    fresh = self._read(conn, current.tenancy)
                    current.version, current.title, current.step = fresh.version, fresh.title, 0
            done = time.perf_counter()
            if counted:
                _count(tally, kind, done - scheduled, ok)
        for conn in conns:
            conn.close()
        return tally

    def _open(
        self, clients: int, states: list[_State], rate: float, start: float, window: Window
    ) -> Tally:
        tally = Tally(seconds=window.measure_s)
        pools = [AsyncHttpPool(self.host, self.port) for _ in range(clients)]
        bare = (
            request_bytes(self.host, self.port, "GET", self.bare_path, {})
            if self.bare_path
            else b""
        )
        locks: dict[int, asyncio.Lock] = {}

        async def send(index: int) -> tuple[str, bool]:
            kind = PATTERN[index % len(PATTERN)]
            pool = pools[(index + 1) % clients]  # the municipality's (of `states[index + 1]`)
            if bare:
                return kind, (await pool.call(bare))[0] == 200
            current = states[(index + 1) % len(states)]
            if kind != "command":
                status, _, payload = await pool.call(self._request(kind, current, index + 1))
                return kind, status == 200
            # One officer's edits of one need follow each other (If-Match of the last answer).
            async with locks.setdefault(id(current), asyncio.Lock()):
                status, _, payload = await pool.call(self._request(kind, current, index + 1))
                ok = self._answered(kind, current, status, payload)
                if not ok:
                    method, path, headers = _need_request(current.tenancy)
                    answer = await pool.call(
                        request_bytes(self.host, self.port, method, path, headers)
                    )
                    fresh = _fresh_state(current.tenancy, answer[0], answer[2])
                    current.version, current.title, current.step = fresh.version, fresh.title, 0
                return kind, ok

        def answered(index: int, latency: float, result: tuple[str, bool], counted: bool) -> None:
            if counted:
                _count(tally, result[0], latency, result[1])

        def close() -> None:
            for pool in pools:
                pool.close()

        loop = run_open_loop(start, window, rate, self.offset, send, answered, close)
        tally.lags, tally.backlog = loop.lags, loop.backlog
        return tally

    def _request(self, kind: str, state: _State, index: int) -> bytes:
        tenancy = state.tenancy
        need = f"/api/v1/needs/{tenancy.need_id}"
        if kind == "read":
            path = ("/api/v1/network/needs", "/api/v1/needs", need, "/api/v1/network/procurements")[
                (index // len(PATTERN)) % 4
            ]
            return request_bytes(self.host, self.port, "GET", path, _bearer(tenancy.officer_token))
        if kind == "audit":
            moment = urllib.parse.quote(state.moment, safe="")
            path = (f"{need}/history", f"{need}?as_of={moment}", "/api/v1/audit/decisions")[
                (index // len(PATTERN)) % 3
            ]
            return request_bytes(self.host, self.port, "GET", path, _bearer(tenancy.auditor_token))
        headers = {
            **_bearer(tenancy.officer_token),
            "Content-Type": "application/json",
            "If-Match": f'"{state.version}"',
        }
        if state.step == 0:
            body = json.dumps({"quadrant": "strength", "text": "Engagerade medarbetare"})
            return request_bytes(
                self.host, self.port, "POST", f"{need}/swot", headers, body.encode()
            )
        if state.step == 1:
            path = f"{need}/swot/{state.item}"
            return request_bytes(self.host, self.port, "DELETE", path, headers)
        body = json.dumps({"title": _next_title(state)}, ensure_ascii=False)
        return request_bytes(self.host, self.port, "PATCH", need, headers, body.encode())

    @staticmethod
    def _answered(kind: str, state: _State, status: int, payload: bytes) -> bool:
        """Whether the answer is the expected one; a command's moves its need's state on."""
        if kind != "command":
            return status == 200
        if status not in (200, 201):
            # Out of step (the need is this process's alone, so it should not happen).
            return False
        answer = json.loads(payload)
        state.version = int(answer["version"])
        if state.step == 0:
            state.item = answer["created"]["item_id"]
        elif state.step == 2:
            state.title = _next_title(state)
        state.step = (state.step + 1) % 3
        return True


def _next_title(state: _State) -> str:
    return "Titel A" if state.title != "Titel A" else "Titel B"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _need_request(tenancy: Tenancy) -> tuple[str, str, dict[str, str]]:
    return "GET", f"/api/v1/needs/{tenancy.need_id}", _bearer(tenancy.officer_token)


def _fresh_state(tenancy: Tenancy, status: int, payload: bytes) -> _State:
    if status != 200:
        raise LoadFailed(f"GET /api/v1/needs/{tenancy.need_id} answered {status}")
    need = json.loads(payload)
    return _State(tenancy, int(need["version"]), str(need["title"]), str(need["created_on"]))


def _count(tally: Tally, kind: str, latency: float, ok: bool) -> None:
    tally.count += 1
    tally.by_class.setdefault(kind, []).append(latency)
    tally.latencies.append(latency)
    if not ok:
        tally.errors += 1


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


# The open loop sends from one process: it waits on its connections, not on the CPU, and every
# further process would compete with the service for the same two cores.
OPEN_LOOP_PROCESSES = 1


def _open_loop(
    server: Server, tenancies: list[Tenancy], rate: float, window: Window, roles: Any = None
) -> Tally:
    return run_parallel(
        _tasks(server.host, server.port, tenancies, OPEN_LOOP_PROCESSES, rate),
        window,
        cpu_roles=roles,
    )


def _bare_open_loop(
    bare: Server, rate: float, window: Window, clients: int, path: str = BARE_PATH
) -> Tally:
    task = MixedTask(bare.host, bare.port, [], rate=rate, bare_path=path, clients=clients)
    return run_parallel([task], window, cpu_roles={"service": [bare.pid]})


def _service_cpu_ms(tally: Tally) -> float | None:
    spent = tally.info.get("cpu_ms_per_op") or {}
    value = spent.get("service")
    return float(value) if value is not None else None


def stand_in_spend_ms(service_round: Tally, bare_round: Tally) -> float:
    """What the stand-in spends per request on top of the bare endpoint's own cost, so that
    its workers use as much CPU per request as the service's did at the same rate."""
    service, bare = _service_cpu_ms(service_round), _service_cpu_ms(bare_round)
    if service is None or bare is None:
        return 0.0
    return max(0.0, service - bare)


def _network_page(server: Server, tenancy: Tenancy) -> bytes:
    conn = HttpConnection(server.host, server.port)
    try:
        status, _, body = conn.call(
            conn.request_bytes("GET", "/api/v1/network/needs", _bearer(tenancy.officer_token))
        )
    finally:
        conn.close()
    if status != 200:
        raise LoadFailed(f"GET /api/v1/network/needs answered {status}")
    return body


def measure(ctx: Context) -> None:
    config = ctx.config
    store, tenancies = prepare(ctx)
    clients = config.clients
    settle_s = 0.3 if config.smoke else 1.5
    with (
        runners(store) as runner_pid,
        gunicorn(
            INNOLEDGER_APP,
            store.env(),
            workers=config.workers,
            threads=config.threads,
            settle_s=settle_s,
        ) as server,
        tempfile.TemporaryDirectory(prefix="innoledger-bench-mixed-") as scratch,
    ):
        # The bare endpoint answers the network page as the service answered it.
        payload = Path(scratch) / "payload.json"
        payload.write_bytes(_network_page(server, tenancies[0]))
        roles = {
            "service": [server.pid],
            "runners": [runner_pid],
            "database": ctx.database.server_pids(),
        }
        rounds: list[Tally] = []
        bare_rounds: list[Tally] = []
        stand_in_rounds: list[Tally] = []
        maxima: list[float] = []
        closed = Tally()
        with gunicorn(
            BARE_APP,
            {"INNOLEDGER_BENCH_BARE_PAYLOAD": str(payload)},
            workers=config.workers,
            threads=config.threads,
            settle_s=settle_s,
        ) as bare:
            for round_ in range(config.rounds):
                # The maximum anew before each round: on a shared machine what the service can
                # answer moves from minute to minute, and half of an earlier maximum may be
                # more than it can answer now (the latencies then measure a growing queue).
                closed = run_parallel(
                    _tasks(server.host, server.port, tenancies, clients, None),
                    config.window,
                    cpu_roles=roles,
                )
                maxima.append(closed.rate)
                rate = max(1.0, closed.rate / 2)
                sending_s = patterns_per_round(config.smoke) * len(PATTERN) / rate
                window = Window(config.window.warmup_s, max(config.window.measure_s, sending_s))
                # Alternately, so a busy moment of a shared machine meets both.
                rounds.append(_open_loop(server, tenancies, rate, window, roles))
                rounds[-1].info["rate"] = rate
                bare_rounds.append(_bare_open_loop(bare, rate, window, len(tenancies)))
                spend_ms = stand_in_spend_ms(rounds[-1], bare_rounds[-1])
                stand_in_rounds.append(
                    _bare_open_loop(
                        bare,
                        rate,
                        window,
                        len(tenancies),
                        f"{BARE_SPENDING_PATH}?ms={spend_ms:.3f}",
                    )
                )
                stand_in_rounds[-1].info["spend_ms"] = spend_ms
                ctx.say(
                    f"mixed: round {round_ + 1}: maximum {closed.rate:,.0f} req/s, at half: "
                    + ", ".join(
                        f"{kind} p50 {_ms(_percentile(rounds[-1], kind, 0.5)):.1f} ms"
                        f" p99 {_ms(_percentile(rounds[-1], kind, 0.99)):.1f} ms"
                        for kind in CLASSES
                    )
                    + f"; bare endpoint p50 {_ms(bare_rounds[-1].percentile(0.5)):.1f} ms"
                    f" p99 {_ms(bare_rounds[-1].percentile(0.99)):.1f} ms"
                    f"; stand-in spending {spend_ms:.2f} ms"
                    f" p50 {_ms(stand_in_rounds[-1].percentile(0.5)):.1f} ms"
                    f" p99 {_ms(stand_in_rounds[-1].percentile(0.99)):.1f} ms"
                    + ("" if rounds[-1].kept_up() else f"; not kept up ({rounds[-1].backlog} out)")
                )
    maximum = statistics.median(maxima)
    # Rounds in which the service did not keep up measured a queue, not the service.
    kept = [t for t in rounds if t.kept_up()]
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
                "by_round": maxima,
                "errors": closed.errors,
                "cpu_ms_per_op": closed.info.get("cpu_ms_per_op"),
                "switches_per_op": closed.info.get("switches_per_op"),
            },
        )
    )
    for kind in CLASSES:
        # With no round kept up, the numbers of all are shown, and the target is not met.
        p50 = _median(kept or rounds, kind, 0.5)
        p99 = _median(kept or rounds, kind, 0.99)
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
            note="" if kept else "the service kept up with half its maximum in no round",
            details={
                "rate_by_round": [t.info.get("rate") for t in rounds],
                "kept_up_by_round": [t.kept_up() for t in rounds],
                "backlog_by_round": [t.backlog for t in rounds],
                "requests": sum(len(t.by_class.get(kind, [])) for t in rounds),
                "p50_by_round_ms": [_ms(_percentile(t, kind, 0.5)) for t in rounds],
                "p99_by_round_ms": [_ms(_percentile(t, kind, 0.99)) for t in rounds],
                "errors": sum(t.errors for t in rounds),
                "sent_late_p99_by_round_ms": [_ms(_lag(t, 0.99)) for t in rounds],
                "cpu_ms_per_op": rounds[len(rounds) // 2].info.get("cpu_ms_per_op"),
                "switches_per_op": rounds[len(rounds) // 2].info.get("switches_per_op"),
            },
        )
        row.judge(row.ratio, LOWER, TARGET)
        if not kept:
            row.met = False
        ctx.add(row)
    ctx.add(
        _for_information(
            ctx,
            "mixed.bare_p99_over_p50",
            "  the same load generator against a bare Flask endpoint, p99 vs p50",
            bare_rounds,
            {"sent_late_p99_by_round_ms": [_ms(_lag(t, 0.99)) for t in bare_rounds]},
        )
    )
    ctx.add(
        _for_information(
            ctx,
            "mixed.stand_in_p99_over_p50",
            "  the same load against a bare endpoint spending the service's CPU per request,"
            " p99 vs p50",
            stand_in_rounds,
            {
                "spend_ms_by_round": [t.info.get("spend_ms") for t in stand_in_rounds],
                "service_cpu_ms_per_op_by_round": {
                    "service": [_service_cpu_ms(t) for t in rounds],
                    "stand_in": [_service_cpu_ms(t) for t in stand_in_rounds],
                },
                "kept_up_by_round": [t.kept_up() for t in stand_in_rounds],
            },
        )
    )


def _for_information(
    ctx: Context, key: str, name: str, tallies: list[Tally], details: dict[str, Any]
) -> Measure:
    """A row without a target: the median over the rounds of p99 against that of p50."""
    p50 = statistics.median(_ms(t.percentile(0.5)) for t in tallies)
    p99 = statistics.median(_ms(t.percentile(0.99)) for t in tallies)
    return Measure(
        group="mixed",
        key=key,
        database=ctx.db,
        name=name,
        unit="ms",
        ours=p99,
        baseline=p50,
        ratio=p99 / p50 if p50 else None,
        details={
            "p50_by_round_ms": [_ms(t.percentile(0.5)) for t in tallies],
            "p99_by_round_ms": [_ms(t.percentile(0.99)) for t in tallies],
            **details,
            "errors": sum(t.errors for t in tallies),
        },
    )


# A round's p99 of a class is the request that a hundredth of its requests exceed: of a hundred
# audit reads (one in a pattern of twenty) their second slowest, of five hundred commands their
# sixth, so the few requests of one busy moment made it. Of three hundred audit reads it is the
# fourth slowest, of fifteen hundred commands the sixteenth.
SAMPLES_OF_THE_RAREST_CLASS = 300


def patterns_per_round(smoke: bool) -> int:
    """How many times a round sends the whole pattern (a smoke run: three, to have them all)."""
    return 3 if smoke else SAMPLES_OF_THE_RAREST_CLASS // min(PATTERN.count(k) for k in CLASSES)


def _lag(tally: Tally, share: float) -> float | None:
    values = sorted(tally.lags)
    if not values:
        return None
    return values[min(len(values) - 1, max(0, round(share * (len(values) - 1))))]


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
