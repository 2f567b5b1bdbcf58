"""Rows kept with their API form: each row of a list view also holds, as JSON text, the entry the
API answers for it (`api`), rendered when the row is written. A page is then its rows' texts
joined, so serving one decodes, formats and encodes nothing per row.

A store made before a view kept that column gets it from its own rows the first time the tables
are ensured (`keep_layout`), without replaying the log: the view goes on answering at its
position instead of starting again from an empty table at position 0."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from eventstore.sql import Cursor
from projections.db import Table, columns_of, table_exists
from projections.rows import Row, write_rows
from projections.values import from_json

API_COLUMN = "api"

# The API's own JSON settings (insertion order, no spaces, text as is), so that the stored
# text is byte for byte what serialising the row's API form in a response would give.
_API_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def render(value: Any) -> str:
    """JSON text as the API writes it."""
    return _API_JSON.encode(value)


def keep_layout(
    cursor: Cursor,
    table: Table,
    suffix: str,
    *,
    columns: Sequence[str],
    json_columns: Sequence[str],
    api_form: Callable[[Row], dict[str, Any]],
) -> None:
    """Gives a table of an earlier layout today's (`columns`), from its own rows: the `api`
    column, filled by `api_form` from the other columns (those in `json_columns` decoded),
    where it was missing; without the columns today's layout no longer has.

    Every other column is kept as it is, so the tables still reflect their tracking position.
    The table is made anew rather than altered: it then has exactly the layout (and NOT NULL)
    of a table created today on both databases, and a process still running the code of before
    fails on writing a row of the old layout rather than leave a stale one behind."""
    name = table.base + suffix
    if not table_exists(cursor, name):
        return
    present = columns_of(cursor, name)
    if present == set(columns):
        return
    kept = [column for column in columns if column in present]
    rows = cursor.execute(f"SELECT {', '.join(kept)} FROM {name}").fetchall()
    cursor.execute(f"DROP TABLE {name}")  # with its indexes, whose names create() reuses
    table.create(cursor, suffix)
    if API_COLUMN not in present:
        for row in rows:
            decoded = {c: from_json(row[c]) if c in json_columns else row[c] for c in kept}
            row[API_COLUMN] = render(api_form(decoded))
    write_rows(cursor, name, columns, [tuple(row[c] for c in columns) for row in rows])
