"""Innovation share: per municipality and year, procurements started and contracted (count and
value), how many of them are innovation procurements, and the network's totals beside them.

* Year: the Stockholm calendar year of the event's timestamp (Procurement.Started for
  "started", Procurement.ContractSigned for "contracted").
* Value: the current estimated value for started procurements (edits while planning count),
  the contract value for contracted ones; SEK as Decimal strings, summed in Python, never in SQL
  (SQLite would sum text as floats).
* Innovation: the latest screening decision (every procurement is screened; one not screened
  yet counts as not innovation).
* Joint procurements count once, for the lead: the lead runs the procurement and takes its
  decisions, and counting participants too would count the same procurement several times in
  the network total.

Each procurement's contribution is kept in `innovation_share_procurements`; an event recomputes
it and moves the year rows by the difference, so edits and re-screenings are never counted twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

from projections.base import ProjectedEvent
from projections.db import Table
from projections.rows import Row, RowBuffer
from projections.topics import (
    PROCUREMENT_CONTRACT_SIGNED,
    PROCUREMENT_EDITED,
    PROCUREMENT_SCREENED,
    PROCUREMENT_STARTED,
)
from projections.values import sek, stockholm_year
from projections.views.common import View
from service.storage.sql import Cursor

COUNTS = ("started_count", "started_innovation_count", "contracted_count",
          "contracted_innovation_count")
VALUES = ("started_value_sek", "started_innovation_value_sek", "contracted_value_sek",
          "contracted_innovation_value_sek")
METRICS = COUNTS + VALUES
_METRICS_DDL = ", ".join(
    [f"{name} BIGINT NOT NULL" for name in COUNTS] + [f"{name} TEXT NOT NULL" for name in VALUES]
)
PROCUREMENT_COLUMNS = ("procurement_id", "lead", "started_year", "estimated_value_sek",
                       "innovation", "contracted_year", "contract_value_sek")

BY_MUNICIPALITY = Table(
    "innovation_share",
    f"municipality TEXT NOT NULL, year INTEGER NOT NULL, {_METRICS_DDL},"
    " PRIMARY KEY (municipality, year)",
    (("year", "year, municipality"),),
)
NETWORK = Table("innovation_share_network", f"year INTEGER PRIMARY KEY, {_METRICS_DDL}")
PROCUREMENTS = Table(
    "innovation_share_procurements",
    "procurement_id TEXT PRIMARY KEY, lead TEXT NOT NULL, started_year INTEGER NOT NULL,"
    " estimated_value_sek TEXT NOT NULL, innovation INTEGER NOT NULL,"
    " contracted_year INTEGER, contract_value_sek TEXT",
)

Contribution = dict[tuple[str, int], dict[str, Any]]


def contribution(procurement: Row | None) -> Contribution:
    """What one procurement adds to the year rows, keyed by (municipality, year)."""
    if procurement is None:
        return {}
    lead = procurement["lead"]
    innovation = bool(procurement["innovation"])
    out: Contribution = defaultdict(dict)
    started = out[(lead, procurement["started_year"])]
    value = Decimal(procurement["estimated_value_sek"])
    started.update(started_count=1, started_value_sek=value)
    if innovation:
        started.update(started_innovation_count=1, started_innovation_value_sek=value)
    if procurement["contracted_year"] is not None:
        contracted = out[(lead, procurement["contracted_year"])]
        amount = Decimal(procurement["contract_value_sek"])
        contracted.update(contracted_count=1, contracted_value_sek=amount)
        if innovation:
            contracted.update(
                contracted_innovation_count=1, contracted_innovation_value_sek=amount
            )
    return dict(out)


def empty_metrics() -> dict[str, Any]:
    return {**dict.fromkeys(COUNTS, 0), **dict.fromkeys(VALUES, "0.00")}


def add_metrics(row: Row, change: dict[str, Any]) -> None:
    for name, amount in change.items():
        if name in COUNTS:
            row[name] = int(row[name]) + amount
        else:
            row[name] = sek(Decimal(row[name]) + amount)


class InnovationShare(View):
    name = "innovation_share"
    tables: ClassVar[tuple[Table, ...]] = (BY_MUNICIPALITY, NETWORK, PROCUREMENTS)
    topics: ClassVar[tuple[str, ...]] = (
        PROCUREMENT_STARTED,
        PROCUREMENT_EDITED,
        PROCUREMENT_SCREENED,
        PROCUREMENT_CONTRACT_SIGNED,
    )

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        procurements = RowBuffer(cursor, PROCUREMENTS.base + suffix, "procurement_id",
                                 PROCUREMENT_COLUMNS)
        procurements.load(event.aggregate_id for event in events)
        before: dict[str, Contribution] = {}
        for event in events:
            procurement_id = event.aggregate_id
            if procurement_id not in before:
                before[procurement_id] = contribution(procurements.get(procurement_id))
            row = procurements.get(procurement_id)
            changed = _apply(row, event)
            if changed is not None:
                procurements.put(changed)
        net: Contribution = defaultdict(dict)
        for procurement_id, old in before.items():
            for sign, part in ((-1, old), (1, contribution(procurements.get(procurement_id)))):
                for key, change in part.items():
                    for metric, amount in change.items():
                        net[key][metric] = net[key].get(metric, 0) + sign * amount
        self._move_totals(cursor, suffix, net)
        procurements.flush()

    @staticmethod
    def _move_totals(cursor: Cursor, suffix: str, net: Contribution) -> None:
        changes = {
            key: {metric: amount for metric, amount in change.items() if amount}
            for key, change in net.items()
        }
        changes = {key: change for key, change in changes.items() if change}
        if not changes:
            return
        by_municipality = RowBuffer(cursor, BY_MUNICIPALITY.base + suffix,
                                    ("municipality", "year"), ("municipality", "year", *METRICS))
        network = RowBuffer(cursor, NETWORK.base + suffix, "year", ("year", *METRICS))
        by_municipality.load(changes)
        network.load({year for _, year in changes})
        for (municipality, year), change in changes.items():
            row = by_municipality.get((municipality, year)) or {
                "municipality": municipality, "year": year, **empty_metrics()
            }
            add_metrics(row, change)
            by_municipality.put(row)
            total = network.get(year) or {"year": year, **empty_metrics()}
            add_metrics(total, change)
            network.put(total)
        by_municipality.flush()
        network.flush()


def _apply(row: Row | None, event: ProjectedEvent) -> Row | None:
    data = event.data
    if event.topic == PROCUREMENT_STARTED:
        return {
            "procurement_id": event.aggregate_id,
            "lead": data["lead"],
            "started_year": stockholm_year(event.recorded_at),
            "estimated_value_sek": sek(data["estimated_value_sek"]),
            "innovation": 0,
            "contracted_year": None,
            "contract_value_sek": None,
        }
    if row is None:
        raise LookupError(f"innovation_share: unknown procurement {event.originator_id}")
    if event.topic == PROCUREMENT_EDITED:
        if "estimated_value_sek" not in data["changes"]:
            return None
        return {**row, "estimated_value_sek": sek(data["changes"]["estimated_value_sek"])}
    if event.topic == PROCUREMENT_SCREENED:
        return {**row, "innovation": int(bool(data["innovation"]))}
    return {
        **row,
        "contracted_year": stockholm_year(event.recorded_at),
        "contract_value_sek": sek(data["contract_value_sek"]),
    }
