"""§8: a command over HTTP (gunicorn) costs at most 1/0.6 of the bare library's get–mutate–save.

Ours: the command mix (add a SWOT item, remove it, edit the title; each with If-Match) sent over
HTTP by `clients` load processes, each on a need of its own, to gunicorn with the project's
configuration: authentication (token lookup, live roles from the municipality), validation, the
use case's checks, the save, the JSON answer, logging and metrics included.

Baseline: the same mutations through the eventsourcing library alone (`bench.bareapp`: a plain
`Application` with the service's persistence settings), in process, on the same store and
aggregates: `repository.get(id)`, the aggregate's command method, `app.save(aggregate)`.
It runs in one process and in as many processes as gunicorn has workers; the faster counts (the
strongest baseline). Ratio = our commands per second / the baseline's; the target is ≥ 0.6.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from bench.context import Context
from bench.loadgen import CommandTask, Tally, Task, Window, pace, run_parallel
from bench.results import HIGHER, Measure, cpu_row, median_index, median_pair, rate_ratio
from bench.web import WebSession
from domain.audit import Actor
from service.settings import Settings

TARGET = 0.6


@dataclass
class LibraryLoop(Task):
    """get–mutate–save with the library alone, on one need."""

    settings: Settings
    need_id: str
    actor: Actor

    def setup(self) -> Any:
        from bench.bareapp import BareApplication

        app = BareApplication(self.settings)
        app.repository.get(UUID(self.need_id))
        return app

    def run(self, state: Any, start: float, window: Window) -> Tally:
        import time

        from domain.audit import acting_as

        app = state
        need_id = UUID(self.need_id)
        tally = Tally(seconds=window.measure_s)
        step, item = 0, ""
        with acting_as(self.actor):
            for scheduled, counted in pace(start, window, None, 0.0):
                need = app.repository.get(need_id)
                if step == 0:
                    item = need.add_swot_item(
                        quadrant="strength",
                        text="Engagerade medarbetare",
                        author=self.actor.user_id,
                    )
                elif step == 1:
                    need.remove_swot_item(item)
                else:
                    need.edit(title="Titel A" if need.title != "Titel A" else "Titel B")
                app.save(need)
                step = (step + 1) % 3
                if counted:
                    tally.count += 1
                    tally.latencies.append(time.perf_counter() - scheduled)
        app.close()
        return tally


def library_rate(
    ctx: Context, settings: Settings, needs: list[str], actor: Actor, counts: list[int]
) -> Tally:
    """The best of running the bare loop in each of `counts` processes."""
    best: Tally | None = None
    for processes in counts:
        tasks = [LibraryLoop(settings, needs[i], actor) for i in range(processes)]
        tally = run_parallel(
            tasks, ctx.config.window, cpu_roles={"database": ctx.database.server_pids()}
        )
        tally.info["processes"] = processes
        ctx.say(f"  bare get–mutate–save, {processes} process(es): {tally.rate:,.0f} cmd/s")
        if best is None or tally.rate > best.rate:
            best = tally
    assert best is not None
    return best


def http_rate(ctx: Context, web: WebSession) -> Tally:
    tasks = [
        CommandTask(web.server.host, web.server.port, web.command_token, need)
        for need in web.http_needs
    ]
    tally = run_parallel(
        tasks,
        ctx.config.window,
        cpu_roles={"service": [web.server.pid], "database": ctx.database.server_pids()},
    )
    ctx.say(f"  over HTTP, {len(tasks)} clients: {tally.rate:,.0f} cmd/s")
    return tally


def measure(ctx: Context, web: WebSession) -> None:
    from bench import crud

    config = ctx.config
    counts = config.process_counts(len(web.library_needs))
    with_crud = "crud" in config.only and crud.installed()
    if with_crud:
        crud_url, crud_needs = crud.prepare_commands(ctx)
        crud_counts = config.process_counts(len(crud_needs))
        crud_pairs: list[tuple[float, float]] = []
    ratios: list[float] = []
    https: list[Tally] = []
    libraries: list[Tally] = []
    for round_ in range(config.rounds):
        ctx.say(f"commands: round {round_ + 1} of {config.rounds}")
        http = http_rate(ctx, web)
        library = library_rate(ctx, web.store.settings, web.library_needs, web.tenant.actor, counts)
        counts = [library.info["processes"]]  # later rounds use the best process count
        https.append(http)
        libraries.append(library)
        ratios.append(rate_ratio(http.rate, library.rate))
        if with_crud:
            theirs = crud.command_rate(ctx, crud_url, crud_needs, crud_counts)
            crud_counts = [theirs.info["processes"]]
            crud_pairs.append((http.rate, theirs.rate))
    if with_crud:
        ctx.shared["crud.command_pairs"] = crud_pairs
        ctx.shared["crud.processes"] = crud_counts[0]
    pairs = [(h.rate, b.rate) for h, b in zip(https, libraries, strict=True)]
    ours, base, ratio = median_pair(pairs)
    median = median_index(pairs)
    ctx.shared["commands.http_rate"] = ours
    ctx.shared["commands.library_rate"] = base
    merged = Tally()
    for tally in https:
        merged.merge(tally)
    p50, p99 = merged.percentile(0.5), merged.percentile(0.99)
    row = Measure(
        group="commands",
        key="commands.http_vs_library",
        database=ctx.db,
        name="command over HTTP vs bare get–mutate–save",
        unit="cmd/s",
        ours=ours,
        baseline=base,
        ratio=ratio,
        target=f"≥ {TARGET}",
        note="" if not merged.errors else f"{merged.errors} errors",
        details={
            "clients": len(web.http_needs),
            "round_ratios": ratios,
            "http_errors": merged.errors,
            "http_statuses": dict(merged.statuses),
            "http_p50_ms": _ms(p50),
            "http_p99_ms": _ms(p99),
            "baseline_processes": counts[0],
            "baseline_p50_ms": _ms(libraries[-1].percentile(0.5)),
        },
    )
    row.judge(row.ratio, HIGHER, TARGET)
    ctx.add(row)
    ctx.add(
        cpu_row(
            "commands",
            "commands.cpu_per_command",
            ctx.db,
            "  CPU per command, every process (HTTP: load + service + database)",
            https[median].info.get("cpu_ms_per_op"),
            libraries[median].info.get("cpu_ms_per_op"),
            switches=(
                https[median].info.get("switches_per_op"),
                libraries[median].info.get("switches_per_op"),
            ),
        )
    )


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000
