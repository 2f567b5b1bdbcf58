"""The procurement portfolio stores each row's API form, and a store made before that column gets
it from its own rows, without replaying the log or losing its position."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from eventsourcing.persistence import DatabaseError

from eventstore.sql import SqlStore
from projections import queries
from projections.rebuild import rebuild
from projections.values import rfc3339
from projections.views.procurement_portfolio import COLUMNS, ProcurementPortfolio
from service.innoledger import Innoledger
from tests.builders import PROCEDURE_AT, decision
from tests.projections.conftest import dump, sync
from tests.projections.scenario import Scenario
from tests.projections.test_network_needs_api_form import _columns, _indexes

# The portfolio's tables as they were before the `api` column, word for word.
_LAYOUT_BEFORE_API = (
    "procurement_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, lead TEXT NOT NULL,"
    " title TEXT NOT NULL, status TEXT NOT NULL, procedure TEXT, innovation INTEGER,"
    " innovation_kind TEXT, estimated_value_sek TEXT NOT NULL, value_band TEXT NOT NULL,"
    " started_on TEXT NOT NULL, participants TEXT NOT NULL, joint INTEGER NOT NULL,"
    " members TEXT NOT NULL, notice_id TEXT, tender_deadline BIGINT, cpv_code TEXT,"
    " has_award INTEGER NOT NULL, started_at BIGINT NOT NULL, published_at BIGINT,"
    " updated_at BIGINT NOT NULL"
)
_COLUMNS_BEFORE_API = [column for column in COLUMNS if column != "api"]
_INDEXES_BEFORE = {
    "procurement_portfolio": (("seq", "seq"), ("lead", "lead, seq"), ("status", "status, seq")),
    "procurement_portfolio_unpublished": (),
}


def _shaped_from_columns(row: dict[str, Any]) -> dict[str, Any]:
    """A portfolio entry as the API shaped it from the columns before the stored form."""
    return {
        "procurement_id": row["procurement_id"],
        "title": row["title"],
        "lead": row["lead"],
        "participants": json.loads(row["participants"]),
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


def _network(app: Innoledger) -> tuple[Scenario, str]:
    """Two published procurements (one joint, one with a tricky title) and one in planning."""
    s = Scenario(app)
    joint = s.procurement(s.ystad, [s.decided_need(s.ystad, "Lärprocess för AI")])
    app.invite_participant(
        s.ystad.officer, joint, municipality="skurup", role="co_lead",
        expected_version=s.version(joint),
    )  # fmt: skip
    s.walk(s.ystad, joint, "planning")
    app.decide_participation(
        s.skurup.decision_maker, joint, decision=decision("join", PROCEDURE_AT),
        expected_version=s.version(joint),
    )  # fmt: skip
    s.step(s.ystad, joint, "tendering")
    tricky = s.procurement(
        s.trelleborg,
        [s.decided_need(s.trelleborg, "Torra golv")],
        title='Golv "torra" \\ i\tsimhallen ✓ \u2028 <b>&amp;</b>',
    )
    s.walk(s.trelleborg, tricky, "tendering", innovation=False)
    s.procurement(s.skurup, [s.decided_need(s.skurup, "Digitala verktyg")])  # not published
    sync(app)
    return s, joint


def _all_rows(store: SqlStore) -> dict[str, list[dict[str, Any]]]:
    with store.reading() as cursor:
        return {
            table: cursor.execute(f"SELECT * FROM {table} ORDER BY seq").fetchall()
            for table in _INDEXES_BEFORE
        }


def test_each_row_stores_its_api_form_as_the_columns_say(app: Innoledger, store: SqlStore):
    _network(app)
    rows = _all_rows(store)
    assert len(rows["procurement_portfolio"]) == 2
    assert len(rows["procurement_portfolio_unpublished"]) == 1
    for table_rows in rows.values():
        for row in table_rows:
            # As the API writes JSON: members in order, no spaces, text as it is.
            assert row["api"] == json.dumps(
                _shaped_from_columns(row), ensure_ascii=False, separators=(",", ":")
            )

    page = queries.list_portfolio(store)
    assert page.texts == [row["api"] for row in reversed(rows["procurement_portfolio"])]
    tricky, joint = page.rows
    assert tricky["title"] == 'Golv "torra" \\ i\tsimhallen ✓ \u2028 <b>&amp;</b>'
    assert tricky["innovation"] is False and tricky["joint"] is False
    assert joint["joint"] is True and joint["participants"][0]["status"] == "joined"
    assert queries.list_portfolio(store, municipality="skurup").rows == [joint]


def _to_layout_before_api(store: SqlStore) -> None:
    with store.transaction() as cursor:
        for table, indexes in _INDEXES_BEFORE.items():
            rows = cursor.execute(f"SELECT * FROM {table}").fetchall()
            cursor.execute(f"DROP TABLE {table}")
            cursor.execute(f"CREATE TABLE {table} ({_LAYOUT_BEFORE_API})")
            for name, columns in indexes:
                cursor.execute(f"CREATE INDEX {table}_{name} ON {table} ({columns})")
            marks = ", ".join("?" * len(_COLUMNS_BEFORE_API))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(_COLUMNS_BEFORE_API)}) VALUES ({marks})",
                [[row[c] for c in _COLUMNS_BEFORE_API] for row in rows],
            )


def test_a_store_before_the_api_column_gets_it_from_its_own_rows(
    app: Innoledger, store: SqlStore
):
    s, joint = _network(app)
    before = dump(store, ProcurementPortfolio())
    answers = queries.list_portfolio(store).rows
    position = queries.view_position(store, "procurement_portfolio")
    _to_layout_before_api(store)
    assert _columns(store, "procurement_portfolio") == _COLUMNS_BEFORE_API

    # A process of today (here a web process reading first) ensures the tables: no manual step.
    upgraded = SqlStore(app.recorder)
    page = queries.list_portfolio(upgraded)
    assert page.rows == answers
    assert page.position == position  # the same state: nothing to replay, nothing lost
    assert dump(store, ProcurementPortfolio()) == before
    for table, indexes in _INDEXES_BEFORE.items():
        assert _columns(store, table) == list(COLUMNS)
        assert {i for i in _indexes(store, table) if not i.endswith("_pkey")} == {
            f"{table}_{name}" for name, _ in indexes
        }

    # Code of before, still running somewhere, cannot leave a row of its layout behind.
    [old_row] = [row for row in _all_rows(store)["procurement_portfolio"] if row["joint"]]
    old_row["procurement_id"] = "p-old"
    insert = (
        f"INSERT INTO procurement_portfolio ({', '.join(_COLUMNS_BEFORE_API)})"
        f" VALUES ({', '.join('?' * len(_COLUMNS_BEFORE_API))})"
    )
    with pytest.raises((DatabaseError, sqlite3.DatabaseError)), store.transaction() as cursor:
        cursor.execute(insert, [old_row[c] for c in _COLUMNS_BEFORE_API])

    # The view goes on from its position, and equals a rebuild from the log.
    app.edit_procurement(
        s.ystad.officer, joint, changes={"title": "AI-stöd för lärare"},
        expected_version=s.version(joint),
    )  # fmt: skip
    sync(app)
    assert queries.list_portfolio(upgraded, lead="ystad").rows[0]["title"] == "AI-stöd för lärare"
    followed = dump(store, ProcurementPortfolio())
    rebuild(app, ProcurementPortfolio(), store=store)
    assert dump(store, ProcurementPortfolio()) == followed
