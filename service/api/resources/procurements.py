"""Procurements (upphandlingar): lifecycle, joint participation, decisions and facts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import jsonify
from flask.views import MethodView
from marshmallow import Schema

from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.dumping import dumped
from service.api.historical import shown
from service.api.representations import (
    procurement_representation,
    shown_parties,
    with_parties,
)
from service.api.schemas.common import CommandResultSchema, VersionQuerySchema
from service.api.schemas.procurements import (
    AppealSchema,
    BidSchema,
    EvaluationStartSchema,
    FollowUpSchema,
    InterimOrderLiftedSchema,
    InterimOrderSchema,
    LessonSchema,
    MarketDialogueSchema,
    MilestoneSchema,
    ParticipantInviteSchema,
    ParticipationDecisionSchema,
    ProcurementCreateSchema,
    ProcurementDecisionSchema,
    ProcurementEditSchema,
    ProcurementRegistrationSchema,
    ProcurementSchema,
    ReviewFiledSchema,
    ReviewRulingSchema,
)
from service.api.versioning import (
    IF_MATCH,
    command_response,
    expected_version,
    object_answer,
)
from service.innoledger import Innoledger

blp = Blueprint(
    "procurements",
    __name__,
    url_prefix="/api/v1/procurements",
    description="Procurements (upphandlingar) under LOU, often joint: one municipality leads, "
    "others take part; innovation screening, procedure, notice, bids, award with standstill "
    "(avtalsspärr), contract, implementation and follow-up.",
)
TYPED_UNIONS = (ProcurementDecisionSchema, ParticipationDecisionSchema)


@blp.route("")
class Procurements(MethodView):
    @blp.arguments(ProcurementCreateSchema)
    @blp.response(201, CommandResultSchema)
    def post(self, body: dict[str, Any]) -> Any:
        """Start a procurement for needs with a procurement decision (officer of the lead)"""
        result = services().innoledger.start_procurement(current_principal(), **body)
        return command_response(result, status=201)


@blp.route("/register")
class ProcurementRegistration(MethodView):
    @blp.arguments(ProcurementRegistrationSchema)
    @blp.response(201, CommandResultSchema)
    def post(self, body: dict[str, Any]) -> Any:
        """Register any procurement in one step: ordinary purchasing, direct awards and call-offs
        included; procurement decision, innovation screening and procedure; needs optional
        (officer or decision maker of the lead, under the delegation order or a board decision)
        """
        result = services().innoledger.register_procurement(current_principal(), **body)
        return command_response(result, status=201)


@blp.route("/<procurement_id>")
class ProcurementResource(MethodView):
    @blp.conditional
    @blp.arguments(VersionQuerySchema, location="query")
    @blp.response(200, ProcurementSchema)
    def get(self, query: dict[str, Any], procurement_id: str) -> Any:
        """One procurement: now, or as of a version or a moment. Bids are secret before award."""
        procurement = shown("procurement", procurement_id, query)

        def build() -> Any:
            body = with_parties(procurement_representation(procurement), procurement)
            return jsonify(dumped(ProcurementSchema, body))

        # Sole traders' entries are erasable: what of them is shown is part of the answer.
        return object_answer(procurement, build, *shown_parties(procurement))

    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(ProcurementEditSchema)
    @blp.response(200, CommandResultSchema)
    def patch(self, body: dict[str, Any], procurement_id: str) -> Any:
        """Edit the description (lead's officer)"""
        result = services().innoledger.edit_procurement(
            current_principal(), procurement_id, changes=body, expected_version=expected_version()
        )
        return command_response(result)


@blp.route("/<procurement_id>/participants")
class Participants(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(ParticipantInviteSchema)
    @blp.response(200, CommandResultSchema)
    def post(self, body: dict[str, Any], procurement_id: str) -> Any:
        """Invite a municipality to take part (lead's officer)"""
        result = services().innoledger.invite_participant(
            current_principal(), procurement_id, expected_version=expected_version(), **body
        )
        return command_response(result)


@blp.route("/<procurement_id>/participation")
class Participation(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(ParticipationDecisionSchema)
    @blp.doc(requestBody=ParticipationDecisionSchema.request_body_doc())
    @blp.response(200, CommandResultSchema)
    def post(self, body: dict[str, Any], procurement_id: str) -> Any:
        """Join, decline or withdraw: the invited municipality's own decision"""
        result = services().innoledger.decide_participation(
            current_principal(), procurement_id, decision=body, expected_version=expected_version()
        )
        return command_response(result)


@blp.route("/<procurement_id>/decisions")
class Decisions(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(ProcurementDecisionSchema)
    @blp.doc(requestBody=ProcurementDecisionSchema.request_body_doc())
    @blp.response(200, CommandResultSchema)
    def post(self, body: dict[str, Any], procurement_id: str) -> Any:
        """The lead's decisions: screen, choose_procedure, publish, award, cancel,
        sign_contract, close, terminate_early"""
        result = services().innoledger.decide_on_procurement(
            current_principal(), procurement_id, decision=body, expected_version=expected_version()
        )
        return command_response(result)


def _fact_endpoint(
    path: str, schema: type[Schema], use_case: Callable[[Innoledger], Callable[..., Any]], doc: str
) -> None:
    """Facts (not decisions) share one shape: a body, If-Match, a use case; 201 with its id."""

    class Fact(MethodView):
        @blp.doc(parameters=[IF_MATCH])
        @blp.arguments(schema)
        @blp.response(201, CommandResultSchema)
        def post(self, body: dict[str, Any], procurement_id: str) -> Any:
            result = use_case(services().innoledger)(
                current_principal(), procurement_id, expected_version=expected_version(), **body
            )
            return command_response(result, status=201)

    Fact.post.__doc__ = doc
    Fact.__name__ = f"Fact_{path.strip('/').replace('-', '_').replace('/', '_')}"
    blp.route(f"/<procurement_id>/{path}")(Fact)


_fact_endpoint(
    "market-dialogue",
    MarketDialogueSchema,
    lambda a: a.record_market_dialogue,
    "Record a market-dialogue activity (RFI, meeting, innovation sprint)",
)
_fact_endpoint(
    "bids",
    BidSchema,
    lambda a: a.record_bid,
    "Record a bid received (secret until the award decision)",
)
_fact_endpoint(
    "evaluation",
    EvaluationStartSchema,
    lambda a: a.start_evaluation,
    "Open the bids after the tender deadline and start the evaluation",
)
_fact_endpoint(
    "reviews",
    ReviewFiledSchema,
    lambda a: a.file_review,
    "Record a review application (överprövning) that reached the court; it blocks signing "
    "until ruled on, and one that came in during the standstill extends it (förlängd "
    "avtalsspärr, LOU 20 kap. 10 §)",
)
_fact_endpoint(
    "milestones",
    MilestoneSchema,
    lambda a: a.record_milestone,
    "Record an implementation milestone",
)
_fact_endpoint(
    "follow-ups",
    FollowUpSchema,
    lambda a: a.record_follow_up,
    "Record a follow-up of the effect on a need",
)
_fact_endpoint(
    "lessons",
    LessonSchema,
    lambda a: a.record_lesson,
    "Record a lesson learned (shareable with the network)",
)


def _review_endpoint(
    path: str, schema: type[Schema], use_case: Callable[[Innoledger], Callable[..., Any]], doc: str
) -> None:
    """Steps of one review share one shape: a body, If-Match, the review named in the path."""

    class ReviewStep(MethodView):
        @blp.doc(parameters=[IF_MATCH])
        @blp.arguments(schema)
        @blp.response(200, CommandResultSchema)
        def post(self, body: dict[str, Any], procurement_id: str, review_id: str) -> Any:
            result = use_case(services().innoledger)(
                current_principal(),
                procurement_id,
                review_id=review_id,
                expected_version=expected_version(),
                **body,
            )
            return command_response(result)

    ReviewStep.post.__doc__ = doc
    ReviewStep.__name__ = f"Review_{path.replace('-', '_').replace('/', '_')}"
    blp.route(f"/<procurement_id>/reviews/<review_id>/{path}")(ReviewStep)


_review_endpoint(
    "ruling",
    ReviewRulingSchema,
    lambda a: a.rule_on_review,
    "Record the administrative court's ruling on a review (dismissed, redo, correct)",
)
_review_endpoint(
    "interim-order",
    InterimOrderSchema,
    lambda a: a.issue_interim_order,
    "Record an interim order (interimistiskt beslut) forbidding signing until further notice",
)
_review_endpoint(
    "interim-order/lifting",
    InterimOrderLiftedSchema,
    lambda a: a.lift_interim_order,
    "Record that the court lifted its interim order",
)
_review_endpoint(
    "appeal",
    AppealSchema,
    lambda a: a.appeal_review,
    "Record an appeal of the ruling to the administrative court of appeal (kammarrätten)",
)
_review_endpoint(
    "appeal/ruling",
    ReviewRulingSchema,
    lambda a: a.rule_on_appeal,
    "Record the administrative court of appeal's ruling",
)
