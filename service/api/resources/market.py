"""Open to the market, without sign-in (`/api/open/v1`): the needs municipalities publish to the
market, and the OCDS releases and records of published procurements (tenderers only from the
award on), as pages of JSON that link to the next, and Atom feeds.

Nothing here authenticates or reads a token: every answer is the same for whoever asks, public
data a shared cache may keep (`Cache-Control: public`), with a strong ETag and Last-Modified so
a follower's conditional request costs a 304. The reader is `Principal.public()`, which the
access policy lets see published needs and published procurements only.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from flask import Response, request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from domain.procurement import PROCUREMENT_STATES
from projections import queries
from service.api.blueprint import Blueprint
from service.api.context import services
from service.api.dumping import dumped
from service.api.resources.ocds import OcdsRecordPackageSchema, OcdsReleasePackageSchema
from service.api.views import reach_position
from service.errors import NotFound
from service.market import atom
from service.market.needs import (
    Links,
    feed,
    published_need,
    published_needs,
    representation,
)
from service.ocds import jsonio
from service.ocds.mapping import ocid_for
from service.ocds.service import published_release_packages, record_package, release_package
from service.principal import Principal

OPEN_PREFIX = "/api/open/v1"
MARKET_VIEW = "market_needs"
PORTFOLIO_VIEW = "procurement_portfolio"
# Followers poll; a minute keeps a shared cache useful without hiding a withdrawal for long.
PUBLIC_MAX_AGE = "public, max-age=60"
OPEN: dict[str, Any] = {"security": []}

blp = Blueprint(
    "market",
    __name__,
    url_prefix=OPEN_PREFIX,
    description="Open to the market, without sign-in: needs municipalities publish to the "
    "market, and the OCDS releases of published procurements, as pages that link to the next "
    "(`links.next`) and Atom feeds. Public data: cacheable, with ETag and Last-Modified.",
)


class OpenPageQuerySchema(Schema):
    cursor = fields.String(validate=validate.Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    position = fields.Integer(
        validate=validate.Range(min=0, max=2**62),
        metadata={"description": "Wait until the list reflects this log position"},
    )


class ProcurementFeedQuerySchema(OpenPageQuerySchema):
    status = fields.String(
        validate=validate.OneOf(PROCUREMENT_STATES),
        metadata={"description": "Only procurements in this phase, e.g. tendering"},
    )
    innovation = fields.Boolean(
        truthy={"true"}, falsy={"false"},
        metadata={"description": "Only innovation procurements (true) or the others (false)"},
    )


class OcdsPageQuerySchema(Schema):
    cursor = fields.String(validate=validate.Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class MunicipalityOutSchema(Schema):
    slug = fields.String()
    name = fields.String()
    organisation_number = fields.String()


class AreaOutSchema(Schema):
    id = fields.String()
    name = fields.String()


class ProcurementRefSchema(Schema):
    ocid = fields.String()
    record = fields.String(metadata={"description": "Its open OCDS record package"})


class MarketNeedSchema(Schema):
    id = fields.String()
    url = fields.String()
    owner = fields.Nested(MunicipalityOutSchema)
    co_owners = fields.List(fields.Nested(MunicipalityOutSchema))
    title = fields.String()
    problem_statement = fields.String()
    innovation_area = fields.Nested(AreaOutSchema, allow_none=True)
    affected_end_users = fields.List(fields.String())
    status = fields.String()
    summary = fields.String(
        allow_none=True, metadata={"description": "What the municipality asks of the market"}
    )
    published_at = fields.DateTime(metadata={"description": "When it was published"})
    procurement = fields.Nested(
        ProcurementRefSchema, allow_none=True,
        metadata={"description": "The published procurement meeting the need"},
    )


class PageLinksSchema(Schema):
    self = fields.String()
    next = fields.String(metadata={"description": "The next page; absent on the last"})
    feed = fields.String(metadata={"description": "The Atom feed"})


class MarketNeedPageSchema(Schema):
    items = fields.List(fields.Nested(MarketNeedSchema))
    links = fields.Nested(PageLinksSchema)
    next_cursor = fields.String(allow_none=True)
    position = fields.Integer()


def _links() -> Links:
    return Links(
        need=lambda need_id: url_for("market.MarketNeed", need_id=need_id, _external=True),
        record=lambda procurement_id: url_for(
            "market.OpenProcurementRecord", procurement_id=procurement_id, _external=True
        ),
    )


def public_answer(body: bytes, mimetype: str, last_modified: datetime | None) -> Response:
    """A public answer with validators, or 304 when the follower has it already."""
    response = Response(body, status=200, mimetype=mimetype)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if last_modified is not None:
        response.last_modified = last_modified.astimezone(UTC)
    response.headers["Cache-Control"] = PUBLIC_MAX_AGE
    response.make_conditional(request)  # in place: 304 without a body when it matches
    return response


def _json(document: Any) -> bytes:
    return jsonio.dumps(document).encode("utf-8")


@blp.route("/needs")
class MarketNeeds(MethodView):
    @blp.doc(**OPEN)
    @blp.arguments(OpenPageQuerySchema, location="query")
    @blp.response(200, MarketNeedPageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Needs on the market, oldest publication first; follow `links.next`, then poll the
        last page (its cursor stays valid)"""
        svc = services()
        reach_position(MARKET_VIEW, query.pop("position", None))
        page = published_needs(svc.innoledger, svc.sql, **query)
        links = _links()
        limit = query["limit"]
        body: dict[str, Any] = {
            "items": [
                dumped(MarketNeedSchema, representation(svc.innoledger, item, links))
                for item in page.items
            ],
            "links": {
                "self": request.url,
                "feed": url_for("market.MarketNeedsFeed", _external=True),
            },
            "next_cursor": page.next_cursor,
            "position": page.position,
        }
        if page.next_cursor is not None:
            body["links"]["next"] = url_for(
                "market.MarketNeeds", cursor=page.next_cursor, limit=limit, _external=True
            )
        return public_answer(_json(body), "application/json", page.last_modified)


@blp.route("/needs/<need_id>")
class MarketNeed(MethodView):
    @blp.doc(**OPEN)
    @blp.response(200, MarketNeedSchema)
    def get(self, need_id: str) -> Any:
        """One need on the market"""
        app = services().innoledger
        shown = published_need(app, need_id)
        body = dumped(MarketNeedSchema, representation(app, shown, _links()))
        return public_answer(_json(body), "application/json", shown.published_at)


@blp.route("/feeds/needs.atom")
class MarketNeedsFeed(MethodView):
    @blp.doc(
        security=[],
        responses={"200": {"description": "Atom 1.0 feed, newest first",
                           "content": {atom.MEDIA_TYPE: {"schema": {"type": "string"}}}}},
    )
    @blp.arguments(OpenPageQuerySchema, location="query")
    def get(self, query: dict[str, Any]) -> Any:
        """Atom feed of needs published to the market, and withdrawn (tombstones), newest
        first"""
        svc = services()
        reach_position(MARKET_VIEW, query.pop("position", None))
        entries, older, _position = feed(svc.innoledger, svc.sql, **query)
        links = _links()
        doc = atom.Feed(
            id=f"urn:innoledger:{svc.settings.ocid_prefix}:market:needs",
            title="Innoledger: behov publicerade för marknaden",
            self_url=request.url,
            next_url=None if older is None else url_for(
                "market.MarketNeedsFeed", cursor=older, limit=query["limit"], _external=True
            ),
        )
        for entry in entries:
            ref = f"urn:uuid:{entry.need_id}"
            if entry.published is None:
                doc.items.append(atom.Tombstone(ref, entry.recorded_at, "Tillbakadragen"))
                continue
            shown = representation(svc.innoledger, entry.published, links)
            doc.items.append(atom.Entry(
                id=ref, title=shown["title"], updated=entry.recorded_at,
                author=shown["owner"]["name"],
                summary=shown["summary"] or shown["problem_statement"],
                content=shown["problem_statement"], alternate=shown["url"],
                categories=((shown["innovation_area"] or {}).get("name", ""), shown["status"]),
            ))  # fmt: skip
        body = atom.render(doc, empty_since=datetime(2000, 1, 1, tzinfo=UTC))
        return public_answer(body, atom.MEDIA_TYPE, doc.updated())


@blp.route("/feeds/procurements.atom")
class ProcurementsFeed(MethodView):
    @blp.doc(
        security=[],
        responses={"200": {"description": "Atom 1.0 feed, newest first",
                           "content": {atom.MEDIA_TYPE: {"schema": {"type": "string"}}}}},
    )
    @blp.arguments(ProcurementFeedQuerySchema, location="query")
    def get(self, query: dict[str, Any]) -> Any:
        """Atom feed of published procurements, newest first, each linking to its OCDS
        record; `status=tendering` for the calls for tenders open now"""
        svc = services()
        reach_position(PORTFOLIO_VIEW, query.pop("position", None))
        page = queries.list_portfolio(svc.sql, **query)
        public = Principal.public()
        doc = atom.Feed(
            id=f"urn:innoledger:{svc.settings.ocid_prefix}:market:procurements",
            title="Innoledger: publicerade upphandlingar",
            self_url=request.url,
            next_url=None if page.next_cursor is None else url_for(
                "market.ProcurementsFeed", **{**query, "cursor": page.next_cursor},
                _external=True,
            ),
        )
        for row in page.rows:
            try:
                procurement = svc.innoledger.procurement(public, row["procurement_id"])
            except NotFound:
                continue  # a view that lags behind an award voided on review
            lead = svc.innoledger.require_registered(procurement.lead).name
            facts = [f"Upphandlande: {lead}", f"Status: {row['status']}"]
            if row["notice_id"]:
                facts.append(f"Annons: {row['notice_id']}")
            if row["tender_deadline"]:
                facts.append(f"Sista anbudsdag: {row['tender_deadline']}")
            if row["cpv_code"]:
                facts.append(f"CPV: {row['cpv_code']}")
            doc.items.append(atom.Entry(
                id=f"urn:ocid:{ocid_for(svc.settings.ocid_prefix, procurement.id)}",
                title=procurement.title, updated=datetime.fromisoformat(row["updated_at"]),
                author=lead, summary=" · ".join(facts), content=procurement.description,
                alternate=url_for("market.OpenProcurementRecord",
                                  procurement_id=str(procurement.id), _external=True),
                categories=(row["status"], row["procedure"] or "",
                            "innovation" if row["innovation"] else ""),
            ))  # fmt: skip
        body = atom.render(doc, empty_since=datetime(2000, 1, 1, tzinfo=UTC))
        return public_answer(body, atom.MEDIA_TYPE, doc.updated())


@blp.route("/ocds/releases")
class OpenReleases(MethodView):
    @blp.doc(**OPEN)
    @blp.arguments(OcdsPageQuerySchema, location="query")
    @blp.response(200, OcdsReleasePackageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """OCDS release package: the latest release of every published procurement, in the
        order they were published; follow `links.next`"""
        limit = query["limit"]

        def link(cursor: str) -> str:
            return url_for("market.OpenReleases", cursor=cursor, limit=limit, _external=True)

        page = published_release_packages(
            services().innoledger, Principal.public(), query.get("cursor"), limit,
            uri=request.url, link=link,
        )  # fmt: skip
        return public_answer(_json(page.package), "application/json",
                             _published(page.package))  # fmt: skip


@blp.route("/procurements/<procurement_id>/ocds/releases")
class OpenProcurementReleases(MethodView):
    @blp.doc(**OPEN)
    @blp.response(200, OcdsReleasePackageSchema)
    def get(self, procurement_id: str) -> Any:
        """Every OCDS release of a published procurement"""
        package = release_package(
            services().innoledger, Principal.public(), procurement_id, uri=request.url
        )
        return public_answer(_json(package), "application/json", _published(package))


@blp.route("/procurements/<procurement_id>/ocds/record")
class OpenProcurementRecord(MethodView):
    @blp.doc(**OPEN)
    @blp.response(200, OcdsRecordPackageSchema)
    def get(self, procurement_id: str) -> Any:
        """The OCDS record of a published procurement: its releases and the compiled release"""
        package = record_package(
            services().innoledger, Principal.public(), procurement_id, uri=request.url
        )
        return public_answer(_json(package), "application/json", _published(package))


def _published(package: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(package["publishedDate"]))
    except (KeyError, ValueError):
        return None

