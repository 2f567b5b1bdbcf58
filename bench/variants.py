"""Candidate fixes, applied as patches in every process of a run, to measure what a change to the
service would gain before making it: INNOLEDGER_BENCH_VARIANTS=name[,name...].

The benchmark measures the service as it is unless this variable is set; a run with variants
says so in its report. Each patch mirrors a change described in docs/benchmarks.md:

* fast-projector — the service's repository replays events with a plain loop instead of
  eventsourcing's default projector, whose `assert isinstance(event, CanMutateProtocol)` (a
  runtime-checkable Protocol: slow on Python 3.11) runs once per replayed event;
* request-cache — within one HTTP request the caller's municipality is loaded once (the
  authentication's live-roles lookup and the use case's own-municipality check share it);
* no-pre-ping — PostgreSQL connections are not pinged at every checkout of the pool (a round
  trip per transaction); a dead connection still fails over through the retry on
  OperationalError;
* ledger-interval — the ledger's runner waits at least 100 ms between batches, so under load it
  appends larger batches (fewer transactions, fsyncs and signatures per event).
"""

from __future__ import annotations

import os
from typing import Any

ENV = "INNOLEDGER_BENCH_VARIANTS"
KNOWN = ("fast-projector", "request-cache", "no-pre-ping", "ledger-interval")
_applied: set[str] = set()


def active() -> tuple[str, ...]:
    names = tuple(v.strip() for v in os.environ.get(ENV, "").split(",") if v.strip())
    unknown = [n for n in names if n not in KNOWN]
    if unknown:
        raise ValueError(f"{ENV}: unknown {', '.join(unknown)}; known: {', '.join(KNOWN)}")
    return names


def ledger_min_interval_s() -> float:
    return 0.1 if "ledger-interval" in active() else 0.0


def apply() -> tuple[str, ...]:
    names = active()
    for name in names:
        if name not in _applied:
            _PATCHES[name]()
            _applied.add(name)
    return names


def _fast_projector() -> None:
    from eventsourcing.application import Application, Repository

    from service.application import BaseApplication

    def project(aggregate: Any, events: Any) -> Any:
        for event in events:
            aggregate = event.mutate(aggregate)
        return aggregate

    class PlainLoopRepository(Repository):
        def get(self, aggregate_id: Any, *, version: int | None = None, **kwargs: Any) -> Any:
            kwargs.setdefault("projector_func", project)
            return super().get(aggregate_id, version=version, **kwargs)

    def construct_repository(self: Any) -> Any:
        repository = Application.construct_repository(self)
        repository.__class__ = PlainLoopRepository
        return repository

    BaseApplication.construct_repository = construct_repository  # type: ignore[method-assign]


def _request_cache() -> None:
    from flask import g, has_request_context

    from service.application import BaseApplication

    original = BaseApplication._municipality_by_slug

    def municipality_by_slug(self: Any, slug: str) -> Any:
        if not has_request_context():
            return original(self, slug)
        loaded = g.setdefault("bench_municipalities", {})
        if slug not in loaded:
            loaded[slug] = original(self, slug)
        return loaded[slug]

    BaseApplication._municipality_by_slug = municipality_by_slug  # type: ignore[method-assign]


def _no_pre_ping() -> None:
    import service.application
    from service.storage import eventstore_env

    original = eventstore_env.eventsourcing_env

    def without_pre_ping(settings: Any) -> dict[str, str]:
        env = original(settings)
        env.pop("POSTGRES_PRE_PING", None)
        return env

    eventstore_env.eventsourcing_env = without_pre_ping
    service.application.eventsourcing_env = without_pre_ping


def _nothing() -> None:
    """Read where it matters (`ledger_min_interval_s`)."""


_PATCHES = {
    "fast-projector": _fast_projector,
    "request-cache": _request_cache,
    "no-pre-ping": _no_pre_ping,
    "ledger-interval": _nothing,
}
