"""Runs the chosen measures on each database and reports them: one table, and docs/benchmarks.md.

The results section of the Markdown file sits between two markers; a run replaces only what is
between them, so the hand-written notes around it (analysis, profiles) survive re-runs.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.consecutive import (
    PREVIOUS_BEGIN,
    PREVIOUS_END,
    confirm,
    previous_run,
    previous_section,
    read_section,
    run_data,
)
from bench.context import Config, Context
from bench.results import Measure, machine, render_markdown, render_text
from bench.stores import Database, databases, workdir

BEGIN = "<!-- bench:results:begin -->"
END = "<!-- bench:results:end -->"
TITLES = {
    "commands": "command over HTTP vs bare get–mutate–save",
    "reads": "network-view read vs bare Flask JSON",
    "rebuild": "projection rebuild vs read+decode",
    "audit": "history and as-of reads, long aggregate",
    "ledger": "ledger: save overhead, verify",
    "crud": "CRUD alternative (SQLAlchemy + Continuum)",
    "mixed": "mixed load, open loop at half the maximum rate",
    "peer": "HTTP peer (Flask + SQLAlchemy + Continuum)",
    "pages": "web page vs the JSON answer of the same data",
}


@dataclass
class Report:
    config: Config
    measures: list[Measure] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def table(self) -> str:
        return render_text(self.measures)

    previous: str | None = None  # the previous report's results section, if it pairs with this

    @property
    def missed(self) -> list[Measure]:
        return [m for m in self.measures if m.met is False]

    @property
    def met_once(self) -> list[Measure]:
        """Met in this run but not (or not known) in the previous one: not counted as met."""
        return [m for m in self.measures if m.met is True and not m.confirmed]

    def pair_with(self, path: Path | None) -> None:
        """Reads the previous full run from the report file, if it was made the same way."""
        section = None if path is None else read_section(path, BEGIN, END)
        data = previous_run(section, self.config)
        confirm(self.measures, data)
        self.previous = previous_section(section) if data is not None and section else None


def _failed(ctx: Context, group: str, exc: BaseException, report: Report) -> None:
    text = "".join(traceback.format_exception(exc))
    report.errors.append(f"{ctx.db} {group}: {text}")
    ctx.say(f"{group} FAILED:\n{text}")
    last = (str(exc).strip().splitlines() or [""])[-1]
    ctx.add(
        Measure(
            group=group,
            key=f"{group}.error",
            database=ctx.db,
            name=TITLES[group],
            target="",
            note=f"error: {type(exc).__name__}: {last[:70]}",
        )
    )


def _run_database(ctx: Context, report: Report) -> None:
    only = ctx.config.only
    from bench import audit, commands, crud, ledger, mixed, pages, peer, reads, rebuild

    web_groups = [g for g in ("reads", "commands", "pages") if g in only]
    if web_groups:
        from bench.web import web_session

        try:
            with web_session(ctx) as web:
                for name in web_groups:
                    try:
                        {"reads": reads, "commands": commands, "pages": pages}[name].measure(
                            ctx, web
                        )
                    except Exception as exc:
                        _failed(ctx, name, exc, report)
        except Exception as exc:
            for name in web_groups:
                _failed(ctx, name, exc, report)
    for group, module in (
        ("rebuild", rebuild),
        ("audit", audit),
        ("ledger", ledger),
        ("crud", crud),
        ("mixed", mixed),
        ("peer", peer),
    ):
        if group in only:
            try:
                module.measure(ctx)
            except Exception as exc:
                _failed(ctx, group, exc, report)


def run(config: Config) -> Report:
    report = Report(config)
    started = time.perf_counter()
    load_at_start = os.getloadavg()
    postgres_version: str | None = None
    with workdir() as scratch:
        for database in databases(config.databases, scratch):
            ctx = Context(config, database)
            if not database.available:
                ctx.say(database.reason)
                for group in config.only:
                    ctx.add(
                        Measure(
                            group=group,
                            key=f"{group}.unavailable",
                            database=database.name,
                            name=TITLES[group],
                            note=database.reason,
                        )
                    )
                report.measures.extend(ctx.measures)
                continue
            try:
                if database.name == "postgres":
                    postgres_version = database.server_version()
                _run_database(ctx, report)
            finally:
                report.measures.extend(ctx.measures)
                _close(database)
    report.machine = machine(postgres_version)
    report.machine["load_average"] = (
        f"{load_at_start[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end (1 min)"
    )
    report.seconds = time.perf_counter() - started
    return report


def _close(database: Database) -> None:
    try:
        database.close()
    except Exception as exc:
        print(f"bench: cleanup of {database.name} failed: {exc}", file=sys.stderr)


# Markdown


def _details(measures: list[Measure]) -> str:
    lines = []
    for m in measures:
        if m.details:
            shown = json.dumps(m.details, ensure_ascii=False, default=_round)
            lines.append(f"- `{m.database}` **{m.name.strip()}**: `{shown}`")
    return "\n".join(lines)


def _round(value: Any) -> Any:
    return str(value)


def results_markdown(report: Report, command: str) -> str:
    config = report.config
    m = report.machine
    packages = ", ".join(
        f"{name} {m[name]}"
        for name in (
            "eventsourcing",
            "flask",
            "flask-smorest",
            "gunicorn",
            "psycopg",
            "psycopg-pool",
            "sqlalchemy",
            "sqlalchemy-continuum",
        )
        if name in m
    )
    missed = report.missed
    once = report.met_once
    confirmed = [m for m in report.measures if m.confirmed]
    targeted = [m for m in report.measures if not m.informative]
    lines = [
        BEGIN,
        run_data(config, report.measures, report.started.isoformat(timespec="seconds")),
        f"Run `{command}` on {report.started:%Y-%m-%d %H:%M} UTC, {report.seconds / 60:.1f} min"
        f"{' (smoke: tiny sizes, numbers meaningless)' if config.smoke else ''}.",
        "",
        f"- **Machine**: {m.get('nproc')} CPUs (`nproc`), {m.get('cpu')}, {m.get('memory')} RAM,"
        f" {m.get('os')}",
        f"- **Software**: {m.get('python')}, SQLite {m.get('sqlite')}, PostgreSQL"
        f" {m.get('postgresql')}; {packages}",
        f"- **psycopg** implementation: {m.get('psycopg_impl')}; **variants**: {m.get('variants')};"
        f" load average: {m.get('load_average')}",
        f"- **Sizes** (small, medium, large events): {config.sizes}; load window"
        f" {config.warmup_s:g} s warm-up + {config.measure_s:g} s measured; {config.clients}"
        f" load processes; gunicorn {config.workers} workers × {config.threads} threads"
        " (gthread, the project's gunicorn.conf.py)",
        "",
        render_markdown(report.measures),
        "",
        f"Targets met in this run and the previous one (counted as met): {len(confirmed)} of"
        f" {len(targeted)}. Met in this run only (not counted until the next run holds too):"
        f" {len(once)}. Missed in this run: {len(missed)}"
        + (
            ""
            if not missed
            else " — " + "; ".join(f"{x.name.strip()} ({x.database})" for x in missed)
        ),
        "",
        "<details><summary>Details per measure</summary>",
        "",
        _details(report.measures),
        "",
        "</details>",
        "",
        *_previous_lines(report),
        END,
    ]
    return "\n".join(lines)


def _previous_lines(report: Report) -> list[str]:
    if report.previous is None:
        return [
            "No earlier full run with the same configuration in this file: every target met here"
            " reads `once` until the next run holds it too.",
        ]
    return [
        PREVIOUS_BEGIN,
        "<details><summary>The previous run (the other half of each pair)</summary>",
        "",
        report.previous,
        "",
        "</details>",
        PREVIOUS_END,
    ]


TEMPLATE = """# Benchmarks

The benchmark suite (`bench/`, run by `python -m bench` or `make bench`) measures every quality
target of spec §8 against a baseline measured in the same run, on SQLite and on PostgreSQL, and
reports ratios. See `bench/__init__.py` and each measure's module docstring for exactly what is
timed.

## Results

{results}
"""


def write_markdown(report: Report, path: Path, command: str) -> None:
    section = results_markdown(report, command)
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            path.write_text(head + section + tail, encoding="utf-8")
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE.format(results=section), encoding="utf-8")
