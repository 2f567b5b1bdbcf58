"""OCDS export (Open Contracting Data Standard 1.1.5): releases, records, the network list.

The bodies are OCDS packages; the official OCDS schemas are their contract, so the schemas here
only sketch them for the OpenAPI document. They are written by `service.ocds.jsonio`, which keeps
amounts JSON numbers with exactly two decimals (the app's JSON provider would make them strings).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, request, url_for
from flask.views import MethodView
from marshmallow import INCLUDE, Schema, fields

from domain import clock
from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.schemas.common import PageQuerySchema
from service.api.views import log_answer
from service.ocds import jsonio
from service.ocds.service import published_release_packages, record_package, release_package

blp = Blueprint(
    "ocds",
    __name__,
    url_prefix="/api/v1",
    description="Open Contracting Data Standard (OCDS 1.1.5) export: each procurement is a "
    "contracting process whose events are releases (planning, tender, award, contract, "
    "implementation, …). Bids and tenderers appear only in releases from the award on.",
)
OCDS_MEDIA_TYPE = "application/json"


class _PackageSchema(Schema):
    class Meta:
        unknown = INCLUDE

    uri = fields.String(required=True)
    version = fields.String(required=True, metadata={"example": "1.1"})
    publishedDate = fields.String(required=True, metadata={"format": "date-time"})
    publisher = fields.Dict(required=True)


class OcdsReleasePackageSchema(_PackageSchema):
    """An OCDS 1.1.5 release package (release-package-schema.json)."""

    releases = fields.List(
        fields.Dict(), required=True, metadata={"description": "OCDS releases, oldest first"}
    )
    links = fields.Dict(
        metadata={"description": "Network list only: `next`, the URL of the next page"}
    )


class OcdsRecordPackageSchema(_PackageSchema):
    """An OCDS 1.1.5 record package (record-package-schema.json): one record with the
    releases embedded and the compiled release."""

    records = fields.List(fields.Dict(), required=True)


def _ocds(document: dict[str, Any]) -> Response:
    return Response(jsonio.dumps(document), status=200, mimetype=OCDS_MEDIA_TYPE)


def _export(build: Callable[[], dict[str, Any]]) -> Response:
    """An OCDS package, or 304: made of the log, the day (a standstill ends at midnight, and
    its release with it) and the package's own address."""
    return log_answer(lambda: _ocds(build()), clock.today().isoformat(), request.url)


@blp.route("/procurements/<procurement_id>/ocds/releases")
class ProcurementReleases(MethodView):
    @blp.conditional
    @blp.response(200, OcdsReleasePackageSchema)
    def get(self, procurement_id: str) -> Any:
        """The procurement's OCDS releases, one per event OCDS covers"""
        app = services().innoledger
        return _export(
            lambda: release_package(app, current_principal(), procurement_id, uri=request.url)
        )


@blp.route("/procurements/<procurement_id>/ocds/record")
class ProcurementRecord(MethodView):
    @blp.conditional
    @blp.response(200, OcdsRecordPackageSchema)
    def get(self, procurement_id: str) -> Any:
        """The procurement's OCDS record: every release and the compiled release"""
        app = services().innoledger
        return _export(
            lambda: record_package(app, current_principal(), procurement_id, uri=request.url)
        )


@blp.route("/ocds/releases")
class NetworkReleases(MethodView):
    @blp.conditional
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, OcdsReleasePackageSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """The latest release of every published procurement network-wide, in the order they
        were published; follow `links.next` for the next page"""
        limit = query["limit"]

        def link(cursor: str) -> str:
            return url_for("ocds.NetworkReleases", cursor=cursor, limit=limit, _external=True)

        return _export(
            lambda: published_release_packages(
                services().innoledger,
                current_principal(),
                query.get("cursor"),
                limit,
                uri=request.url,
                link=link,
            ).package
        )
