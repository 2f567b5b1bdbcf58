"""Batch-sized unit of work for projection tables.

A view applies a batch of events by loading the rows the batch touches in one query, changing
them in memory event by event, and writing each changed row once at the end. That keeps a batch
of 500 events at a handful of statements, which matters on PostgreSQL, where every statement is a
round trip.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from eventstore.sql import Cursor
from projections.db import POSTGRES, dialect, placeholders
from projections.values import from_json, to_json

Row = dict[str, Any]
_CHUNK = 500
# Bound parameters per statement: below SQLite's 32766 and PostgreSQL's 65535.
_MAX_PARAMS = 30_000
_JSON_ROWS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

# On PostgreSQL a batch's rows travel as ONE json parameter that the server unpacks with
# json_populate_recordset(NULL::<table>, ...) into the table's own row type: psycopg then
# neither converts a statement with thousands of placeholders nor adapts every value one by
# one, and reads come back as one json_agg value that json.loads decodes in C.
# SQLite binds values in C anyway, so it gets plain multi-row VALUES and IN lists.


def _json_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    return _JSON_ROWS.encode([dict(zip(columns, row, strict=True)) for row in rows])


def _key_rows(key: Sequence[str], keys: Sequence[Any]) -> list[tuple[Any, ...]]:
    return [k if isinstance(k, tuple) else (k,) for k in keys]


def _key_where(key: Sequence[str], count: int) -> str:
    if len(key) == 1:
        return f"{key[0]} IN ({placeholders(count)})"
    mark = "(" + placeholders(len(key)) + ")"
    return f"({', '.join(key)}) IN ({', '.join([mark] * count)})"


def _by_key(table: str, key: Sequence[str], selected: str) -> str:
    """`selected` of the row of each key of the json parameter, found one key at a time by the
    primary key's index. A plain join lets the planner hash the keys and scan the whole table,
    which it does whenever the table's statistics lag behind its growth (as they do while a
    rebuild fills a new table): each batch then costs as much as the table is large."""
    matches = " AND ".join(f"t.{column} = k.{column}" for column in key)
    # LIMIT 1 (a key has one row) keeps the subquery from being merged into a join.
    return (
        f"json_populate_recordset(NULL::{table}, ?::json) k CROSS JOIN LATERAL"
        f" (SELECT {selected} FROM {table} t WHERE {matches} LIMIT 1) r"
    )


def write_rows(
    cursor: Cursor,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    key: Sequence[str] = (),
) -> None:
    """Inserts `rows` (tuples in `columns` order), or upserts them on `key`, a batch per
    statement rather than a statement per row. Rows must have distinct keys: PostgreSQL
    refuses to upsert one row twice in a statement."""
    if not rows:
        return
    conflict = ""
    if key:
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
        conflict = f" ON CONFLICT ({', '.join(key)}) " + (
            f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        )
    names = ", ".join(columns)
    if dialect(cursor) == POSTGRES:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names}"
            f" FROM json_populate_recordset(NULL::{table}, ?::json){conflict}",
            (_json_rows(columns, rows),),
        )
        return
    row_mark = "(" + placeholders(len(columns)) + ")"
    per_statement = max(1, min(_CHUNK, _MAX_PARAMS // len(columns)))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        cursor.execute(
            f"INSERT INTO {table} ({names}) VALUES {', '.join([row_mark] * len(chunk))}{conflict}",
            [value for row in chunk for value in row],
        )


def delete_keys(cursor: Cursor, table: str, key: Sequence[str], keys: Sequence[Any]) -> None:
    """Deletes the rows with these keys (scalars for a one-column key, tuples otherwise)."""
    if not keys:
        return
    if dialect(cursor) == POSTGRES:
        cursor.execute(
            f"DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT r.ctid FROM"
            f" {_by_key(table, key, 'ctid')}))",
            (_json_rows(key, _key_rows(key, keys)),),
        )
        return
    per_statement = max(1, min(_CHUNK, _MAX_PARAMS // len(key)))
    for start in range(0, len(keys), per_statement):
        chunk = keys[start : start + per_statement]
        params = [v for k in _key_rows(key, chunk) for v in k]
        cursor.execute(f"DELETE FROM {table} WHERE {_key_where(key, len(chunk))}", params)


def select_keys(
    cursor: Cursor, table: str, key: Sequence[str], columns: Sequence[str], keys: Sequence[Any]
) -> list[Row]:
    """The rows with these keys (scalars for a one-column key, tuples otherwise)."""
    if not keys:
        return []
    if dialect(cursor) == POSTGRES:
        found = cursor.execute(
            f"SELECT json_agg(r) AS found FROM {_by_key(table, key, ', '.join(columns))}",
            (_json_rows(key, _key_rows(key, keys)),),
        ).fetchone()
        return list(found["found"] or []) if found else []
    rows: list[Row] = []
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        params = [v for k in _key_rows(key, chunk) for v in k]
        rows.extend(cursor.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE {_key_where(key, len(chunk))}",
            params,
        ).fetchall())
    return rows


class RowBuffer:
    """The rows of one table touched by a batch.

    `key` names the primary-key column(s); keys are scalars for a one-column key and tuples
    otherwise. Columns listed in `json_columns` hold JSON text in the table and Python values
    in memory.
    """

    def __init__(
        self,
        cursor: Cursor,
        table: str,
        key: str | Sequence[str],
        columns: Sequence[str],
        *,
        json_columns: Iterable[str] = (),
    ):
        self._cursor = cursor
        self.table = table
        self._key = (key,) if isinstance(key, str) else tuple(key)
        self._columns = tuple(columns)
        missing = set(self._key) - set(self._columns)
        if missing:
            raise ValueError(f"{table}: key columns {sorted(missing)} are not columns")
        self._json = frozenset(json_columns)
        self._rows: dict[Any, Row | None] = {}
        self._stored: set[Any] = set()
        self._dirty: dict[Any, None] = {}  # ordered set: rows are written in first-touch order
        self._deleted: dict[Any, None] = {}

    def key_of(self, row: Row) -> Any:
        if len(self._key) == 1:
            return row[self._key[0]]
        return tuple(row[column] for column in self._key)

    def load(self, keys: Iterable[Any]) -> None:
        """Reads the rows of `keys` not read yet; absent ones are remembered as absent."""
        wanted = [key for key in dict.fromkeys(keys) if key not in self._rows]
        for key in wanted:
            self._rows[key] = None
        for raw in select_keys(self._cursor, self.table, self._key, self._columns, wanted):
            row = self._decode(raw)
            key = self.key_of(row)
            self._rows[key] = row
            self._stored.add(key)

    def get(self, key: Any) -> Row | None:
        if key not in self._rows:
            self.load([key])
        return self._rows[key]

    def put(self, row: Row) -> None:
        key = self.key_of(row)
        self._rows[key] = row
        self._dirty[key] = None
        self._deleted.pop(key, None)

    def delete(self, key: Any) -> None:
        # A row known to be absent from the table needs no DELETE statement.
        if key in self._stored or key not in self._rows:
            self._deleted[key] = None
        self._rows[key] = None
        self._dirty.pop(key, None)

    def flush(self) -> None:
        if self._deleted:
            delete_keys(self._cursor, self.table, self._key, list(self._deleted))
            self._stored.difference_update(self._deleted)
            self._deleted.clear()
        if self._dirty:
            write_rows(
                self._cursor,
                self.table,
                self._columns,
                [self._encode(row) for key in self._dirty if (row := self._rows[key])],
                key=self._key,
            )
            self._stored.update(self._dirty)
            self._dirty.clear()

    def _decode(self, raw: Row) -> Row:
        return {
            column: from_json(raw[column]) if column in self._json else raw[column]
            for column in self._columns
        }

    def _encode(self, row: Row) -> tuple[Any, ...]:
        return tuple(
            to_json(row[column]) if column in self._json else row[column]
            for column in self._columns
        )


class SplitRows:
    """Rows kept in one of two tables of the same shape: `listed` while `is_listed(row)`
    holds, `unlisted` otherwise. The network views serve only the listed table, so a row that
    must not be shown (a private need, an unpublished procurement) is never in it, while its
    state is kept up to date for the moment it may be shown."""

    def __init__(
        self,
        listed: RowBuffer,
        unlisted: RowBuffer,
        is_listed: Callable[[Row], bool],
    ):
        self.listed = listed
        self.unlisted = unlisted
        self._is_listed = is_listed
        self._rows: dict[Any, Row] = {}
        self.was_listed: dict[Any, bool] = {}

    def load(self, keys: Iterable[Any]) -> None:
        keys = list(keys)
        self.listed.load(keys)
        self.unlisted.load(keys)

    def get(self, key: Any) -> Row | None:
        """The row (to change in place); it is written back at flush."""
        if key not in self._rows:
            row = self.listed.get(key)
            was_listed = row is not None
            if row is None:
                row = self.unlisted.get(key)
            if row is None:
                return None
            self._rows[key] = row
            self.was_listed[key] = was_listed
        return self._rows[key]

    def add(self, row: Row) -> None:
        key = self.listed.key_of(row)
        self._rows[key] = row
        self.was_listed[key] = False

    def touched(self) -> dict[Any, Row]:
        return self._rows

    def flush(self) -> bool:
        """Writes the rows back; whether the listed table changed (a row written to it or
        taken out of it), which the views' readers see, unlike the unlisted one."""
        listed_changed = False
        for key, row in self._rows.items():
            if self._is_listed(row):
                self.listed.put(row)
                listed_changed = True
                if not self.was_listed[key]:
                    self.unlisted.delete(key)
            else:
                self.unlisted.put(row)
                if self.was_listed[key]:
                    self.listed.delete(key)
                    listed_changed = True
        self.listed.flush()
        self.unlisted.flush()
        return listed_changed
