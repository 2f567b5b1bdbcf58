"""What the market is shown of the needs their owners published to it.

The list and the feed come from a read model that only indexes publications and withdrawals
(`projections.views.market_needs`); every need is then read through the application's accessor
as the public reader (`Principal.public()`), which sees a need only while it is on the market.
So a view that lags behind a withdrawal still shows nothing the owner took back, and nothing of
a need beyond its public description: never its SWOT, workshops, scores, rationales or people.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.need import Need
from eventstore.sql import SqlStore
from projections import queries
from projections.values import from_micros
from service.errors import NotFound
from service.innoledger import Innoledger
from service.ocds.mapping import ocid_for
from service.principal import Principal


@dataclass(frozen=True)
class Links:
    """The open URLs answers point to (made by the HTTP layer)."""

    need: Callable[[str], str]
    record: Callable[[str], str]


@dataclass(frozen=True)
class MarketNeed:
    need: Need
    published_at: datetime  # transaction time of the publication in force
    position: int


@dataclass(frozen=True)
class FeedEntry:
    position: int
    need_id: str
    owner: str
    recorded_at: datetime
    published: MarketNeed | None  # None: a withdrawal (or a publication since superseded)


@dataclass(frozen=True)
class MarketPage:
    items: list[MarketNeed]
    next_cursor: str | None
    position: int  # the log position the index reflects

    @property
    def last_modified(self) -> datetime | None:
        return max((item.published_at for item in self.items), default=None)


def _on_market(app: Innoledger, need_id: str, version: int) -> Need | None:
    """The need if the publication at `version` is the one in force (a later withdrawal or
    republication supersedes it), read as the public reader."""
    try:
        need = app.need(Principal.public(), need_id)
    except NotFound:
        return None
    market = need.market
    if market is None or market["version"] != version:
        return None
    return need


def published_needs(
    app: Innoledger, store: SqlStore, *, cursor: str | None = None, limit: int = 50
) -> MarketPage:
    page = queries.list_market_needs(store, cursor=cursor, limit=limit)
    items = []
    for row in page.rows:
        need = _on_market(app, row["need_id"], int(row["version"]))
        if need is not None:
            items.append(MarketNeed(need, from_micros(int(row["recorded_at"])),
                                    int(row["position"])))
    return MarketPage(items, page.next_cursor, page.position)


def published_need(app: Innoledger, need_id: str) -> MarketNeed:
    """One need on the market; any other need answers as absent (NotFound)."""
    need = app.need(Principal.public(), need_id)
    market = need.market
    assert market is not None  # the public reader sees only needs on the market
    version = int(market["version"])
    stored = app.recorder.select_events(need.id, gt=version - 1, lte=version)
    event: Any = app.mapper.to_domain_event(stored[0])
    return MarketNeed(need, event.timestamp, stored[0].originator_version)


def feed(
    app: Innoledger, store: SqlStore, *, cursor: str | None = None, limit: int = 50
) -> tuple[list[FeedEntry], str | None, int]:
    """Publications in force and withdrawals, newest first; the cursor of older entries."""
    page = queries.market_need_events(store, cursor=cursor, limit=limit)
    entries = []
    for row in page.rows:
        recorded = from_micros(int(row["recorded_at"]))
        shown = None
        if row["event"] == "published":
            need = _on_market(app, row["need_id"], int(row["version"]))
            if need is None:
                continue  # withdrawn or published again since: its later entry tells
            shown = MarketNeed(need, recorded, int(row["position"]))
        entries.append(FeedEntry(int(row["position"]), row["need_id"], row["owner"], recorded,
                                 shown))  # fmt: skip
    return entries, page.next_cursor, page.position


def _municipality(app: Innoledger, slug: str) -> dict[str, str]:
    municipality = app.require_registered(slug)
    return {"slug": slug, "name": municipality.name,
            "organisation_number": municipality.organisation_number}  # fmt: skip


def _area(app: Innoledger, need: Need) -> dict[str, str] | None:
    """The area the owner filed the need under: one of the network's shared catalogue or its
    own (published with the need, as the owner chose it)."""
    name = app.require_registered(need.owner).area_name(need.innovation_area_id)
    return None if name is None else {"id": need.innovation_area_id, "name": name}


def _procurement(app: Innoledger, need: Need, links: Links) -> dict[str, str] | None:
    """The procurement meeting the need, once it is published itself."""
    if need.procurement_id is None:
        return None
    try:
        procurement = app.procurement(Principal.public(), need.procurement_id)
    except NotFound:
        return None
    return {
        "ocid": ocid_for(app.settings.ocid_prefix, procurement.id),
        "record": links.record(str(procurement.id)),
    }


def representation(app: Innoledger, shown: MarketNeed, links: Links) -> dict[str, Any]:
    """The need as the market sees it: what it is, whose, and what the owner asks for."""
    need = shown.need
    market = need.market
    assert market is not None
    return {
        "id": str(need.id),
        "url": links.need(str(need.id)),
        "owner": _municipality(app, need.owner),
        "co_owners": [_municipality(app, slug) for slug in need.co_owners],
        "title": need.title,
        "problem_statement": need.problem_statement,
        "innovation_area": _area(app, need),
        "affected_end_users": list(need.affected_end_users),
        "status": need.status,
        "summary": market["summary"],
        "published_at": shown.published_at,
        "procurement": _procurement(app, need, links),
    }
