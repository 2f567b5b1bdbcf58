"""§8: the ledger adds ≤ 10 % to a save; `verify` runs at ≥ 0.5 × the rate of hashing the same
bytes.

Save: in a fresh store, the command mix as get–mutate–save at full speed (one process, the bare
library), in rounds alternating

* without the ledger;
* with the ledger's projection runner following the log in a process of its own, on the same
  CPUs, as in production (each batch: the leaves, the completed nodes and a signed tree head, in
  one transaction with the runner's tracking position).

Ratio = time per save with / without (the throughput lost to the ledger); the target is ≤ 1.10.
Beside it, the CPU time per save of every process (the saving process, the ledger's runner,
the database server) with and without the ledger, from the round of the median ratio.
For information, the worst case: the ledger appended synchronously after every single save.

Verify: on the medium generated store with its ledger caught up, `service.ledger.verify.verify()`
(every event re-encoded and hashed, the tree rebuilt, every tree head's root and signature
checked) against reading the same events in the same batches and hashing each event's stored
bytes once with hashlib.sha256 — the least any verification does. Hashing the bytes already in
memory (no reading) is shown for information.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from dataclasses import dataclass
from typing import Any, ClassVar
from uuid import UUID

from bench.context import Context, size_label
from bench.loadgen import Tally, Task, Window, run_parallel
from bench.results import (
    HIGHER,
    LOWER,
    Measure,
    cpu_row,
    median_index,
    median_pair,
    rate_ratio,
)
from service.settings import Settings

SAVE_TARGET = 1.10
VERIFY_TARGET = 0.5


@dataclass
class LedgerFollower(Task):
    """The ledger's projection runner following the log while the saves run, as it does in
    production: a batch (up to 500 events) whenever there is something new, then the ledger's
    minimum interval between batches once caught up; else a short pause (the runner's minimum
    poll interval)."""

    settings: Settings
    cpu_role: ClassVar[str] = "runners"

    def setup(self) -> Any:
        from projections.runner import ProjectionRunner
        from service.innoledger import Innoledger
        from service.ledger.projection import LedgerProjection

        app = Innoledger(self.settings)
        runner = ProjectionRunner(app, LedgerProjection.for_app(app), batch_size=500)
        runner.catch_up()
        return app, runner

    def run(self, state: Any, start: float, window: Window) -> Tally:
        from projections.runner import head_position

        app, runner = state
        end = start + window.warmup_s + window.measure_s
        before = runner.position()
        position = before
        pause = runner.poll_min_s
        interval = runner.min_batch_interval_s
        while time.perf_counter() < end:
            moved = runner.catch_up(max_batches=1)
            if moved != position:
                pause = runner.poll_min_s  # as the runner follows: again at once
                if interval and moved >= runner.last_head:
                    time.sleep(interval)
            else:
                time.sleep(pause)
                pause = min(runner.poll_max_s, pause * 2)
            position = moved
        tally = Tally(seconds=window.measure_s)
        tally.info["appended"] = position - before
        tally.info["lag"] = head_position(app.recorder) - position
        app.close()
        return tally


def _runner(settings: Settings) -> tuple[Any, Any]:
    from projections.runner import ProjectionRunner
    from service.innoledger import Innoledger
    from service.ledger.projection import LedgerProjection

    app = Innoledger(settings)
    return app, ProjectionRunner(app, LedgerProjection.for_app(app), batch_size=500)


def measure_saves(ctx: Context) -> None:
    from bench.commands import LibraryLoop
    from bench.fixtures import setup_tenant
    from domain.audit import acting_as

    config = ctx.config
    store = ctx.database.fresh("ledger-saves")
    app = store.open()
    try:
        tenant = setup_tenant(app, "bench-ledger", needs=1)
    finally:
        app.close()
    runner_app, runner = _runner(store.settings)
    try:
        runner.catch_up()
        loop = LibraryLoop(store.settings, tenant.need_ids[0], tenant.actor)
        without: list[float] = []
        with_: list[float] = []
        ratios: list[float] = []
        lags: list[int] = []
        tallies: list[tuple[Tally, Tally]] = []
        roles = {"database": ctx.database.server_pids()}
        for round_ in range(config.rounds):
            plain = run_parallel([loop], config.window, cpu_roles=roles)
            both = run_parallel(
                [loop, LedgerFollower(store.settings)], config.window, cpu_roles=roles
            )
            tallies.append((both, plain))
            lags.append(int(both.info.get("lag", 0)))
            runner.catch_up()  # whatever the follower left, before the next round
            without.append(1000 / plain.rate)
            with_.append(1000 / both.rate)
            ratios.append(rate_ratio(plain.rate, both.rate))
            ctx.say(
                f"ledger: round {round_ + 1}: {plain.rate:,.0f} saves/s without,"
                f" {both.rate:,.0f} with the ledger following"
            )
        # Worst case, for information: the ledger appended synchronously after every save.
        block = 30 if config.smoke else 300
        bare = LibraryLoop(store.settings, tenant.need_ids[0], tenant.actor).setup()
        need_id = UUID(tenant.need_ids[0])
        sync: list[float] = []
        with acting_as(tenant.actor):
            for _ in range(max(1, config.repeats)):
                started = time.perf_counter()
                for index in range(block):
                    need = bare.repository.get(need_id)
                    _mutate(need, index % 3)
                    bare.save(need)
                    runner.catch_up()
                sync.append((time.perf_counter() - started) / block * 1000)
        bare.close()
    finally:
        runner_app.close()
    ours, base, ratio = median_pair(list(zip(with_, without, strict=True)))
    row = Measure(
        group="ledger",
        key="ledger.save_overhead",
        database=ctx.db,
        name="save with the ledger runner following vs without",
        unit="ms/save",
        ours=ours,
        baseline=base,
        ratio=ratio,
        target=f"≤ {SAVE_TARGET:.2f}",
        details={"round_ratios": ratios, "ledger_lag_at_window_end": lags},
    )
    row.judge(row.ratio, LOWER, SAVE_TARGET)
    ctx.add(row)
    median_both, median_plain = tallies[median_index(list(zip(with_, without, strict=True)))]
    ctx.add(
        cpu_row(
            "ledger",
            "ledger.cpu_per_save",
            ctx.db,
            "  CPU per save, every process (saving + ledger runner + database) vs without",
            median_both.info.get("cpu_ms_per_op"),
            median_plain.info.get("cpu_ms_per_op"),
            switches=(
                median_both.info.get("switches_per_op"),
                median_plain.info.get("switches_per_op"),
            ),
        )
    )
    ctx.add(
        Measure(
            group="ledger",
            key="ledger.save_overhead_synchronous",
            database=ctx.db,
            name="  ledger appended synchronously after every save vs without",
            unit="ms/save",
            ours=statistics.median(sync),
            baseline=base,
            ratio=statistics.median(sync) / base,
        )
    )


def _mutate(need: Any, step: int) -> None:
    if step == 0:
        need.add_swot_item(quadrant="strength", text="Engagerade medarbetare", author="bench")
    elif step == 1:
        need.remove_swot_item(need.swot[-1]["id"])
    else:
        need.edit(title="Titel A" if need.title != "Titel A" else "Titel B")


def _read_and_hash(ledger: Any) -> tuple[int, int, float]:
    started = time.perf_counter()
    events = hashed = 0
    sha256 = hashlib.sha256
    for batch in ledger.log.iterate(batch_size=2000):
        for notification in batch:
            sha256(notification.state).digest()
            hashed += len(notification.state)
        events += len(batch)
    return events, hashed, time.perf_counter() - started


def _hash_in_memory(ledger: Any) -> tuple[int, float]:
    states = [n.state for batch in ledger.log.iterate(batch_size=2000) for n in batch]
    sha256 = hashlib.sha256
    started = time.perf_counter()
    for state in states:
        sha256(state).digest()
    return len(states), time.perf_counter() - started


def measure_verify(ctx: Context) -> None:
    from service.ledger.ledger import Ledger
    from service.ledger.verify import verify

    events = ctx.config.sizes.medium
    store = ctx.network(events)
    app = store.open()
    try:
        ledger = Ledger(app.recorder, app.settings)
        ctx.say(f"ledger: catching the ledger up over {store.events:,} events")
        started = time.perf_counter()
        ledger.catch_up(batch_size=1000)
        catch_up_s = time.perf_counter() - started
        ours_s, base_s, memory_s = [], [], []
        count = hashed = 0
        for _ in range(max(1, ctx.config.repeats)):
            report = verify(ledger)
            if not report.ok:
                raise RuntimeError(f"verify found problems: {report.first_problem}")
            ours_s.append(report.seconds)
            count, hashed, seconds = _read_and_hash(ledger)
            base_s.append(seconds)
            _, seconds = _hash_in_memory(ledger)
            memory_s.append(seconds)
    finally:
        app.close()
    ours_rate = count / min(ours_s)
    base_rate = count / min(base_s)
    memory_rate = count / min(memory_s)
    row = Measure(
        group="ledger",
        key="ledger.verify",
        database=ctx.db,
        name=f"verify {size_label(events)} vs reading + hashlib of the same bytes",
        unit="ev/s",
        ours=ours_rate,
        baseline=base_rate,
        ratio=ours_rate / base_rate,
        target=f"≥ {VERIFY_TARGET}",
        details={
            "events": count,
            "state_bytes": hashed,
            "verify_seconds": min(ours_s),
            "ledger_catch_up_seconds": catch_up_s,
            "ledger_catch_up_rate": count / catch_up_s if catch_up_s else None,
        },
    )
    row.judge(row.ratio, HIGHER, VERIFY_TARGET)
    ctx.add(row)
    ctx.add(
        Measure(
            group="ledger",
            key="ledger.verify_vs_memory",
            database=ctx.db,
            name="  verify vs hashlib alone (the bytes already in memory)",
            unit="ev/s",
            ours=ours_rate,
            baseline=memory_rate,
            ratio=ours_rate / memory_rate,
        )
    )


def measure(ctx: Context) -> None:
    measure_saves(ctx)
    measure_verify(ctx)
