"""OCDS packages of procurements, as a principal may see them.

Visibility is the application's: a procurement is reached only through `app.procurement`, so
another tenant's unpublished procurement is absent (NotFound → 404). Bids stay secret before
the award in every package (see `mapping`), and a principal who may not see bids
(`can_see_bids`) never gets tenderers at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import ocdsmerge
from eventsourcing.persistence import Notification

from domain.errors import InvalidValue
from domain.procurement import Procurement
from domain.values.timestamps import utc_now
from eventstore.log_head import log_head
from service.access_policy import can_see_bids
from service.errors import NotFound
from service.innoledger import Innoledger
from service.ocds.mapping import (
    TOPIC_PREFIX,
    ExportContext,
    Organisation,
    build_releases,
    ocid_for,
    release_date,
)
from service.principal import Principal

OCDS_VERSION = "1.1"
PUBLISHER = {"name": "Innoledger"}
# A procurement enters the network list when it is first made public: by its notice, or, for
# procedures without one, by its award.
PUBLISHING_TOPICS = (f"{TOPIC_PREFIX}Published", f"{TOPIC_PREFIX}Awarded")
LOG_BATCH = 200


@cache
def release_schema() -> dict[str, Any]:
    """The OCDS 1.1.5 release schema shipped with the package (never fetched at run time)."""
    text = resources.files("service.ocds").joinpath("schema/release-schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def merger() -> ocdsmerge.Merger:
    # ocdsmerge would download the latest schema without one; the merge rules come from ours.
    return ocdsmerge.Merger(schema=release_schema())


def compile_release(releases: list[dict[str, Any]]) -> dict[str, Any]:
    return merger().create_compiled_release(releases)


def release_package(
    app: Innoledger,
    principal: Principal,
    procurement_id: str,
    *,
    now: datetime | None = None,
    uri: str | None = None,
) -> dict[str, Any]:
    """Every release of one procurement, oldest first."""
    procurement = app.procurement(principal, procurement_id)
    ocid = _ocid(app, procurement)
    releases = _releases(app, principal, procurement, now or utc_now(), {})
    if not releases:
        raise _no_releases(procurement_id)
    return _package(uri or f"urn:innoledger:ocds:{ocid}:releases", releases, "releases")


def record_package(
    app: Innoledger,
    principal: Principal,
    procurement_id: str,
    *,
    now: datetime | None = None,
    uri: str | None = None,
) -> dict[str, Any]:
    """The procurement's record: its releases embedded, and the compiled release."""
    procurement = app.procurement(principal, procurement_id)
    ocid = _ocid(app, procurement)
    releases = _releases(app, principal, procurement, now or utc_now(), {})
    if not releases:
        raise _no_releases(procurement_id)
    record = {"ocid": ocid, "releases": releases, "compiledRelease": compile_release(releases)}
    return _package(uri or f"urn:innoledger:ocds:{ocid}:record", [record], "records")


@dataclass(frozen=True)
class NetworkPage:
    package: dict[str, Any]
    next_cursor: str | None  # where the next page starts; None on the last page


def published_release_packages(
    app: Innoledger,
    principal: Principal,
    cursor: str | None = None,
    limit: int = 50,
    *,
    now: datetime | None = None,
    uri: str | None = None,
    link: Callable[[str], str] | None = None,
) -> NetworkPage:
    """The latest release of every published procurement the principal sees, network-wide, in
    the order they were first published, `limit` at a time.

    The cursor is the log position of the last procurement on the previous page. `link` turns a
    cursor into the URL of that page, for the package's `links.next`. A page with nothing on it
    has an empty `releases`, which OCDS's package schema does not allow (it wants at least one);
    the alternative, an error for an empty network, would serve clients worse.
    """
    if not 1 <= limit <= 1000:
        raise InvalidValue("limit: from 1 to 1000", field="limit")
    moment = now or utc_now()
    organisations: dict[str, Organisation] = {}
    found: list[tuple[int, dict[str, Any]]] = []
    # One more than asked for, so a full page says truthfully whether another follows.
    for position, procurement in _published_procurements(app, principal, _position(cursor), moment):
        releases = _releases(app, principal, procurement, moment, organisations)
        if releases:
            found.append((position, releases[-1]))
        if len(found) > limit:
            break
    more = len(found) > limit
    page = found[:limit]
    next_cursor = str(page[-1][0]) if more else None
    package = _package(
        uri or f"urn:innoledger:ocds:releases:{cursor or 0}", [r for _, r in page], "releases"
    )
    if next_cursor is not None and link is not None:
        # `links` is not in the 1.1 package schema (it allows extra fields); it is the paging
        # link OCDS 1.2 standardises, so clients can follow it already.
        package["links"] = {"next": link(next_cursor)}
    return NetworkPage(package=package, next_cursor=next_cursor)


def _published_procurements(
    app: Innoledger, principal: Principal, after: int, now: datetime
) -> Iterator[tuple[int, Procurement]]:
    position = after
    # The cursor never moves past a save still in flight (its release would be skipped).
    safe = log_head(app.recorder).safe(wait_s=0.5)
    while True:
        batch = app.recorder.select_notifications(
            start=position, limit=LOG_BATCH, stop=safe, topics=PUBLISHING_TOPICS,
            inclusive_of_start=False,
        )
        if not batch:
            return
        for notification in batch:
            position = notification.id
            if not _first_publication(app, notification):
                continue  # listed already, at its first publication
            event: Any = app.mapper.to_domain_event(notification)
            if event.timestamp > now:
                continue  # not out yet at the moment the list is built as of
            try:
                # The application's accessor judges visibility, as for a single procurement.
                procurement = app.procurement(principal, str(notification.originator_id))
            except NotFound:
                continue
            # An award voided on review can take a procedure without notice out of the public.
            if procurement.is_published:
                yield notification.id, procurement


def _first_publication(app: Innoledger, notification: Notification) -> bool:
    """Whether this is the procurement's first notice or award (a later award, after a notice
    or a review, must not list it twice)."""
    earlier = app.recorder.select_events(
        notification.originator_id, lte=notification.originator_version - 1
    )
    return not any(stored.topic in PUBLISHING_TOPICS for stored in earlier)


def _releases(
    app: Innoledger,
    principal: Principal,
    procurement: Procurement,
    now: datetime,
    organisations: dict[str, Organisation],
) -> list[dict[str, Any]]:
    slugs = [procurement.lead, *(p.municipality for p in procurement.participants)]
    for slug in slugs:
        if slug not in organisations:
            municipality = app.municipality(principal, slug)
            organisations[slug] = Organisation(municipality.name, municipality.organisation_number)
    context = ExportContext(
        ocid=_ocid(app, procurement),
        municipalities=organisations,
        now=now,
        disclose_bids=can_see_bids(principal, procurement),
    )
    history = (
        (stored.topic, app.mapper.to_domain_event(stored))
        for stored in app.recorder.select_events(procurement.id)
    )
    return build_releases(history, context)  # type: ignore[arg-type]


def _package(uri: str, contents: list[dict[str, Any]], key: str) -> dict[str, Any]:
    dates = [_latest_date(item) for item in contents]
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        # Built on demand: OCDS asks for the date of the last change to the contents, which
        # also keeps the package the same from one request to the next.
        "publishedDate": max(dates) if dates else release_date(utc_now()),
        "publisher": dict(PUBLISHER),
        key: contents,
    }


def _latest_date(item: dict[str, Any]) -> str:
    if "releases" in item:  # a record
        return str(item["releases"][-1]["date"])
    return str(item["date"])


def _ocid(app: Innoledger, procurement: Procurement) -> str:
    return ocid_for(app.settings.ocid_prefix, procurement.id)


def _position(cursor: str | None) -> int:
    if cursor in (None, ""):
        return 0
    assert cursor is not None
    # isascii too: str.isdigit() also accepts superscripts, which int() refuses.
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
        raise InvalidValue("cursor: the next_cursor of a previous page", field="cursor")
    return int(cursor)


def _no_releases(procurement_id: str) -> NotFound:
    # Only when built as of a moment before the procurement was started.
    return NotFound(f"procurement {procurement_id} has no releases yet")
