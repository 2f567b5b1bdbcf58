"""Procurement portfolio: every published procurement of the network.

Published means what the access policy means (Procurement.is_published): a notice was published,
or an award was made without one. Until then the procurement waits in
`procurement_portfolio_unpublished`, which no query reads. Bids are not projected at all (the
view does not even subscribe to them), so no tenderer can leak from here before or after award.

Value band: the estimated value against the direct-award limit and the EU threshold in force on
the Stockholm date the procurement was started, from the dated law table (domain/data), so the
band is a pure function of the events and a rebuild gives the same band. The estimate itself is
kept in the table only to recompute the band after an edit; the queries answer with the band.

Each row also holds its API form (`api`, JSON text, projections/views/api_text.py), rendered
when the row is written, so a page of the portfolio is its rows' texts joined. Stores made
before that column get it from their own rows the first time the tables are ensured.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from domain.lifecycle import (
    PROCUREMENT_STATUS_TOPICS,
    procurement_status_after,
    ruling_sends_back_to,
)
from domain.rules.thresholds import law_table
from domain.values.timestamps import stockholm_date
from eventstore.sql import Cursor
from projections.base import ProjectedEvent
from projections.db import Table
from projections.rows import Row, RowBuffer, SplitRows
from projections.topics import (
    PROCUREMENT_APPEAL_RULED,
    PROCUREMENT_AWARDED,
    PROCUREMENT_EDITED,
    PROCUREMENT_PARTICIPANT_INVITED,
    PROCUREMENT_PARTICIPATION_DECIDED,
    PROCUREMENT_PROCEDURE_CHOSEN,
    PROCUREMENT_PUBLISHED,
    PROCUREMENT_REVIEW_RULED,
    PROCUREMENT_SCREENED,
    PROCUREMENT_STARTED,
)
from projections.values import micros, rfc3339, sek
from projections.views.api_text import keep_layout, render
from projections.views.common import View, participants_after

BELOW_DIRECT_AWARD_LIMIT = "below_direct_award_limit"
BELOW_EU_THRESHOLD = "below_eu_threshold"
EU_THRESHOLD_OR_ABOVE = "eu_threshold_or_above"
VALUE_BANDS = (BELOW_DIRECT_AWARD_LIMIT, BELOW_EU_THRESHOLD, EU_THRESHOLD_OR_ABOVE)
TAKING_PART = ("invited", "joined")

COLUMNS = (
    "procurement_id", "seq", "lead", "title", "status", "procedure", "innovation",
    "innovation_kind", "estimated_value_sek", "value_band", "started_on", "participants",
    "joint", "members", "notice_id", "tender_deadline", "cpv_code", "has_award", "started_at",
    "published_at", "updated_at", "api",
)  # fmt: skip
JSON_COLUMNS = ("participants",)
_DDL = (
    "procurement_id TEXT PRIMARY KEY,"
    " seq BIGINT NOT NULL,"
    " lead TEXT NOT NULL,"
    " title TEXT NOT NULL,"
    " status TEXT NOT NULL,"
    " procedure TEXT,"
    " innovation INTEGER,"
    " innovation_kind TEXT,"
    " estimated_value_sek TEXT NOT NULL,"
    " value_band TEXT NOT NULL,"
    " started_on TEXT NOT NULL,"
    " participants TEXT NOT NULL,"
    " joint INTEGER NOT NULL,"
    " members TEXT NOT NULL,"
    " notice_id TEXT,"
    " tender_deadline BIGINT,"
    " cpv_code TEXT,"
    " has_award INTEGER NOT NULL,"
    " started_at BIGINT NOT NULL,"
    " published_at BIGINT,"
    " updated_at BIGINT NOT NULL,"
    " api TEXT NOT NULL"
)
PUBLISHED = Table(
    "procurement_portfolio",
    _DDL,
    (("seq", "seq"), ("lead", "lead, seq"), ("status", "status, seq")),
)
UNPUBLISHED = Table("procurement_portfolio_unpublished", _DDL)


def value_band(value: Decimal, on: date) -> str:
    table = law_table()
    try:
        limit = table.direct_award_limit_on(on)
        threshold = table.eu_threshold_on(on)
    except LookupError:  # before the table's first entry: the oldest values are the best guess
        limit = table.direct_award_limits.entries[0].amount_sek
        threshold = table.eu_thresholds.entries[0].amount_sek
    if value < limit:
        return BELOW_DIRECT_AWARD_LIMIT
    if value < threshold:
        return BELOW_EU_THRESHOLD
    return EU_THRESHOLD_OR_ABOVE


def members_text(lead: str, participants: list[dict[str, str]]) -> str:
    """' lead a b ': every municipality taking part, for a LIKE '% slug %' filter."""
    taking_part = [p["municipality"] for p in participants if p["status"] in TAKING_PART]
    return " " + " ".join([lead, *taking_part]) + " "


def api_form(row: Row) -> dict[str, Any]:
    """A portfolio entry as the API answers it, from a row with its JSON columns decoded."""
    return {
        "procurement_id": row["procurement_id"],
        "title": row["title"],
        "lead": row["lead"],
        "participants": row["participants"],
        "joint": bool(row["joint"]),
        "status": row["status"],
        "procedure": row["procedure"],
        "innovation": None if row["innovation"] is None else bool(row["innovation"]),
        "innovation_kind": row["innovation_kind"],
        "value_band": row["value_band"],
        "notice_id": row["notice_id"],
        "tender_deadline": rfc3339(row["tender_deadline"]),
        "cpv_code": row["cpv_code"],
        "started_at": rfc3339(row["started_at"]),
        "published_at": rfc3339(row["published_at"]),
        "updated_at": rfc3339(row["updated_at"]),
    }


class ProcurementPortfolio(View):
    name = "procurement_portfolio"
    tables: ClassVar[tuple[Table, ...]] = (PUBLISHED, UNPUBLISHED)
    topics: ClassVar[tuple[str, ...]] = (
        *PROCUREMENT_STATUS_TOPICS,  # Started, and every decision or fact that moves the status
        PROCUREMENT_EDITED,
        PROCUREMENT_PARTICIPANT_INVITED,
        PROCUREMENT_PARTICIPATION_DECIDED,
        PROCUREMENT_SCREENED,
        PROCUREMENT_PROCEDURE_CHOSEN,
    )

    def create_tables(self, cursor: Cursor, suffix: str = "") -> None:
        for table in self.tables:
            keep_layout(cursor, table, suffix, columns=COLUMNS, json_columns=JSON_COLUMNS,
                        api_form=api_form)
        super().create_tables(cursor, suffix)

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> bool:
        """Whether the batch changed what the portfolio's readers see: not if it only moved
        procurements that are not published (see `Projection.apply`)."""
        rows = SplitRows(
            RowBuffer(cursor, PUBLISHED.base + suffix, "procurement_id", COLUMNS,
                      json_columns=JSON_COLUMNS),
            RowBuffer(cursor, UNPUBLISHED.base + suffix, "procurement_id", COLUMNS,
                      json_columns=JSON_COLUMNS),
            is_listed=lambda row: row["notice_id"] is not None or bool(row["has_award"]),
        )
        rows.load(event.aggregate_id for event in events)
        for event in events:
            procurement_id = event.aggregate_id
            if event.topic == PROCUREMENT_STARTED:
                rows.add(_started(procurement_id, event))
                continue
            row = rows.get(procurement_id)
            if row is None:
                raise LookupError(f"procurement_portfolio: unknown procurement {procurement_id}")
            _apply(row, event)
        for row in rows.touched().values():
            row["api"] = render(api_form(row))
        return rows.flush()


def _started(procurement_id: str, event: ProjectedEvent) -> Row:
    data = event.data
    started_on = stockholm_date(event.recorded_at)
    value = Decimal(data["estimated_value_sek"])
    return {
        "procurement_id": procurement_id,
        "seq": event.position,
        "lead": data["lead"],
        "title": data["title"],
        "status": procurement_status_after(None, event, procedure=None),
        "procedure": None,
        "innovation": None,
        "innovation_kind": None,
        "estimated_value_sek": sek(value),
        "value_band": value_band(value, started_on),
        "started_on": started_on.isoformat(),
        "participants": [],
        "joint": 0,
        "members": members_text(data["lead"], []),
        "notice_id": None,
        "tender_deadline": None,
        "cpv_code": data["cpv_code"],
        "has_award": 0,
        "started_at": micros(event.recorded_at),
        "published_at": None,
        "updated_at": micros(event.recorded_at),
    }


def _apply(row: Row, event: ProjectedEvent) -> None:
    data = event.data
    topic = event.topic
    row["updated_at"] = micros(event.recorded_at)
    before = row["status"]
    row["status"] = procurement_status_after(before, event, procedure=row["procedure"])
    if topic == PROCUREMENT_EDITED:
        changes = data["changes"]
        for field in ("title", "cpv_code"):
            if field in changes:
                row[field] = changes[field]
        if "estimated_value_sek" in changes:
            value = Decimal(changes["estimated_value_sek"])
            row["estimated_value_sek"] = sek(value)
            row["value_band"] = value_band(value, date.fromisoformat(row["started_on"]))
    elif topic in (PROCUREMENT_PARTICIPANT_INVITED, PROCUREMENT_PARTICIPATION_DECIDED):
        row["participants"] = participants_after(row["participants"], event)
        row["joint"] = int(any(p["status"] in TAKING_PART for p in row["participants"]))
        row["members"] = members_text(row["lead"], row["participants"])
    elif topic == PROCUREMENT_SCREENED:
        row["innovation"] = int(bool(data["innovation"]))
        row["innovation_kind"] = data["kind"]
    elif topic == PROCUREMENT_PROCEDURE_CHOSEN:
        row["procedure"] = data["procedure"]
    elif topic == PROCUREMENT_PUBLISHED:
        row["notice_id"] = data["notice_id"]
        row["tender_deadline"] = micros(data["tender_deadline"])
    elif topic == PROCUREMENT_AWARDED:
        row["has_award"] = 1
    elif topic in (PROCUREMENT_REVIEW_RULED, PROCUREMENT_APPEAL_RULED) and (
        ruling_sends_back_to(before, event, procedure=row["procedure"]) is not None
    ):
        row["has_award"] = 0  # the award is void; a direct award is unpublished again
    if row["published_at"] is None and (row["notice_id"] is not None or row["has_award"]):
        row["published_at"] = micros(event.recorded_at)
