"""One measured row, the results table (plain text and Markdown) and the machine description."""

from __future__ import annotations

import math
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

HIGHER = ">="  # ratio must be at least the target
LOWER = "<="  # ratio (or the value itself, see `Measure.target_on`) must be at most the target


@dataclass
class Measure:
    """One row: ours against its baseline, measured in the same run.

    `ratio` is computed by the measure (its direction depends on the target: rates are
    ours / baseline, costs are baseline / ours or ours / baseline as the target says). `met` is
    None for rows that only inform (no target of §8), True/False otherwise. `note` carries why a
    row has no number ("not installed", "PostgreSQL not available", an error), or a remark.
    """

    group: str  # commands, reads, rebuild, audit, ledger, crud
    key: str  # stable id, e.g. "commands.http"
    database: str  # sqlite, postgres, or "-" when the measure uses no store
    name: str
    unit: str = ""
    ours: float | None = None
    baseline: float | None = None
    baseline_unit: str | None = None  # when the baseline is in another unit than ours
    ratio: float | None = None
    target: str = ""  # "≥ 0.6", "≤ 1.5", "< 50 MB", "" for information rows
    met: bool | None = None
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    # The same row in the previous full run of the same configuration (`bench.consecutive`).
    previous_ratio: float | None = None
    previous_met: bool | None = None

    @property
    def informative(self) -> bool:
        return not self.target

    @property
    def confirmed(self) -> bool:
        """Met in this run and in the previous one: only then does a target count as met."""
        return self.met is True and self.previous_met is True

    @property
    def has_number(self) -> bool:
        return self.ours is not None and math.isfinite(self.ours)

    def judge(self, value: float | None, op: str, bound: float) -> None:
        """Sets `met` from `value` (the ratio, or the value a target bounds)."""
        if value is None or not math.isfinite(value):
            self.met = None
            return
        self.met = value >= bound if op == HIGHER else value <= bound


def unavailable(group: str, key: str, database: str, name: str, target: str, note: str) -> Measure:
    return Measure(group=group, key=key, database=database, name=name, target=target, note=note)


# Formatting


def number(value: float | None, unit: str = "") -> str:
    if value is None or not math.isfinite(value):
        return "—"
    magnitude = abs(value)
    if magnitude >= 1000:
        text = f"{value:,.0f}"
    elif magnitude >= 100:
        text = f"{value:.0f}"
    elif magnitude >= 10:
        text = f"{value:.1f}"
    elif magnitude >= 1:
        text = f"{value:.2f}"
    elif magnitude == 0:
        text = "0"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".rstrip()


def ratio_text(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"


def met_text(measure: Measure) -> str:
    """"yes" only when met in this run and the previous one; "once" when met in this run only."""
    if measure.informative:
        return "info"
    if measure.met is None:
        return "n/a"
    if not measure.met:
        return "NO"
    return "yes" if measure.confirmed else "once"


def previous_text(measure: Measure) -> str:
    if measure.informative:
        return ""
    if measure.previous_met is None and measure.previous_ratio is None:
        return "—"
    verdict = {True: "yes", False: "NO", None: "n/a"}[measure.previous_met]
    return f"{ratio_text(measure.previous_ratio)} ({verdict})"


COLUMNS = ("measure", "db", "ours", "baseline", "ratio", "previous run", "target", "met")


def rows_of(measures: Sequence[Measure]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for m in measures:
        note = " ".join(m.note.split())
        ours = number(m.ours, m.unit) if m.has_number else (note or "—")
        baseline = number(m.baseline, m.baseline_unit or m.unit)
        rows.append(
            (
                m.name,
                m.database,
                ours,
                baseline,
                ratio_text(m.ratio),
                previous_text(m),
                m.target or "—",
                met_text(m),
            )
        )
    return rows


def render_text(measures: Sequence[Measure]) -> str:
    rows = [COLUMNS, *rows_of(measures)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell.ljust(width) if i in (0, 1, 6, 7) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def render_markdown(measures: Sequence[Measure]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|---|---|--:|--:|--:|--:|---|---|",
    ]
    for row in rows_of(measures):
        lines.append("| " + " | ".join(cell(c) for c in row) + " |")
    return "\n".join(lines)


# The machine


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


PACKAGES = (
    "eventsourcing", "flask", "flask-smorest", "gunicorn", "psycopg", "psycopg-pool",
    "sqlalchemy", "sqlalchemy-continuum",
)  # fmt: skip


def _psycopg_implementation() -> str:
    try:
        import psycopg
    except ImportError:
        return "not installed"
    return str(psycopg.pq.__impl__)


def machine(postgres_version: str | None = None) -> dict[str, str]:
    import sqlite3

    from bench.variants import active

    memory = _memory_gib()
    info = {
        "nproc": str(os.cpu_count() or "?"),
        "cpu": _cpu_model(),
        "memory": f"{memory:.1f} GiB" if memory is not None else "?",
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version or "not used",
        "psycopg_impl": _psycopg_implementation(),
        "variants": ",".join(active()) or "none (the service as it is)",
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    for package in PACKAGES:
        info[package] = _version(package)
    return info


def rate_ratio(ours: float, baseline: float) -> float:
    """ours / baseline; NaN when the baseline did nothing in its window (a machine so busy that a
    round measured no operation), so one starved round is reported instead of aborting the run."""
    return ours / baseline if baseline else math.nan


def median_index(pairs: Sequence[tuple[float, float]]) -> int:
    """The index of the round `median_pair` reports."""
    ranked = sorted(range(len(pairs)), key=lambda i: _pair_ratio(pairs[i]))
    return ranked[(len(ranked) - 1) // 2]


def _pair_ratio(pair: tuple[float, float]) -> float:
    return pair[0] / pair[1] if pair[1] else math.inf


def cpu_row(
    group: str,
    key: str,
    database: str,
    name: str,
    ours: dict[str, float] | None,
    baseline: dict[str, float] | None,
    *,
    switches: tuple[dict[str, float] | None, dict[str, float] | None] = (None, None),
) -> Measure:
    """An information row beside a rate: CPU milliseconds per operation of every process
    involved (`bench.cputime`), ours and the baseline's, from the same round as the rate; the
    ratio is baseline / ours, read like the rate's ratio (higher is better for us). The
    details add their context switches per operation (`switches`, ours and the baseline's)."""
    ours_total = (ours or {}).get("total")
    base_total = (baseline or {}).get("total")
    ratio = (
        base_total / ours_total
        if ours_total and base_total is not None and math.isfinite(ours_total)
        else None
    )
    return Measure(
        group=group,
        key=key,
        database=database,
        name=name,
        unit="ms CPU/op",
        ours=ours_total,
        baseline=base_total,
        ratio=ratio,
        note="" if ours_total is not None else "no /proc: CPU time not read",
        details={
            "ours_ms_per_op": ours or {},
            "baseline_ms_per_op": baseline or {},
            "ours_switches_per_op": switches[0] or {},
            "baseline_switches_per_op": switches[1] or {},
        },
    )


def median_pair(pairs: Sequence[tuple[float, float]]) -> tuple[float, float, float]:
    """(ours, baseline, ours / baseline) of the round whose ratio is the median, so that the
    table's columns agree with its ratio; for an even count the lower middle one."""
    ranked = sorted(pairs, key=lambda p: p[0] / p[1] if p[1] else math.inf)
    ours, base = ranked[(len(ranked) - 1) // 2]
    return ours, base, rate_ratio(ours, base)
