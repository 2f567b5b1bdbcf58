"""§8: history and as-of reads cost the same in a store of 1 M events as in one of 10 k (ratio
≤ 1.5); an aggregate with 10 k events loads in ≤ 5 ms (snapshots).

History and as-of: in the small and the large generated store, the same number of procurements
with the same number of events each, picked across the whole log; each read through the audit
service functions an auditor's request calls (`HistoryReader.page`, first page, computed anew
each time rather than answered from what the process kept of an earlier read; `state_as_of` at
the moment of the aggregate's middle event), timed one at a time; the median counts. Ratio = the
large store's median / the small store's.

Long aggregate: a need with `small` + 49 events (so 49 are replayed after the last snapshot: the
worst case of the snapshot interval of 50) saved 50 events per save in a fresh store; ours is
`repository.get()` (snapshot + the events after it) with the aggregate cache off, the baseline
the same load replaying every event without the snapshot store. The target bounds ours (≤ 5 ms);
the ratio is ours / replay. A load answered by the aggregate cache is in the details.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from uuid import UUID

from bench.context import Context, size_label
from bench.results import LOWER, Measure
from bench.stores import Store

TARGET_RATIO = 1.5
TARGET_LOAD_MS = 5.0
STARTED = "innoledger:Procurement.Started"
SAMPLES = 20
SNAPSHOT_TAIL = 49


def _timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _candidates(app: Any, count: int) -> list[UUID]:
    """Procurements started at evenly spread positions of the log."""
    head = app.recorder.max_notification_id() or 0
    found: list[UUID] = []
    seen: set[UUID] = set()
    for index in range(count):
        start = 1 + index * max(head // count, 1)
        batch = app.recorder.select_notifications(start=start, limit=1, topics=[STARTED])
        if batch and batch[0].originator_id not in seen:
            seen.add(batch[0].originator_id)
            found.append(batch[0].originator_id)
    return found


def _versions(app: Any, ids: list[UUID]) -> dict[UUID, int]:
    from eventstore.eventlog import EventLog

    log = EventLog(app.recorder)
    versions = {}
    for aggregate_id in ids:
        latest = log.events_of(aggregate_id, desc=True, limit=1)
        if latest:
            versions[aggregate_id] = latest[0].originator_version
    return versions


def pick_samples(small_app: Any, large_app: Any, count: int) -> tuple[int, list[UUID], list[UUID]]:
    """The commonest version among the small store's procurements, and up to `count`
    procurements with exactly that many events in each store."""
    small = _versions(small_app, _candidates(small_app, count * 4))
    if not small:
        raise RuntimeError("no procurements in the small store")
    version = statistics.mode(small.values())
    large = _versions(large_app, _candidates(large_app, count * 8))
    pick_small = [a for a, v in small.items() if v == version][:count]
    pick_large = [a for a, v in large.items() if v == version][:count]
    if not pick_large:
        raise RuntimeError(f"no procurement with {version} events in the large store")
    return version, pick_small, pick_large


def _middle_moment(app: Any, aggregate_id: UUID, version: int) -> Any:
    return app.repository.get(aggregate_id, version=max(1, version // 2)).modified_on


def time_reads(app: Any, samples: list[UUID], version: int, repeats: int) -> dict[str, float]:
    """Median seconds of a history page and of an as-of read over the samples."""
    from bench.fixtures import PLATFORM_AUDITOR
    from service.audit.as_of import state_as_of
    from service.audit.history import HistoryReader

    # Every page computed anew: what a page costs in each store, not a page the process kept.
    reader = HistoryReader(app, remember=False)
    moments = {a: _middle_moment(app, a, version) for a in samples}
    history: list[float] = []
    as_of: list[float] = []
    for round_ in range(repeats + 1):  # the first round warms caches and is not counted
        for aggregate_id in samples:
            oid = str(aggregate_id)
            h = _timed(partial(reader.page, PLATFORM_AUDITOR, "procurement", oid))
            moment = moments[aggregate_id]
            a = _timed(partial(state_as_of, app, PLATFORM_AUDITOR, "procurement", oid, moment))
            if round_:
                history.append(h)
                as_of.append(a)
    return {"history": statistics.median(history), "as_of": statistics.median(as_of)}


def long_aggregate(store: Store, events: int) -> tuple[Any, UUID]:
    """A need with `events` events, saved 50 at a time (snapshots every 50)."""
    from bench.fixtures import setup_tenant
    from domain.audit import acting_as

    app = store.open()
    tenant = setup_tenant(app, "bench-long", needs=1)
    need_id = UUID(tenant.need_ids[0])
    need = app.repository.get(need_id)
    with acting_as(tenant.actor):
        while need.version < events:
            need.edit(title="Titel A" if need.title != "Titel A" else "Titel B")
            if need.version % 50 == 0:
                app.save(need)
        app.save(need)
    return app, need_id


def measure_long(ctx: Context) -> None:
    import dataclasses

    from eventsourcing.application import Repository

    from service.innoledger import Innoledger

    events = ctx.config.sizes.small + SNAPSHOT_TAIL
    store = ctx.database.fresh("long-aggregate")
    ctx.say(f"audit: a need with {events:,} events")
    app, need_id = long_aggregate(store, events)
    # The measure is a load from the store (snapshot + the events after it): the service's
    # aggregate cache would otherwise answer from memory. The cached load is shown beside it.
    cold = Innoledger(dataclasses.replace(store.settings, aggregate_cache_size=0))
    try:
        replay = Repository(event_store=app.events)  # no snapshot store: replays every event
        assert cold.repository.get(need_id).version == events
        loads = [_timed(lambda: cold.repository.get(need_id)) for _ in range(10 + 50)][10:]
        cached = [_timed(lambda: app.repository.get(need_id)) for _ in range(10 + 50)][10:]
        replays = [_timed(lambda: replay.get(need_id)) for _ in range(1 + ctx.config.repeats)][1:]
    finally:
        cold.close()
        app.close()
    ours_ms = statistics.median(loads) * 1000
    base_ms = statistics.median(replays) * 1000
    row = Measure(
        group="audit",
        key="audit.long_aggregate_load",
        database=ctx.db,
        name=f"load a need of {size_label(ctx.config.sizes.small)} events vs full replay",
        unit="ms",
        ours=ours_ms,
        baseline=base_ms,
        ratio=ours_ms / base_ms,
        target=f"≤ {TARGET_LOAD_MS:g} ms",
        details={
            "events": events,
            "snapshot_interval": 50,
            "from_the_aggregate_cache_ms": statistics.median(cached) * 1000,
        },
    )
    row.judge(ours_ms, LOWER, TARGET_LOAD_MS)
    ctx.add(row)


def measure(ctx: Context) -> None:
    sizes = ctx.config.sizes
    small_store = ctx.fresh_network(sizes.small, "audit-small")
    large_store = ctx.network(sizes.large)
    small_app, large_app = small_store.open(), large_store.open()
    try:
        version, small_ids, large_ids = pick_samples(small_app, large_app, SAMPLES)
        ctx.say(
            f"audit: history and as-of of {len(small_ids)} + {len(large_ids)} procurements"
            f" of {version} events"
        )
        repeats = max(ctx.config.repeats, 1)
        small = time_reads(small_app, small_ids, version, repeats)
        large = time_reads(large_app, large_ids, version, repeats)
    finally:
        small_app.close()
        large_app.close()
    ctx.shared["audit.as_of_ms_large"] = large["as_of"] * 1000
    ctx.shared["audit.as_of_store_events"] = large_store.events
    for kind, label in (("history", "history page"), ("as_of", "as-of read")):
        ours, base = large[kind] * 1000, small[kind] * 1000
        row = Measure(
            group="audit",
            key=f"audit.{kind}",
            database=ctx.db,
            name=f"{label}: {size_label(sizes.large)} store vs {size_label(sizes.small)} store",
            unit="ms",
            ours=ours,
            baseline=base,
            ratio=ours / base,
            target=f"≤ {TARGET_RATIO}",
            details={"aggregate_events": version, "samples": [len(small_ids), len(large_ids)]},
        )
        row.judge(row.ratio, LOWER, TARGET_RATIO)
        ctx.add(row)
    measure_long(ctx)
