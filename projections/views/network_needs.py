"""Network needs catalogue: the needs municipalities share with the network.

Only shared needs are in `network_needs`; the state of needs that are not shared (never, or not
any more) waits in `network_needs_unshared`, which no query reads, so that sharing later can
publish the need whole. Area names come from the network's shared catalogue (domain data) or
the municipalities' InnovationAreaAdded events, kept in `network_need_areas`.

Full-text search (the catalogue's `q` and similar needs) reads `network_need_search`: one row
per shared need, keyed by the need's `seq`, over its title and problem statement in Swedish.
On PostgreSQL a `tsvector` of the `swedish` text search configuration with a GIN index; on
SQLite an FTS5 table over the words stemmed by the same Snowball algorithm
(projections/swedish_text.py). Stores made before it existed get it filled from their own rows
the first time the tables are ensured (see `_add_search_table`).

Each need's row also holds its API form, rendered when the row is written (`api`, JSON text):
a page of the catalogue is its rows' texts joined, so serving one decodes, formats and encodes
nothing per row (projections/views/api_text.py). Stores made before that column existed get
it from their own rows the first time the tables are ensured, without replaying the log; so do
stores made when each row also kept its title's words (`title_words`, and a table
`network_need_words` of them, which served similar needs before full-text search did): the
column and the table are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from domain.innovation_areas import shared_area
from domain.lifecycle import NEED_STATUS_TOPICS, need_status_after
from eventstore.sql import Cursor
from projections import swedish_text
from projections.base import ProjectedEvent
from projections.db import POSTGRES, Table, dialect, table_exists
from projections.rows import Row, RowBuffer, SplitRows
from projections.topics import (
    MUNICIPALITY_AREA_ADDED,
    NEED_CO_OWNER_JOINED,
    NEED_EDITED,
    NEED_IDENTIFIED,
    NEED_PRIORITISED,
    NEED_SHARED,
    NEED_UNSHARED,
)
from projections.values import fold, micros, rfc3339, sek
from projections.views.api_text import keep_layout, render
from projections.views.common import View

NEED_COLUMNS = (
    "need_id", "seq", "owner", "co_owners", "title", "problem_statement", "innovation_area_id",
    "area_name", "area_key", "status", "priority_score", "affected_end_users", "competences",
    "search_text", "identified_at", "shared_at", "updated_at", "api",
)  # fmt: skip
NEED_JSON = ("co_owners", "affected_end_users", "competences")
_NEED_DDL = (
    "need_id TEXT PRIMARY KEY,"
    " seq BIGINT NOT NULL,"
    " owner TEXT NOT NULL,"
    " co_owners TEXT NOT NULL,"
    " title TEXT NOT NULL,"
    " problem_statement TEXT NOT NULL,"
    " innovation_area_id TEXT NOT NULL,"
    " area_name TEXT NOT NULL,"
    " area_key TEXT NOT NULL,"
    " status TEXT NOT NULL,"
    " priority_score TEXT,"
    " affected_end_users TEXT NOT NULL,"
    " competences TEXT NOT NULL,"
    " search_text TEXT NOT NULL,"
    " identified_at BIGINT NOT NULL,"
    " shared_at BIGINT,"
    " updated_at BIGINT NOT NULL,"
    " api TEXT NOT NULL"
)
AREA_COLUMNS = ("area_id", "municipality", "name", "area_key")

NEEDS = Table(
    "network_needs",
    _NEED_DDL,
    (("seq", "seq"), ("area", "area_key, seq"), ("owner", "owner, seq"), ("status", "status, seq")),
)
UNSHARED = Table("network_needs_unshared", _NEED_DDL)
# Kept by earlier versions, read by none since similar needs moved to full-text search.
RETIRED_TABLES = ("network_need_words",)
AREAS = Table(
    "network_need_areas",
    "area_id TEXT PRIMARY KEY, municipality TEXT NOT NULL, name TEXT NOT NULL,"
    " area_key TEXT NOT NULL",
)



class SearchTable(Table):
    """The shared needs' Swedish full-text index, in each database's own kind of index. Its
    GIN index on PostgreSQL is made with the table (a rebuild keeps it up to date row by row,
    as the generic `indexes` cannot say USING GIN); an FTS5 table is an index itself."""

    def own_indexes(self, database: str) -> tuple[str, ...]:
        """The short names of the indexes `create` makes on `database` beside `indexes`."""
        return ("document",) if database == POSTGRES else ()

    def create(self, cursor: Cursor, suffix: str = "") -> bool:
        name = self.base + suffix
        if table_exists(cursor, name):
            return False
        if dialect(cursor) == POSTGRES:
            cursor.execute(
                f"CREATE TABLE {name} (seq BIGINT PRIMARY KEY, document tsvector NOT NULL)"
            )
            cursor.execute(f"CREATE INDEX {name}_document ON {name} USING GIN (document)")
        else:
            # rowid is the need's seq; the stems are those PostgreSQL's `swedish` would make.
            cursor.execute(
                f"CREATE VIRTUAL TABLE {name} USING fts5(stems,"
                " tokenize = 'unicode61 remove_diacritics 0')"
            )
        return True


SEARCH = SearchTable("network_need_search", "")


def searchable_text(row: Row) -> str:
    return f"{row['title']}\n{row['problem_statement']}"


def write_search_rows(cursor: Cursor, table: str, rows: list[tuple[int, str]]) -> None:
    """Indexes (seq, text) pairs: stemmed by the database itself on PostgreSQL, here on SQLite."""
    if not rows:
        return
    if dialect(cursor) == POSTGRES:
        cursor.executemany(
            f"INSERT INTO {table} (seq, document) VALUES (?, to_tsvector('swedish', ?))", rows
        )
    else:
        cursor.executemany(
            f"INSERT INTO {table} (rowid, stems) VALUES (?, ?)",
            [(seq, " ".join(swedish_text.stems(text))) for seq, text in rows],
        )


def delete_search_rows(cursor: Cursor, table: str, seqs: list[int]) -> None:
    key = "seq" if dialect(cursor) == POSTGRES else "rowid"
    for seq in seqs:
        cursor.execute(f"DELETE FROM {table} WHERE {key} = ?", (seq,))


def api_form(row: Row) -> dict[str, Any]:
    """A catalogue entry as the API answers it, from a row with its JSON columns decoded."""
    return {
        "need_id": row["need_id"],
        "title": row["title"],
        "problem_statement": row["problem_statement"],
        "owner": row["owner"],
        "co_owners": row["co_owners"],
        "innovation_area": {"id": row["innovation_area_id"], "name": row["area_name"]},
        "status": row["status"],
        "priority_score": row["priority_score"],
        "affected_end_users": row["affected_end_users"],
        "competences": row["competences"],
        "identified_at": rfc3339(row["identified_at"]),
        "shared_at": rfc3339(row["shared_at"]),
        "updated_at": rfc3339(row["updated_at"]),
    }


class NetworkNeeds(View):
    name = "network_needs"
    tables: ClassVar[tuple[Table, ...]] = (NEEDS, UNSHARED, AREAS, SEARCH)
    topics: ClassVar[tuple[str, ...]] = (
        MUNICIPALITY_AREA_ADDED,
        NEED_EDITED,
        NEED_SHARED,
        NEED_UNSHARED,
        NEED_CO_OWNER_JOINED,
        *NEED_STATUS_TOPICS,  # Identified and every decision or fact that moves the status
    )

    def create_tables(self, cursor: Cursor, suffix: str = "") -> None:
        for retired in RETIRED_TABLES:
            if table_exists(cursor, retired + suffix):
                cursor.execute(f"DROP TABLE {retired}{suffix}")
        for table in (NEEDS, UNSHARED):
            # Also drops `title_words`, which stores made before full-text search still have.
            keep_layout(cursor, table, suffix, columns=NEED_COLUMNS, json_columns=NEED_JSON,
                        api_form=api_form)
        _add_search_table(cursor, suffix)
        super().create_tables(cursor, suffix)

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> bool:
        """Whether the batch changed what the catalogue's readers see: not if it only moved
        needs that are not shared (see `Projection.apply`)."""
        batch = _Batch(cursor, suffix, events)
        for event in events:
            batch.apply(event)
        return batch.flush()


class _Batch:
    def __init__(self, cursor: Cursor, suffix: str, events: Sequence[ProjectedEvent]):
        self.cursor = cursor
        self.suffix = suffix
        self.needs = SplitRows(
            RowBuffer(cursor, NEEDS.base + suffix, "need_id", NEED_COLUMNS,
                      json_columns=NEED_JSON),
            RowBuffer(cursor, UNSHARED.base + suffix, "need_id", NEED_COLUMNS,
                      json_columns=NEED_JSON),
            is_listed=lambda row: row["shared_at"] is not None,
        )
        self.areas = RowBuffer(cursor, AREAS.base + suffix, "area_id", AREA_COLUMNS)
        self.needs.load(e.aggregate_id for e in events if e.aggregate_type == "Need")
        self.areas.load(
            area_id
            for area_id in (
                e.data["innovation_area_id"] if e.topic == NEED_IDENTIFIED
                else e.data["changes"]["innovation_area_id"]
                for e in events
                if e.topic == NEED_IDENTIFIED
                or (e.topic == NEED_EDITED and "innovation_area_id" in e.data["changes"])
            )
            if shared_area(area_id) is None
        )
        # The text each touched need has in network_need_search now (None: not listed).
        self.indexed_text: dict[str, str | None] = {}
        self.areas_changed = False

    def need(self, need_id: str) -> Row:
        row = self.needs.get(need_id)
        if row is None:
            raise LookupError(f"network_needs: event for unknown need {need_id}")
        if need_id not in self.indexed_text:
            listed = self.needs.was_listed[need_id]
            self.indexed_text[need_id] = searchable_text(row) if listed else None
        return row

    def area(self, area_id: str) -> Row:
        shared = shared_area(area_id)
        if shared is not None:  # the network's catalogue: data, the same in every store
            return {"area_id": shared.id, "name": shared.name, "area_key": fold(shared.name)}
        area = self.areas.get(area_id)
        if area is None:
            # A need names an area its owner added, so this cannot happen with a sound log;
            # if it does, show the need without an area name rather than stop the view.
            return {"area_id": area_id, "name": "", "area_key": ""}
        return area

    def apply(self, event: ProjectedEvent) -> None:
        data = event.data
        if event.topic == MUNICIPALITY_AREA_ADDED:
            self.areas_changed = True
            self.areas.put({
                "area_id": data["area_id"],
                "municipality": event.audit["tenant"],
                "name": data["name"],
                "area_key": fold(data["name"]),
            })
            return
        need_id = event.aggregate_id
        if event.topic == NEED_IDENTIFIED:
            area = self.area(data["innovation_area_id"])
            self.needs.add({
                "need_id": need_id,
                "seq": event.position,
                "owner": data["owner"],
                "co_owners": [],
                "title": data["title"],
                "problem_statement": data["problem_statement"],
                "innovation_area_id": data["innovation_area_id"],
                "area_name": area["name"],
                "area_key": area["area_key"],
                "status": need_status_after(None, event),
                "priority_score": None,
                "affected_end_users": list(data["affected_end_users"]),
                "competences": list(data["competences"]),
                "search_text": "",
                "identified_at": micros(event.recorded_at),
                "shared_at": None,
                "updated_at": micros(event.recorded_at),
            })
            self.indexed_text[need_id] = None
            return
        row = self.need(need_id)
        row["updated_at"] = micros(event.recorded_at)
        if event.topic == NEED_EDITED:
            self._edit(row, data["changes"])
        elif event.topic == NEED_SHARED:
            row["shared_at"] = micros(event.recorded_at)
        elif event.topic == NEED_UNSHARED:
            row["shared_at"] = None
        elif event.topic == NEED_CO_OWNER_JOINED:
            row["co_owners"] = [*row["co_owners"], data["municipality"]]
        else:
            row["status"] = need_status_after(row["status"], event)
            if event.topic == NEED_PRIORITISED:
                row["priority_score"] = sek(data["weighted_total"])

    def _edit(self, row: Row, changes: dict[str, Any]) -> None:
        for field in ("title", "problem_statement", "affected_end_users", "competences"):
            if field in changes:
                row[field] = changes[field]
        if "innovation_area_id" in changes:
            area = self.area(changes["innovation_area_id"])
            row["innovation_area_id"] = area["area_id"]
            row["area_name"] = area["name"]
            row["area_key"] = area["area_key"]

    def flush(self) -> bool:
        """Writes the batch; whether anything the catalogue's readers see changed."""
        search_out: list[int] = []
        search_in: list[tuple[int, str]] = []
        for need_id, row in self.needs.touched().items():
            row["search_text"] = fold(
                "\n".join((row["title"], row["problem_statement"], row["area_name"]))
            )
            row["api"] = render(api_form(row))
            indexed = self.indexed_text[need_id]
            text = searchable_text(row) if row["shared_at"] is not None else None
            if text != indexed:
                if indexed is not None:
                    search_out.append(row["seq"])
                if text is not None:
                    search_in.append((row["seq"], text))
        listed_changed = self.needs.flush()
        self.areas.flush()
        search = SEARCH.base + self.suffix
        delete_search_rows(self.cursor, search, search_out)
        write_search_rows(self.cursor, search, search_in)
        # The search rows follow the listed needs' rows: they change only with them.
        return listed_changed or self.areas_changed


def _add_search_table(cursor: Cursor, suffix: str) -> None:
    """Gives a catalogue made before the full-text index existed its index, from its own rows
    (the shared needs), so the view goes on at its position instead of starting again."""
    needs = NEEDS.base + suffix
    if not table_exists(cursor, needs) or table_exists(cursor, SEARCH.base + suffix):
        return
    SEARCH.create(cursor, suffix)
    rows = cursor.execute(f"SELECT seq, title, problem_statement FROM {needs}").fetchall()
    write_search_rows(
        cursor, SEARCH.base + suffix, [(int(row["seq"]), searchable_text(row)) for row in rows]
    )
