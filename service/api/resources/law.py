"""The law's amounts: the record decisions are checked against, and entering a new amount."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.views import MethodView

from domain.errors import InvalidValue
from domain.law_amounts import LAW_AMOUNTS_ID, SERIES
from service.api.blueprint import Blueprint
from service.api.conditional import conditional_response, object_etag
from service.api.context import current_principal, services
from service.api.dumping import dumped
from service.api.schemas.common import CommandResultSchema
from service.api.schemas.law import LawAmountSchema, LawAmountsQuerySchema, LawAmountsSchema
from service.api.versioning import command_response
from service.audit.as_of import version_as_of

blp = Blueprint(
    "law",
    __name__,
    url_prefix="/api/v1/law",
    description="The law's amounts (direct-award limit, EU thresholds) as an audited record: "
    "each amount with its effective date, official source and who entered it.",
)


@blp.route("/amounts")
class LawAmounts(MethodView):
    @blp.conditional
    @blp.arguments(LawAmountsQuerySchema, location="query")
    @blp.response(200, LawAmountsSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """The amounts on record (now, at a version or as of a moment), and the warnings of
        amounts revised every second year whose newest entry is more than two years old"""
        current_principal()  # any authenticated caller: the law is public
        innoledger = services().innoledger
        version = query.get("version")
        if version is not None and query.get("as_of") is not None:
            raise InvalidValue("give version or as_of, not both", field="as_of")
        if query.get("as_of") is not None:
            version = version_as_of(innoledger, LAW_AMOUNTS_ID, query["as_of"])
            if version is None:
                entries, _ = innoledger.law_amounts()
                return _answer(entries, 0, innoledger.law_amount_warnings())
        entries, at = innoledger.law_amounts(version=version)
        return _answer(entries, at, innoledger.law_amount_warnings() if version is None else [])

    @blp.arguments(LawAmountSchema)
    @blp.response(201, CommandResultSchema)
    def post(self, body: dict[str, Any]) -> Any:
        """Enter a new amount with its effective date and official source (platform admin);
        entries never change"""
        result = services().innoledger.enter_law_amount(current_principal(), **body)
        return command_response(result, status=201)


def _answer(
    entries: dict[str, list[dict[str, Any]]], version: int, warnings: list[dict[str, Any]]
) -> Response:
    """The record at `version` with its warnings, or 304 when the caller holds it: its ETag
    names the version (0: the seed, not yet on record), the warnings (they depend on the day)
    and the caller."""
    # The seed (version 0) is data of the release: its entries name it.
    made_of = (repr(warnings), *((repr(entries),) if version == 0 else ()))
    etag = object_etag(version, "", current_principal(), *made_of)
    return conditional_response(
        etag, lambda: jsonify(dumped(LawAmountsSchema, _body(entries, version, warnings)))
    )


def _body(
    entries: dict[str, list[dict[str, Any]]], version: int, warnings: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "version": version,
        "on_record": version > 0,
        "series": [
            {
                "series": kind.key,
                "name": kind.name,
                "currency": kind.currency,
                "revised_biennially": kind.revised_biennially,
                "checked_by_decisions": kind.checked_by_decisions,
                "entries": entries.get(kind.key, []),
            }
            for kind in SERIES.values()
        ],
        "warnings": warnings,
    }
