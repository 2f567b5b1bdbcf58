"""Candidate fixes, applied as patches in every process of a run, to measure what a change to the
service would gain before making it: INNOLEDGER_BENCH_VARIANTS=name[,name...].

The benchmark measures the service as it is unless this variable is set; a run with variants
says so in its report. Each patch mirrors a change described in docs/benchmarks.md:

* no-pre-ping — PostgreSQL connections are not pinged at every checkout of the pool (a round
  trip per transaction); a dead connection still fails over through the retry on
  OperationalError.

Earlier candidates (plain-loop replay, one municipality load per request, the ledger's minimum
interval between batches) are part of the service now.
"""

from __future__ import annotations

import os
from typing import Any

ENV = "INNOLEDGER_BENCH_VARIANTS"
KNOWN = ("no-pre-ping",)
_applied: set[str] = set()


def active() -> tuple[str, ...]:
    names = tuple(v.strip() for v in os.environ.get(ENV, "").split(",") if v.strip())
    unknown = [n for n in names if n not in KNOWN]
    if unknown:
        raise ValueError(f"{ENV}: unknown {', '.join(unknown)}; known: {', '.join(KNOWN)}")
    return names


def apply() -> tuple[str, ...]:
    names = active()
    for name in names:
        if name not in _applied:
            _PATCHES[name]()
            _applied.add(name)
    return names


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


_PATCHES = {
    "no-pre-ping": _no_pre_ping,
}
