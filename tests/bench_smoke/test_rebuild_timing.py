"""The rebuild measure: each side's median time over the repeats counts, view by view, so that
one slow minute of a shared machine in one repeat is not the whole measure."""

from __future__ import annotations

from bench.rebuild import rebuild_timing


def _read(seconds: float) -> dict[str, float]:
    return {"head": 1000, "seconds": seconds, "peak_rss_mb": 40.0}


def _build(views: dict[str, float], one_pass: float | None = None) -> dict[str, object]:
    build: dict[str, object] = {"views": views, "peak_rss_mb": 60.0, "rss_open_mb": 30.0}
    if one_pass is not None:
        build["seconds"] = one_pass
    return build


def test_a_view_slow_in_one_of_two_repeats_counts_at_its_median():
    timing = rebuild_timing(
        [_read(19.0), _read(21.0)],
        [
            _build({"decision_log": 35.4, "tenant_index": 20.0}, one_pass=85.0),
            _build({"decision_log": 29.6, "tenant_index": 22.0}),
        ],
    )
    assert timing.read_seconds == 20.0
    assert timing.views_seconds == {"decision_log": 32.5, "tenant_index": 21.0}


def test_the_one_pass_counts_only_where_it_was_measured():
    timing = rebuild_timing(
        [_read(19.0), _read(19.0)],
        [_build({"decision_log": 30.0}, one_pass=85.0), _build({"decision_log": 30.0})],
    )
    assert timing.one_pass_seconds == 85.0


def test_with_five_repeats_each_side_takes_its_middle_value():
    reads = [_read(s) for s in (10.0, 30.0, 11.0, 12.0, 13.0)]
    builds = [_build({"v": s}, one_pass=s * 3) for s in (20.0, 21.0, 60.0, 22.0, 23.0)]
    timing = rebuild_timing(reads, builds)
    assert (timing.read_seconds, timing.views_seconds["v"], timing.one_pass_seconds) == (
        12.0,
        22.0,
        66.0,
    )
