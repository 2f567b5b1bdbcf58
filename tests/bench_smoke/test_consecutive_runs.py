"""A target counts as met only when its ratio holds in two consecutive full runs of the same
configuration, and the report keeps both runs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import bench.mixed
from bench.context import Config
from bench.results import HIGHER, Measure
from bench.suite import BEGIN, END, Report, write_markdown


def _report(config: Config, reads_ratio: float, commands_ratio: float) -> Report:
    measures = []
    for key, ratio, bound in (
        ("reads.network_vs_bare", reads_ratio, 0.5),
        ("commands.http_vs_library", commands_ratio, 0.6),
    ):
        row = Measure(
            group=key.split(".")[0], key=key, database="sqlite", name=key, unit="op/s",
            ours=100 * ratio, baseline=100.0, ratio=ratio, target=f"≥ {bound}",
        )  # fmt: skip
        row.judge(ratio, HIGHER, bound)
        measures.append(row)
    measures.append(
        Measure(group="reads", key="reads.info", database="sqlite", name="info", ours=1.0)
    )
    return Report(config, measures=measures)


def _write(report: Report, path: Path) -> str:
    report.pair_with(path)
    write_markdown(report, path, "python -m bench")
    return path.read_text(encoding="utf-8")


def test_a_target_counts_as_met_only_when_two_consecutive_runs_meet_it(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    config = Config(["sqlite"])
    first = _report(config, 0.55, 0.58)
    _write(first, path)
    assert [m.met for m in first.measures[:2]] == [True, False]
    assert not any(m.confirmed for m in first.measures)
    assert first.met_once == [first.measures[0]]

    second = _report(config, 0.61, 0.64)
    text = _write(second, path)
    reads, commands = second.measures[:2]
    assert reads.confirmed and reads.previous_ratio == 0.55
    assert commands.met and not commands.confirmed and commands.previous_met is False
    assert second.met_once == [commands]
    # Both runs are in the report: this one's table, and the previous one's.
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    assert "| 0.55 (yes) |" in text and "| 0.58 (NO) |" in text
    assert "The previous run" in text

    third = _report(config, 0.40, 0.65)
    text = _write(third, path)
    assert [m.confirmed for m in third.measures[:2]] == [False, True]
    # Only one run back is kept: the first run's own table (no previous run of its own) is gone.
    assert text.count("The previous run") == 1
    assert "| 0.61 | 0.55 (yes) |" in text and "| 0.55 | — |" not in text


def test_runs_made_another_way_never_pair(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    _write(_report(Config(["sqlite"]), 0.7, 0.7), path)
    other_sizes = dataclasses.replace(Config(["sqlite"]), measure_s=9.0)
    later = _report(other_sizes, 0.7, 0.7)
    _write(later, path)
    assert not any(m.confirmed for m in later.measures)
    smoke = _report(Config.for_smoke(["sqlite"]), 0.7, 0.7)
    smoke.pair_with(path)
    assert smoke.previous is None and not any(m.confirmed for m in smoke.measures)


def test_runs_whose_mixed_rounds_differ_in_length_never_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "benchmarks.md"
    monkeypatch.setattr(bench.mixed, "SAMPLES_OF_THE_RAREST_CLASS", 100)
    _write(_report(Config(["sqlite"]), 0.7, 0.7), path)
    monkeypatch.setattr(bench.mixed, "SAMPLES_OF_THE_RAREST_CLASS", 300)
    longer = _report(Config(["sqlite"]), 0.7, 0.7)
    _write(longer, path)
    assert longer.previous is None and not any(m.confirmed for m in longer.measures)
