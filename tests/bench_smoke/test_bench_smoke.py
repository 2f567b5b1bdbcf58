"""The benchmark suite at tiny sizes, so it cannot rot: every measure runs and yields a number,
and the table and the Markdown report render. Never a timing assertion (spec §8: targets are
measured by the benchmark suite, as ratios, not by timed tests).

PostgreSQL is measured when the test command's throwaway cluster is there; SQLAlchemy and
SQLAlchemy-Continuum (the CRUD comparison) when installed — without them the CRUD rows say
"not installed", and the rest still has to produce numbers.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from bench.context import GROUPS, Config
from bench.crud import installed as crud_installed
from bench.results import render_markdown
from bench.stores import postgres_configured
from bench.suite import BEGIN, END, run, write_markdown


def test_every_measure_produces_a_number_and_the_table_renders(tmp_path: Path) -> None:
    databases = ["sqlite"]
    if postgres_configured() or os.environ.get("CI", "").lower() == "true":
        databases.append("postgres")
    lines: list[str] = []
    report = run(Config.for_smoke(databases, progress=lines.append))

    assert not report.errors, "\n".join(report.errors)
    assert {m.database for m in report.measures} == set(databases)
    groups = {(m.database, m.group) for m in report.measures}
    for database in databases:
        for group in GROUPS:
            assert (database, group) in groups, f"{group} on {database} produced no row"
    for measure in report.measures:
        if measure.group == "crud" and not crud_installed():
            assert measure.note == "not installed"
            continue
        assert measure.ours is not None and math.isfinite(measure.ours), measure
        if measure.target:
            assert measure.baseline is not None and math.isfinite(measure.baseline), measure
            assert measure.met is not None, measure

    table = report.table()
    assert table.splitlines()[0].split()[:2] == ["measure", "db"]
    assert len(table.splitlines()) == len(report.measures) + 2
    markdown = render_markdown(report.measures)
    assert markdown.count("\n") == len(report.measures) + 1

    output = tmp_path / "benchmarks.md"
    write_markdown(report, output, "python -m bench --smoke")
    write_markdown(report, output, "python -m bench --smoke")  # replaces its own section
    text = output.read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    assert "| measure | db | ours | baseline | ratio | previous run | target | met |" in text
