"""Reading the views for a page: always as fresh as the log, so a page shown after a change
includes it (the API's read-your-writes, asked for the log's head)."""

from __future__ import annotations

from eventstore.log_head import log_head
from projections.queries import position_and_head
from service.api.context import services
from service.api.views import reach_position


def fresh(view: str) -> int | None:
    """Brings `view` up to the log's head; the view's position when it was there already
    (None when it had to catch up: it is then at the head or past it)."""
    svc = services()
    head = log_head(svc.innoledger.recorder, svc.sql)
    # One round trip when the view is there already (the usual case: a runner keeps it within
    # milliseconds of the log); it also carries the request's principal check, if any.
    at, highest = position_and_head(svc.sql, view, head.highest_expression())
    if at < highest:
        reach_position(view, highest)
        return None
    return at
