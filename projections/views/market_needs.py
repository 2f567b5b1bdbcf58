"""The market's needs: every publication of a need to the market and every withdrawal, in log
order — the index behind the open (no sign-in) list and feed of published needs.

Only the index lives here (which need, whose, when, published or withdrawn); what the market is
shown of a need is read from the need itself when answering, through the same visibility rule
as every read, so a lagging view can never show more than the need's owner published.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from eventstore.sql import Cursor
from projections.base import ProjectedEvent
from projections.db import Table
from projections.rows import write_rows
from projections.topics import NEED_PUBLISHED_TO_MARKET, NEED_WITHDRAWN_FROM_MARKET
from projections.values import micros
from projections.views.common import View

VIEW_NAME = "market_needs"
PUBLISHED = "published"
WITHDRAWN = "withdrawn"
COLUMNS = ("position", "need_id", "version", "owner", "event", "recorded_at")
EVENTS = Table(
    "market_need_events",
    "position BIGINT PRIMARY KEY, need_id TEXT NOT NULL, version BIGINT NOT NULL,"
    " owner TEXT NOT NULL, event TEXT NOT NULL, recorded_at BIGINT NOT NULL",
    (("need", "need_id, position"),),
)


class MarketNeeds(View):
    name = VIEW_NAME
    tables: ClassVar[tuple[Table, ...]] = (EVENTS,)
    topics: ClassVar[tuple[str, ...]] = (NEED_PUBLISHED_TO_MARKET, NEED_WITHDRAWN_FROM_MARKET)

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        rows = [
            (
                event.position,
                event.aggregate_id,
                event.originator_version,
                event.audit.get("tenant", ""),
                PUBLISHED if event.topic == NEED_PUBLISHED_TO_MARKET else WITHDRAWN,
                micros(event.recorded_at),
            )
            for event in events
        ]
        write_rows(cursor, EVENTS.base + suffix, COLUMNS, rows)
