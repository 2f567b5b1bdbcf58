"""The network needs catalogue stores each row's API form, and stores of an earlier layout (before
that column; before the title words went) get today's from their own rows, without replaying
the log or losing their position."""

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
from projections.views.network_needs import NEED_COLUMNS, NetworkNeeds
from service.innoledger import Innoledger
from tests.builders import SCORES
from tests.projections.conftest import dump, sync
from tests.projections.scenario import Scenario

# The catalogue's tables as they were before the `api` column, word for word.
_LAYOUT_BEFORE_API = (
    "need_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, owner TEXT NOT NULL,"
    " co_owners TEXT NOT NULL, title TEXT NOT NULL, problem_statement TEXT NOT NULL,"
    " innovation_area_id TEXT NOT NULL, area_name TEXT NOT NULL, area_key TEXT NOT NULL,"
    " status TEXT NOT NULL, priority_score TEXT, affected_end_users TEXT NOT NULL,"
    " competences TEXT NOT NULL, title_words TEXT NOT NULL, search_text TEXT NOT NULL,"
    " identified_at BIGINT NOT NULL, shared_at BIGINT, updated_at BIGINT NOT NULL"
)
_COLUMNS_BEFORE_API = [
    "need_id", "seq", "owner", "co_owners", "title", "problem_statement", "innovation_area_id",
    "area_name", "area_key", "status", "priority_score", "affected_end_users", "competences",
    "title_words", "search_text", "identified_at", "shared_at", "updated_at",
]  # fmt: skip
# Then the `api` column came; the title words stayed a while (in a column and a table of their
# own, which similar needs read before full-text search).
_LAYOUT_BEFORE_WORDS_WENT = _LAYOUT_BEFORE_API + ", api TEXT NOT NULL"
_COLUMNS_BEFORE_WORDS_WENT = [*_COLUMNS_BEFORE_API, "api"]
_WORDS_TABLE = (
    "CREATE TABLE network_need_words"
    " (need_id TEXT NOT NULL, word TEXT NOT NULL, PRIMARY KEY (need_id, word))"
)
LAYOUTS = {
    "before the api column": (_LAYOUT_BEFORE_API, _COLUMNS_BEFORE_API),
    "before the title words went": (_LAYOUT_BEFORE_WORDS_WENT, _COLUMNS_BEFORE_WORDS_WENT),
}
_INDEXES_BEFORE = {
    "network_needs": (
        ("seq", "seq"),
        ("area", "area_key, seq"),
        ("owner", "owner, seq"),
        ("status", "status, seq"),
    ),
    "network_needs_unshared": (),
}


def _shaped_from_columns(row: dict[str, Any]) -> dict[str, Any]:
    """A catalogue entry as the API shaped it from the columns before the stored form."""
    return {
        "need_id": row["need_id"],
        "title": row["title"],
        "problem_statement": row["problem_statement"],
        "owner": row["owner"],
        "co_owners": json.loads(row["co_owners"]),
        "innovation_area": {"id": row["innovation_area_id"], "name": row["area_name"]},
        "status": row["status"],
        "priority_score": row["priority_score"],
        "affected_end_users": json.loads(row["affected_end_users"]),
        "competences": json.loads(row["competences"]),
        "identified_at": rfc3339(row["identified_at"]),
        "shared_at": rfc3339(row["shared_at"]),
        "updated_at": rfc3339(row["updated_at"]),
    }


def _network(app: Innoledger) -> Scenario:
    s = Scenario(app)
    tricky = s.need(
        s.ystad,
        'Lärprocess "AI" \\ för\tskolan ✓ \u2028 <b>&amp;</b>',
        statement="Rad ett\nrad två, 100 % och ünïcödé",
        shared=True,
        swot=True,
    )
    s.join(s.skurup, tricky)
    s.decide_need(s.ystad, tricky, "prioritise", scores=SCORES)
    s.need(s.skurup, "Digitala verktyg i klassrummet", shared=True)
    s.need(s.trelleborg, "Torra golv i simhallen", shared=True)
    s.need(s.ystad, "Privat behov om golv")
    unshared = s.need(s.trelleborg, "Delad och sedan privat", shared=True)
    s.app.unshare_need(s.trelleborg.officer, unshared, expected_version=s.version(unshared))
    sync(app)
    return s


def _all_rows(store: SqlStore) -> dict[str, list[dict[str, Any]]]:
    with store.reading() as cursor:
        return {
            table: cursor.execute(f"SELECT * FROM {table} ORDER BY seq").fetchall()
            for table in _INDEXES_BEFORE
        }


def test_each_row_stores_its_api_form_as_the_columns_say(app: Innoledger, store: SqlStore):
    _network(app)
    rows = _all_rows(store)
    assert len(rows["network_needs"]) == 3 and len(rows["network_needs_unshared"]) == 2
    for table_rows in rows.values():
        for row in table_rows:
            assert json.loads(row["api"]) == _shaped_from_columns(row)
            # As the API writes JSON: members in order, no spaces, text as it is.
            assert row["api"] == json.dumps(
                _shaped_from_columns(row), ensure_ascii=False, separators=(",", ":")
            )

    page = queries.list_network_needs(store)
    assert page.texts == [row["api"] for row in reversed(rows["network_needs"])]
    assert page.rows == [json.loads(text) for text in page.texts]
    tricky = page.rows[-1]
    assert tricky["co_owners"] == ["skurup"] and tricky["priority_score"] == "4.00"
    assert tricky["title"] == 'Lärprocess "AI" \\ för\tskolan ✓ \u2028 <b>&amp;</b>'


def test_similar_needs_answer_the_stored_form_with_their_similarity(
    app: Innoledger, store: SqlStore
):
    _network(app)
    [subject] = [r for r in _all_rows(store)["network_needs"] if r["owner"] == "ystad"]
    page = queries.similar_network_needs(store, subject["need_id"])
    assert page.texts is not None and len(page.texts) == 1
    [row] = page.rows
    assert list(row) == [*_shaped_from_columns(subject), "similarity"]
    assert row["owner"] == "skurup" and row["title"] == "Digitala verktyg i klassrummet"
    assert row["similarity"]["same_area"] is True


def _to_layout_before(store: SqlStore, layout: str, columns_before: list[str]) -> None:
    """Makes the catalogue's tables what a store written with an earlier layout holds: each
    row's title words in a column, and the shared ones' in `network_need_words`."""
    with store.transaction() as cursor:
        for table, indexes in _INDEXES_BEFORE.items():
            rows = cursor.execute(f"SELECT * FROM {table}").fetchall()
            cursor.execute(f"DROP TABLE {table}")
            cursor.execute(f"CREATE TABLE {table} ({layout})")
            for name, columns in indexes:
                cursor.execute(f"CREATE INDEX {table}_{name} ON {table} ({columns})")
            for row in rows:
                row["title_words"] = json.dumps(sorted(set(row["title"].casefold().split())))
            marks = ", ".join("?" * len(columns_before))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns_before)}) VALUES ({marks})",
                [[row[c] for c in columns_before] for row in rows],
            )
            if table == "network_needs":
                cursor.execute(_WORDS_TABLE)
                cursor.executemany(
                    "INSERT INTO network_need_words (need_id, word) VALUES (?, ?)",
                    [
                        (row["need_id"], word)
                        for row in rows
                        for word in json.loads(row["title_words"])
                    ],
                )


def _tables(store: SqlStore) -> set[str]:
    with store.reading() as cursor:
        if store.is_postgres:
            rows = cursor.execute(
                "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchall()
        else:
            rows = cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row["name"] for row in rows}


def _columns(store: SqlStore, table: str) -> list[str]:
    with store.reading() as cursor:
        if store.is_postgres:
            rows = cursor.execute(
                "SELECT column_name AS name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = ?"
                " ORDER BY ordinal_position",
                (table,),
            ).fetchall()
        else:
            rows = cursor.execute("SELECT name FROM pragma_table_info(?)", (table,)).fetchall()
    return [row["name"] for row in rows]


def _indexes(store: SqlStore, table: str) -> set[str]:
    with store.reading() as cursor:
        if store.is_postgres:
            rows = cursor.execute(
                "SELECT indexname AS name FROM pg_indexes"
                " WHERE schemaname = current_schema() AND tablename = ?",
                (table,),
            ).fetchall()
        else:
            rows = cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
                " AND sql IS NOT NULL",
                (table,),
            ).fetchall()
    return {row["name"] for row in rows}


@pytest.mark.parametrize("before", LAYOUTS)
def test_a_store_of_an_earlier_layout_gets_todays_from_its_own_rows(
    app: Innoledger, store: SqlStore, before: str
):
    layout, columns_before = LAYOUTS[before]
    s = _network(app)
    before = dump(store, NetworkNeeds())
    answers = queries.list_network_needs(store).rows
    position = queries.view_position(store, "network_needs")
    subject = answers[-1]["need_id"]
    similar = queries.similar_network_needs(store, subject).rows
    _to_layout_before(store, layout, columns_before)
    assert _columns(store, "network_needs") == columns_before
    assert "network_need_words" in _tables(store)

    # A process of today (here a web process reading first) ensures the tables: no manual step.
    upgraded = SqlStore(app.recorder)
    page = queries.list_network_needs(upgraded)
    assert page.rows == answers
    assert page.position == position  # the same state: nothing to replay, nothing lost
    assert queries.similar_network_needs(upgraded, subject).rows == similar
    assert dump(store, NetworkNeeds()) == before
    assert "network_need_words" not in _tables(store)  # read by nothing any more
    for table, indexes in _INDEXES_BEFORE.items():
        assert _columns(store, table) == list(NEED_COLUMNS)
        assert {i for i in _indexes(store, table) if not i.endswith("_pkey")} == {
            f"{table}_{name}" for name, _ in indexes
        }

    # Code of before, still running somewhere, cannot leave a row of its layout behind.
    old_row = [
        "n-1",
        1,
        "ystad",
        "[]",
        "t",
        "p",
        "a",
        "n",
        "k",
        "identified",
        None,
        "[]",
        "[]",
        "[]",
        "",
        1,
        1,
        1,
    ]
    old_row += ["{}"] * (len(columns_before) - len(old_row))
    insert = (
        f"INSERT INTO network_needs ({', '.join(columns_before)})"
        f" VALUES ({', '.join('?' * len(columns_before))})"
    )
    with pytest.raises((DatabaseError, sqlite3.DatabaseError)), store.transaction() as cursor:
        cursor.execute(insert, old_row)

    # The view goes on from its position, and equals a rebuild from the log.
    app.edit_need(
        s.ystad.officer,
        subject,
        changes={"title": "AI-stöd för lärare"},
        expected_version=s.version(subject),
    )
    sync(app)
    assert queries.list_network_needs(upgraded).rows[-1]["title"] == "AI-stöd för lärare"
    followed = dump(store, NetworkNeeds())
    rebuild(app, NetworkNeeds(), store=store)
    assert dump(store, NetworkNeeds()) == followed
