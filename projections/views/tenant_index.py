"""Tenant index: the lists behind GET /needs and GET /procurements.

A municipality lists the needs it owns or co-owns, and the procurements it leads or was
invited to (in any participation status, as the access policy lets it see them), each with the
status, title and current version the client needs for If-Match. Membership rows
(`tenant_need_members`, `tenant_procurement_members`) carry the list order per municipality.

Most events only move the version (SWOT items, workshops, bids, facts) or the status (their
topic says which): the view reads nothing but their envelope for those, so the runner never
decodes them, which keeps this view's rebuild cheap although it reads most of the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from domain.lifecycle import need_status_after, procurement_status_after
from eventstore.sql import Cursor
from projections.base import ProjectedEvent
from projections.db import Table
from projections.rows import Row, RowBuffer
from projections.topics import (
    NEED_ATTACHED,
    NEED_CO_OWNER_JOINED,
    NEED_EDITED,
    NEED_IDENTIFIED,
    NEED_RELEASED,
    NEED_SHARED,
    NEED_TOPICS,
    NEED_UNSHARED,
    PROCUREMENT_EDITED,
    PROCUREMENT_PARTICIPANT_INVITED,
    PROCUREMENT_PARTICIPATION_DECIDED,
    PROCUREMENT_PROCEDURE_CHOSEN,
    PROCUREMENT_SCREENED,
    PROCUREMENT_STARTED,
    PROCUREMENT_TOPICS,
)
from projections.values import from_json, sek, to_json
from projections.views.common import View, participants_after

NEED_COLUMNS = ("need_id", "seq", "owner", "co_owners", "title", "status", "visibility",
                "innovation_area_id", "procurement_id", "version")
PROCUREMENT_COLUMNS = ("procurement_id", "seq", "lead", "title", "status", "procedure",
                       "innovation", "estimated_value_sek", "participants", "version")
MEMBER_COLUMNS = ("municipality", "id", "relation", "participation", "seq")
_NEED_TOPICS = frozenset(NEED_TOPICS)

NEEDS = Table(
    "tenant_needs",
    "need_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, owner TEXT NOT NULL,"
    " co_owners TEXT NOT NULL, title TEXT NOT NULL, status TEXT NOT NULL,"
    " visibility TEXT NOT NULL, innovation_area_id TEXT NOT NULL, procurement_id TEXT,"
    " version BIGINT NOT NULL",
)
NEED_MEMBERS = Table(
    "tenant_need_members",
    "municipality TEXT NOT NULL, id TEXT NOT NULL, relation TEXT NOT NULL, participation TEXT,"
    " seq BIGINT NOT NULL, PRIMARY KEY (municipality, id)",
    (("order", "municipality, seq"),),
)
PROCUREMENTS = Table(
    "tenant_procurements",
    "procurement_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, lead TEXT NOT NULL,"
    " title TEXT NOT NULL, status TEXT NOT NULL, procedure TEXT, innovation INTEGER,"
    " estimated_value_sek TEXT NOT NULL, participants TEXT NOT NULL, version BIGINT NOT NULL",
)
PROCUREMENT_MEMBERS = Table(
    "tenant_procurement_members",
    "municipality TEXT NOT NULL, id TEXT NOT NULL, relation TEXT NOT NULL, participation TEXT,"
    " seq BIGINT NOT NULL, PRIMARY KEY (municipality, id)",
    (("order", "municipality, seq"),),
)


class TenantIndex(View):
    name = "tenant_index"
    tables: ClassVar[tuple[Table, ...]] = (NEEDS, NEED_MEMBERS, PROCUREMENTS, PROCUREMENT_MEMBERS)
    # Every event of a need or procurement: each one moves the version the list shows.
    topics: ClassVar[tuple[str, ...]] = NEED_TOPICS + PROCUREMENT_TOPICS

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        # co_owners and participants stay JSON text in memory: this view touches a row for
        # nearly every event of the log, and only a few kinds of event change these lists.
        needs = RowBuffer(cursor, NEEDS.base + suffix, "need_id", NEED_COLUMNS)
        procurements = RowBuffer(cursor, PROCUREMENTS.base + suffix, "procurement_id",
                                 PROCUREMENT_COLUMNS)
        need_members = RowBuffer(cursor, NEED_MEMBERS.base + suffix, ("municipality", "id"),
                                 MEMBER_COLUMNS)
        procurement_members = RowBuffer(cursor, PROCUREMENT_MEMBERS.base + suffix,
                                        ("municipality", "id"), MEMBER_COLUMNS)
        # Every event of the batch touches one row: work out which once (this view reads
        # nearly the whole log, so per-event overhead is what its rebuild costs).
        touched = [(e, e.aggregate_id, e.topic in _NEED_TOPICS) for e in events]
        needs.load(key for _, key, is_need in touched if is_need)
        procurements.load(key for _, key, is_need in touched if not is_need)
        for event, key, is_need in touched:
            if is_need:
                row = _need(needs.get(key), event)
                needs.put(row)
                if event.topic in (NEED_IDENTIFIED, NEED_CO_OWNER_JOINED):
                    _need_members(need_members, row)
            else:
                row = _procurement(procurements.get(key), event)
                procurements.put(row)
                if event.topic in (PROCUREMENT_STARTED, PROCUREMENT_PARTICIPANT_INVITED,
                                   PROCUREMENT_PARTICIPATION_DECIDED):
                    _procurement_members(procurement_members, row)
        for buffer in (needs, need_members, procurements, procurement_members):
            buffer.flush()


def _need(row: Row | None, event: ProjectedEvent) -> Row:
    if event.topic == NEED_IDENTIFIED:
        return {
            "need_id": event.aggregate_id,
            "seq": event.position,
            "owner": event.data["owner"],
            "co_owners": "[]",
            "title": event.data["title"],
            "status": need_status_after(None, event),
            "visibility": "private",
            "innovation_area_id": event.data["innovation_area_id"],
            "procurement_id": None,
            "version": event.originator_version,
        }
    if row is None:
        raise LookupError(f"tenant_index: unknown need {event.originator_id}")
    row["version"] = event.originator_version
    row["status"] = need_status_after(row["status"], event)
    if event.topic == NEED_EDITED:
        for field in ("title", "innovation_area_id"):
            if field in event.data["changes"]:
                row[field] = event.data["changes"][field]
    elif event.topic == NEED_SHARED:
        row["visibility"] = "shared"
    elif event.topic == NEED_UNSHARED:
        row["visibility"] = "private"
    elif event.topic == NEED_CO_OWNER_JOINED:
        row["co_owners"] = to_json([*from_json(row["co_owners"]), event.data["municipality"]])
    elif event.topic == NEED_ATTACHED:
        row["procurement_id"] = event.data["procurement_id"]
    elif event.topic == NEED_RELEASED:
        row["procurement_id"] = None
    return row


def _need_members(members: RowBuffer, need: Row) -> None:
    for municipality in (need["owner"], *from_json(need["co_owners"])):
        members.put({
            "municipality": municipality,
            "id": need["need_id"],
            "relation": "owner" if municipality == need["owner"] else "co_owner",
            "participation": None,
            "seq": need["seq"],
        })


def _procurement(row: Row | None, event: ProjectedEvent) -> Row:
    if event.topic == PROCUREMENT_STARTED:
        return {
            "procurement_id": event.aggregate_id,
            "seq": event.position,
            "lead": event.data["lead"],
            "title": event.data["title"],
            "status": procurement_status_after(None, event, procedure=None),
            "procedure": None,
            "innovation": None,
            "estimated_value_sek": sek(event.data["estimated_value_sek"]),
            "participants": "[]",
            "version": event.originator_version,
        }
    if row is None:
        raise LookupError(f"tenant_index: unknown procurement {event.originator_id}")
    row["version"] = event.originator_version
    row["status"] = procurement_status_after(row["status"], event, procedure=row["procedure"])
    if event.topic == PROCUREMENT_EDITED:
        changes = event.data["changes"]
        if "title" in changes:
            row["title"] = changes["title"]
        if "estimated_value_sek" in changes:
            row["estimated_value_sek"] = sek(changes["estimated_value_sek"])
    elif event.topic in (PROCUREMENT_PARTICIPANT_INVITED, PROCUREMENT_PARTICIPATION_DECIDED):
        row["participants"] = to_json(participants_after(from_json(row["participants"]), event))
    elif event.topic == PROCUREMENT_SCREENED:
        row["innovation"] = int(bool(event.data["innovation"]))
    elif event.topic == PROCUREMENT_PROCEDURE_CHOSEN:
        row["procedure"] = event.data["procedure"]
    return row


def _procurement_members(members: RowBuffer, procurement: Row) -> None:
    members.put({
        "municipality": procurement["lead"],
        "id": procurement["procurement_id"],
        "relation": "lead",
        "participation": None,
        "seq": procurement["seq"],
    })
    for participant in from_json(procurement["participants"]):
        members.put({
            "municipality": participant["municipality"],
            "id": procurement["procurement_id"],
            "relation": participant["role"],
            "participation": participant["status"],
            "seq": procurement["seq"],
        })
