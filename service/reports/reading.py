"""What every report reads the same way: periods in the Swedish calendar, and the decision log
as the caller is shown it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from domain.errors import InvalidValue
from domain.values.timestamps import STOCKHOLM
from eventstore.sql import SqlStore
from projections import queries
from service.audit.decision_log import as_shown_to
from service.principal import Principal

# A report is one document: past this many decisions the period must be shortened.
MAX_DECISIONS = 5000
_PAGE = queries.MAX_LIMIT


def day_starts(day: date) -> datetime | None:
    """The moment a Stockholm calendar day begins; None at the ends of the calendar, where the
    period is open on that side."""
    if not date(1, 1, 2) < day < date(9999, 12, 31):
        return None
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM)


def period_bounds(first: date, last: date) -> tuple[datetime | None, datetime | None]:
    """[start of `first`, start of the day after `last`) in Stockholm time."""
    end = None if last >= date(9999, 12, 30) else day_starts(last + timedelta(days=1))
    return day_starts(first), end


def decisions_in(
    app: Any,
    store: SqlStore,
    principal: Principal,
    *,
    scope: str | None,
    too_many_field: str,
    **filters: Any,
) -> tuple[list[dict[str, Any]], int]:
    """Every decision of the log matching `filters` (as `queries.list_decisions`), in log
    order, as `principal` is shown them, with the log's position. The caller has checked that
    `principal` may read them."""
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    position = 0
    while True:
        page = queries.list_decisions(store, scope=scope, cursor=cursor, limit=_PAGE, **filters)
        position = page.position if not rows else min(position, page.position)
        rows.extend(page.rows)
        if len(rows) > MAX_DECISIONS:
            raise InvalidValue(
                f"{too_many_field}: the period holds more than {MAX_DECISIONS} decisions; "
                "choose a shorter period",
                field=too_many_field,
            )
        cursor = page.next_cursor
        if cursor is None:
            break
    return as_shown_to(app, principal, rows), position
