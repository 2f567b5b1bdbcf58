"""Innovation share in valid time: per municipality and year, procurements started and
contracted (count and value), how many are innovation procurements, and the network's totals.

The definition is `domain.innovation_share` (and docs/innovation-share.md): started in the
Stockholm year of the procurement decision, contracted in the year of the signing day, joint
procurements credited to the lead and each participant that joined (its own share of the value
where it stated one), the network counting each procurement once.

Each procurement's facts are kept in `share_procurements`; an event recomputes its credits and
moves the year rows by the difference, so edits, re-screenings and joins are never counted twice.
The needs' decisions to procure are kept in `share_need_decisions`, so a procurement started
for needs is dated by its needs' decisions without reading another view.

Every difference is also written to `share_changes` with the moment its event was recorded
(transaction time): adding up the changes recorded up to a moment gives the figures the record
showed then ("what the board saw on that date"), by the same definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from domain.innovation_share import (
    COUNTS,
    METRICS,
    NETWORK,
    VALUES,
    Credits,
    ShareFacts,
    add_credits,
    credits,
)
from eventstore.sql import Cursor
from projections.base import ProjectedEvent
from projections.db import Table
from projections.rows import Row, RowBuffer, write_rows
from projections.topics import (
    MUNICIPALITY_TARGET_ADOPTED,
    NEED_PROCUREMENT_DECIDED,
    PROCUREMENT_CONTRACT_SIGNED,
    PROCUREMENT_DECIDED,
    PROCUREMENT_EDITED,
    PROCUREMENT_PARTICIPATION_DECIDED,
    PROCUREMENT_SCREENED,
    PROCUREMENT_STARTED,
)
from projections.values import from_micros, micros, sek, stockholm_year
from projections.views.common import View

VIEW_NAME = "innovation_share_valid_time"
_METRICS_DDL = ", ".join(
    [f"{name} BIGINT NOT NULL" for name in COUNTS] + [f"{name} TEXT NOT NULL" for name in VALUES]
)
PROCUREMENT_COLUMNS = ("procurement_id", "lead", "need_ids", "started_year", "own_decision",
                       "estimated_value_sek", "innovation", "contracted_year",
                       "contract_value_sek", "partners")  # fmt: skip
PROCUREMENT_JSON = ("need_ids", "partners")

BY_MUNICIPALITY = Table(
    "share_by_municipality",
    f"municipality TEXT NOT NULL, year INTEGER NOT NULL, {_METRICS_DDL},"
    " PRIMARY KEY (municipality, year)",
    (("year", "year, municipality"),),
)
NETWORK_TABLE = Table("share_network", f"year INTEGER PRIMARY KEY, {_METRICS_DDL}")
PROCUREMENTS = Table(
    "share_procurements",
    "procurement_id TEXT PRIMARY KEY, lead TEXT NOT NULL, need_ids TEXT NOT NULL,"
    " started_year INTEGER, own_decision INTEGER NOT NULL,"
    " estimated_value_sek TEXT NOT NULL, innovation INTEGER NOT NULL,"
    " contracted_year INTEGER, contract_value_sek TEXT, partners TEXT NOT NULL",
)
NEED_DECISIONS = Table(
    "share_need_decisions", "need_id TEXT PRIMARY KEY, decided_at BIGINT NOT NULL"
)
TARGETS = Table(
    "share_targets",
    "municipality TEXT NOT NULL, year INTEGER NOT NULL, target_percent TEXT NOT NULL,"
    " measure TEXT NOT NULL, decided_at BIGINT NOT NULL, position BIGINT NOT NULL,"
    " PRIMARY KEY (municipality, year)",
)
TARGET_COLUMNS = ("municipality", "year", "target_percent", "measure", "decided_at", "position")
CHANGES = Table(
    "share_changes",
    f"position BIGINT NOT NULL, municipality TEXT NOT NULL, year INTEGER NOT NULL,"
    f" recorded_at BIGINT NOT NULL, {_METRICS_DDL}, PRIMARY KEY (position, municipality, year)",
    (("recorded", "recorded_at"),),
)


def facts_of(row: Row | None) -> ShareFacts | None:
    if row is None or row["started_year"] is None:
        return None
    return ShareFacts(
        lead=row["lead"],
        started_year=int(row["started_year"]),
        estimated_value_sek=Decimal(row["estimated_value_sek"]),
        innovation=bool(row["innovation"]),
        contracted_year=None if row["contracted_year"] is None else int(row["contracted_year"]),
        contract_value_sek=None
        if row["contract_value_sek"] is None
        else Decimal(row["contract_value_sek"]),
        partners=tuple(
            (name, None if share is None else Decimal(share)) for name, share in row["partners"]
        ),
    )


def _credits(row: Row | None) -> Credits:
    facts = facts_of(row)
    return {} if facts is None else credits(facts)


def empty_metrics() -> dict[str, Any]:
    return {**dict.fromkeys(COUNTS, 0), **dict.fromkeys(VALUES, "0.00")}


def add_metrics(row: Row, change: dict[str, Any]) -> None:
    for name, amount in change.items():
        if name in COUNTS:
            row[name] = int(row[name]) + amount
        else:
            row[name] = sek(Decimal(row[name]) + amount)


class InnovationShare(View):
    name = VIEW_NAME
    tables: ClassVar[tuple[Table, ...]] = (
        BY_MUNICIPALITY, NETWORK_TABLE, PROCUREMENTS, NEED_DECISIONS, TARGETS, CHANGES
    )  # fmt: skip
    topics: ClassVar[tuple[str, ...]] = (
        MUNICIPALITY_TARGET_ADOPTED,
        NEED_PROCUREMENT_DECIDED,
        PROCUREMENT_STARTED,
        PROCUREMENT_DECIDED,
        PROCUREMENT_EDITED,
        PROCUREMENT_SCREENED,
        PROCUREMENT_PARTICIPATION_DECIDED,
        PROCUREMENT_CONTRACT_SIGNED,
    )

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        procurements = RowBuffer(cursor, PROCUREMENTS.base + suffix, "procurement_id",
                                 PROCUREMENT_COLUMNS, json_columns=PROCUREMENT_JSON)
        decisions = RowBuffer(cursor, NEED_DECISIONS.base + suffix, "need_id",
                              ("need_id", "decided_at"))
        targets = [
            (e.audit["tenant"], int(e.data["year"]), sek(e.data["target_percent"]),
             e.data["measure"], micros(e.data["decision"]["decided_at"]), e.position)
            for e in events
            if e.topic == MUNICIPALITY_TARGET_ADOPTED
        ]
        # The latest adopted target of a year replaces an earlier one.
        latest = {(t[0], t[1]): t for t in targets}
        write_rows(cursor, TARGETS.base + suffix, TARGET_COLUMNS, list(latest.values()),
                   key=("municipality", "year"))
        events = [e for e in events if e.topic != MUNICIPALITY_TARGET_ADOPTED]
        procurement_events = [e for e in events if e.topic != NEED_PROCUREMENT_DECIDED]
        procurements.load(e.aggregate_id for e in procurement_events)
        decisions.load(
            need_id
            for e in procurement_events
            if e.topic == PROCUREMENT_STARTED
            for need_id in _needs_addressed(e.data)
        )
        net: Credits = {}
        changes: list[tuple[Any, ...]] = []
        for event in events:
            if event.topic == NEED_PROCUREMENT_DECIDED:
                decided_at = micros(event.data["decision"]["decided_at"])
                decisions.put({"need_id": event.aggregate_id, "decided_at": decided_at})
                continue
            row = procurements.get(event.aggregate_id)
            changed = _apply(row, event, decisions)
            if changed is None:
                continue
            difference: Credits = {}
            add_credits(difference, _credits(row), -1)
            add_credits(difference, _credits(changed))
            procurements.put(changed)
            for (municipality, year), change in sorted(difference.items()):
                change = {metric: amount for metric, amount in change.items() if amount}
                if not change:
                    continue
                add_credits(net, {(municipality, year): change})
                changes.append(
                    (event.position, municipality, year, micros(event.recorded_at),
                     *(_column(metric, change.get(metric, 0)) for metric in METRICS))
                )
        write_rows(cursor, CHANGES.base + suffix,
                   ("position", "municipality", "year", "recorded_at", *METRICS), changes)
        self._move_totals(cursor, suffix, net)
        procurements.flush()
        decisions.flush()

    @staticmethod
    def _move_totals(cursor: Cursor, suffix: str, net: Credits) -> None:
        changes = {
            key: {metric: amount for metric, amount in change.items() if amount}
            for key, change in net.items()
        }
        changes = {key: change for key, change in changes.items() if change}
        if not changes:
            return
        by_municipality = RowBuffer(cursor, BY_MUNICIPALITY.base + suffix,
                                    ("municipality", "year"), ("municipality", "year", *METRICS))
        network = RowBuffer(cursor, NETWORK_TABLE.base + suffix, "year", ("year", *METRICS))
        by_municipality.load(key for key in changes if key[0] != NETWORK)
        network.load(year for municipality, year in changes if municipality == NETWORK)
        for (municipality, year), change in changes.items():
            key: Any
            if municipality == NETWORK:
                buffer, key = network, year
                row = network.get(year) or {"year": year, **empty_metrics()}
            else:
                buffer, key = by_municipality, (municipality, year)
                row = by_municipality.get(key) or {
                    "municipality": municipality, "year": year, **empty_metrics()
                }
            add_metrics(row, change)
            # A year left with nothing in it (a procurement moved to another year) goes.
            if any(Decimal(row[metric]) for metric in METRICS):
                buffer.put(row)
            else:
                buffer.delete(key)
        by_municipality.flush()
        network.flush()


def _column(metric: str, amount: Any) -> Any:
    return int(amount) if metric in COUNTS else sek(amount)


def _needs_addressed(started: dict[str, Any]) -> list[str]:
    """The lead's own needs and those proposed to their owners (who bring them in by joining):
    a procurement born from needs starts in the year of their decisions to procure, whoever
    owns them."""
    proposed = started.get("proposed_need_ids") or {}
    return [*started["need_ids"], *(n for ids in proposed.values() for n in ids)]


def _apply(row: Row | None, event: ProjectedEvent, decisions: RowBuffer) -> Row | None:
    data = event.data
    if event.topic == PROCUREMENT_STARTED:
        needs = _needs_addressed(data)
        decided = [
            found["decided_at"]
            for need_id in needs
            if (found := decisions.get(need_id)) is not None
        ]
        # Started in the year of its needs' (latest) decision to procure. A registered
        # procurement's own decision follows in the same transaction: until then it counts
        # nowhere.
        if decided:
            started_year: int | None = stockholm_year(from_micros(max(decided)))
        elif needs:
            started_year = stockholm_year(event.recorded_at)  # needs decided before any view
        else:
            started_year = None
        return {
            "procurement_id": event.aggregate_id,
            "lead": data["lead"],
            "need_ids": needs,
            "started_year": started_year,
            "own_decision": 0,
            "estimated_value_sek": sek(data["estimated_value_sek"]),
            "innovation": 0,
            "contracted_year": None,
            "contract_value_sek": None,
            "partners": [],
        }
    if row is None:
        raise LookupError(f"{VIEW_NAME}: unknown procurement {event.originator_id}")
    if event.topic == PROCUREMENT_DECIDED:
        decided_at: datetime = data["decision"]["decided_at"]
        return {**row, "started_year": stockholm_year(decided_at), "own_decision": 1}
    if event.topic == PROCUREMENT_EDITED:
        if "estimated_value_sek" not in data["changes"]:
            return None
        return {**row, "estimated_value_sek": sek(data["changes"]["estimated_value_sek"])}
    if event.topic == PROCUREMENT_SCREENED:
        return {**row, "innovation": int(bool(data["innovation"]))}
    if event.topic == PROCUREMENT_PARTICIPATION_DECIDED:
        decision = data["decision"]
        others = [p for p in row["partners"] if p[0] != decision["municipality"]]
        if decision["type"] == "join":
            share = decision.get("value_share_percent")
            return {**row, "partners": [*others, [decision["municipality"],
                                                  None if share is None else sek(share)]]}
        if decision["type"] == "withdraw":
            return {**row, "partners": others}
        return None
    signed_on: date = data["signed_on"]
    return {
        **row,
        "contracted_year": signed_on.year,
        "contract_value_sek": sek(data["contract_value_sek"]),
    }
