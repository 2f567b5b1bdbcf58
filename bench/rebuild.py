"""§8: a full projection rebuild runs at ≥ 0.5 × the rate of merely reading and decoding the same
events, in constant memory (RSS grows < 50 MB from 100 k to 1 M events).

On the medium and the large generated store (100 k and 1 M events in the full run), each in a
child process of its own so that its peak RSS (`ru_maxrss`) is its own:

* baseline — read + decode: every event selected in batches of 1 000, the way the projections
  read the log (`eventstore.log.select_stored`), and decoded into its domain event by the
  application's mapper (`bench.network_generator.read_and_decode`), the least a rebuild does;
* ours — `projections.rebuild.rebuild()` of each of the six views, one after the other (new
  tables filled from position 0, then swapped in), and then `rebuild_many()` of all six in one
  pass over the log (what `innoledger projections rebuild` without a name does).

Rates are events in the log per second. The row with the target is the slowest view (each
view's rebuild must keep up); all six in one pass is shown for information. Memory: the peak RSS
(VmHWM) of each child, and its growth from the medium to the large store. At the medium size the
pair is measured `rounds` times, alternately; at the large size twice, the second time without
the one pass (it alone takes longer than the six views together). Each side's median time
counts, view by view: at the large size, one slow minute of a shared machine in a 30-second
rebuild is otherwise the whole measure.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench.context import Context, size_label
from bench.loadgen import Tally, Task, Window, run_parallel
from bench.results import HIGHER, LOWER, Measure
from bench.stores import Store, settings_from_json, settings_to_json

TARGET = 0.5
RSS_TARGET_MB = 50.0
BATCH_SIZE = 1000


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_rss_mb() -> float:
    """This process's own high-water mark. Not ru_maxrss: Linux keeps that across fork and
    exec, so a child started by a big parent would report the parent's size."""
    peak = _status_mb("VmHWM")
    if peak is not None:
        return peak
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """Runs in its own process: one mode on one store; returns timings and memory."""
    from bench.network_generator import read_and_decode
    from service.innoledger import Innoledger

    app = Innoledger(settings_from_json(spec["settings"]))
    try:
        head = app.recorder.max_notification_id() or 0
        rss_open = _status_mb("VmRSS") or 0.0
        result: dict[str, Any] = {"head": head, "rss_open_mb": rss_open}
        if spec["mode"] == "read":
            count, seconds = read_and_decode(app, BATCH_SIZE)
            result.update(events=count, seconds=seconds)
        else:
            from projections.rebuild import rebuild, rebuild_many
            from projections.registry import all_projections

            views: dict[str, float] = {}
            for projection in all_projections():
                started = time.perf_counter()
                rebuild(app, projection, batch_size=BATCH_SIZE)
                views[projection.name] = time.perf_counter() - started
            result["views"] = views
            if spec.get("one_pass", True):
                started = time.perf_counter()
                rebuild_many(app, all_projections(), batch_size=BATCH_SIZE)
                result["seconds"] = time.perf_counter() - started
        result["peak_rss_mb"] = _peak_rss_mb()
        return result
    finally:
        app.close()


@dataclass(frozen=True)
class RebuildTiming:
    """The median of each side over the repeats: read + decode, each view, the one pass."""

    head: int
    read_seconds: float
    views_seconds: dict[str, float]
    one_pass_seconds: float


def rebuild_timing(reads: list[dict[str, Any]], builds: list[dict[str, Any]]) -> RebuildTiming:
    return RebuildTiming(
        head=reads[0]["head"],
        read_seconds=statistics.median(r["seconds"] for r in reads),
        views_seconds={
            name: statistics.median(b["views"][name] for b in builds) for name in builds[0]["views"]
        },
        one_pass_seconds=statistics.median(b["seconds"] for b in builds if "seconds" in b),
    )


@dataclass
class ChildTask(Task):
    """One mode on one store, in a process of its own (forked from the load generator's server
    process, which has the service imported: its peak RSS is this measure's alone)."""

    spec: dict[str, Any]

    def run(self, state: Any, start: float, window: Window) -> Tally:
        tally = Tally()
        tally.info.update(child(self.spec))
        return tally


def run_child(mode: str, store: Store, *, one_pass: bool = True) -> dict[str, Any]:
    spec = {"mode": mode, "settings": settings_to_json(store.settings), "one_pass": one_pass}
    tally = run_parallel([ChildTask(spec)], Window(0.0, 0.0), timeout_s=4 * 3600)
    return dict(tally.info)


def measure(ctx: Context) -> None:
    sizes = sorted({ctx.config.sizes.medium, ctx.config.sizes.large})
    peaks: dict[int, tuple[float, float]] = {}
    for events in sizes:
        label = size_label(events)
        store = ctx.network(events)
        # Alternate the two as often as `rounds` says where that is affordable; the large store
        # twice, its second rebuild view by view only.
        repeats = ctx.config.rounds if events < ctx.config.sizes.large else 2
        reads: list[dict[str, Any]] = []
        builds: list[dict[str, Any]] = []
        for repeat in range(repeats):
            one_pass = events < ctx.config.sizes.large or repeat == 0
            ctx.say(f"rebuild {label}: read + decode ({store.events:,} events)")
            reads.append(run_child("read", store))
            ctx.say(
                f"rebuild {label}: rebuild of each view"
                + (", then of all six in one pass" if one_pass else "")
            )
            builds.append(run_child("rebuild", store, one_pass=one_pass))
        timing = rebuild_timing(reads, builds)
        head, views = timing.head, timing.views_seconds
        read_peak_mb = max(r["peak_rss_mb"] for r in reads)
        build_peak_mb = max(b["peak_rss_mb"] for b in builds)
        read_rate = head / timing.read_seconds
        slowest = max(views, key=views.__getitem__)
        slowest_rate = head / views[slowest]
        all_rate = head / timing.one_pass_seconds
        row = Measure(
            group="rebuild",
            key=f"rebuild.{label}.slowest_view",
            database=ctx.db,
            name=f"rebuild {label}: slowest view ({slowest}) vs read+decode",
            unit="ev/s",
            ours=slowest_rate,
            baseline=read_rate,
            ratio=slowest_rate / read_rate,
            target=f"≥ {TARGET}",
            details={
                "events": head,
                "repeats": repeats,
                "read_decode_seconds": timing.read_seconds,
                "read_decode_seconds_by_repeat": [r["seconds"] for r in reads],
                "slowest_view_seconds_by_repeat": [b["views"][slowest] for b in builds],
                "views_seconds": views,
                "ratios": {name: (head / s) / read_rate for name, s in views.items()},
            },
        )
        row.judge(row.ratio, HIGHER, TARGET)
        ctx.add(row)
        ctx.add(
            Measure(
                group="rebuild",
                key=f"rebuild.{label}.all_views",
                database=ctx.db,
                name=f"  rebuild {label}: all six views in one pass",
                unit="ev/s",
                ours=all_rate,
                baseline=read_rate,
                ratio=all_rate / read_rate,
                details={
                    "one_pass_seconds": timing.one_pass_seconds,
                    "one_after_another_seconds": sum(views.values()),
                },
            )
        )
        ctx.add(
            Measure(
                group="rebuild",
                key=f"rebuild.{label}.peak_rss",
                database=ctx.db,
                name=f"  peak RSS at {label}: rebuild vs read+decode",
                unit="MB",
                ours=build_peak_mb,
                baseline=read_peak_mb,
                ratio=build_peak_mb / read_peak_mb,
                details={"rss_after_open_mb": builds[0]["rss_open_mb"]},
            )
        )
        peaks[events] = (build_peak_mb, read_peak_mb)
    if len(sizes) == 2:
        low, high = sizes
        growth = peaks[high][0] - peaks[low][0]
        base_growth = peaks[high][1] - peaks[low][1]
        row = Measure(
            group="rebuild",
            key="rebuild.rss_growth",
            database=ctx.db,
            name=f"rebuild peak RSS growth {size_label(low)} → {size_label(high)}",
            unit="MB",
            ours=growth,
            baseline=base_growth,
            target=f"< {RSS_TARGET_MB:g} MB",
        )
        row.judge(growth, LOWER, RSS_TARGET_MB)
        ctx.add(row)


if __name__ == "__main__":
    print(json.dumps(child(json.loads(sys.stdin.read()))))
