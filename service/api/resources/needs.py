"""Needs (behov): identification, analysis, network sharing and decisions."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.views import MethodView

from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.dumping import dumped
from service.api.historical import shown
from service.api.representations import need_representation
from service.api.schemas.common import CommandResultSchema, VersionQuerySchema
from service.api.schemas.needs import (
    MarketDecisionSchema,
    NeedCreateSchema,
    NeedDecisionSchema,
    NeedEditSchema,
    NeedSchema,
    SwotItemCreateSchema,
    WorkshopCreateSchema,
)
from service.api.versioning import (
    IF_MATCH,
    command_response,
    expected_version,
    object_answer,
)

blp = Blueprint(
    "needs",
    __name__,
    url_prefix="/api/v1/needs",
    description="Needs (behov / utmaningar): solution-neutral challenges, analysed with SWOT and "
    "workshops, prioritised, and decided for procurement (anskaffningsbeslut).",
)
TYPED_UNIONS = (NeedDecisionSchema, MarketDecisionSchema)


@blp.route("")
class Needs(MethodView):
    @blp.arguments(NeedCreateSchema)
    @blp.response(201, CommandResultSchema)
    def post(self, body: dict[str, Any]) -> Any:
        """Identify a need (officer)"""
        result = services().innoledger.identify_need(current_principal(), **body)
        return command_response(result, status=201)


@blp.route("/<need_id>")
class NeedResource(MethodView):
    @blp.conditional
    @blp.arguments(VersionQuerySchema, location="query")
    @blp.response(200, NeedSchema)
    def get(self, query: dict[str, Any], need_id: str) -> Any:
        """One need: now, or as of a version or a moment (auditors)"""
        need = shown("need", need_id, query)
        return object_answer(need, lambda: jsonify(dumped(NeedSchema, need_representation(need))))

    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(NeedEditSchema)
    @blp.response(200, CommandResultSchema)
    def patch(self, body: dict[str, Any], need_id: str) -> Any:
        """Edit the description (owner's officer)"""
        result = services().innoledger.edit_need(
            current_principal(), need_id, changes=body, expected_version=expected_version()
        )
        return command_response(result)


@blp.route("/<need_id>/swot")
class Swot(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(SwotItemCreateSchema)
    @blp.response(201, CommandResultSchema)
    def post(self, body: dict[str, Any], need_id: str) -> Any:
        """Add a SWOT item (owner's or co-owner's officer)"""
        result = services().innoledger.add_swot_item(
            current_principal(), need_id, expected_version=expected_version(), **body
        )
        return command_response(result, status=201)


@blp.route("/<need_id>/swot/<item_id>")
class SwotItem(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, CommandResultSchema)
    def delete(self, need_id: str, item_id: str) -> Any:
        """Remove a SWOT item"""
        result = services().innoledger.remove_swot_item(
            current_principal(), need_id, item_id=item_id, expected_version=expected_version()
        )
        return command_response(result)


@blp.route("/<need_id>/workshops")
class Workshops(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(WorkshopCreateSchema)
    @blp.response(201, CommandResultSchema)
    def post(self, body: dict[str, Any], need_id: str) -> Any:
        """Record a cross-functional workshop"""
        result = services().innoledger.record_workshop(
            current_principal(), need_id, expected_version=expected_version(), **body
        )
        return command_response(result, status=201)


@blp.route("/<need_id>/share")
class Share(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, CommandResultSchema)
    def post(self, need_id: str) -> Any:
        """Share the need with the network"""
        result = services().innoledger.share_need(
            current_principal(), need_id, expected_version=expected_version()
        )
        return command_response(result)


@blp.route("/<need_id>/unshare")
class Unshare(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, CommandResultSchema)
    def post(self, need_id: str) -> Any:
        """Make the need private again"""
        result = services().innoledger.unshare_need(
            current_principal(), need_id, expected_version=expected_version()
        )
        return command_response(result)


@blp.route("/<need_id>/co-owners")
class CoOwners(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, CommandResultSchema)
    def post(self, need_id: str) -> Any:
        """Join a shared need as co-owner (the caller's own municipality joins)"""
        result = services().innoledger.join_need_as_co_owner(
            current_principal(), need_id, expected_version=expected_version()
        )
        return command_response(result)


@blp.route("/<need_id>/decisions")
class Decisions(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(NeedDecisionSchema)
    @blp.doc(requestBody=NeedDecisionSchema.request_body_doc())
    @blp.response(200, CommandResultSchema)
    def post(self, body: dict[str, Any], need_id: str) -> Any:
        """Take a decision on the need: prioritise, park, reopen, reject, decide_to_procure,
        mark_realised"""
        result = services().innoledger.decide_on_need(
            current_principal(), need_id, decision=body, expected_version=expected_version()
        )
        return command_response(result)


@blp.route("/<need_id>/market")
class Market(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(MarketDecisionSchema)
    @blp.doc(requestBody=MarketDecisionSchema.request_body_doc())
    @blp.response(200, CommandResultSchema)
    def post(self, body: dict[str, Any], need_id: str) -> Any:
        """Publish the need to the market (open without sign-in) or withdraw it: the owner's
        decision, publish_to_market or withdraw_from_market"""
        result = services().innoledger.decide_market_publication(
            current_principal(), need_id, decision=body, expected_version=expected_version()
        )
        return command_response(result)
