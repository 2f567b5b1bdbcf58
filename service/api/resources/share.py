"""The innovation share's targets (a municipality's decisions) and its trend over the years."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.views import MethodView

from projections import queries
from projections.views.innovation_share import VIEW_NAME as SHARE_VIEW
from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.schemas.common import CommandResultSchema
from service.api.schemas.share import InnovationTargetSchema, TrendQuerySchema, TrendSchema
from service.api.versioning import IF_MATCH, command_response, expected_version
from service.api.views import conditional_answer

blp = Blueprint(
    "share",
    __name__,
    url_prefix="/api/v1",
    description="The innovation share (innovationsandel): targets adopted as decisions, and "
    "the trend of the actual share against them, per municipality and for the network.",
)


@blp.route("/municipalities/<slug>/innovation-targets")
class InnovationTargets(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(InnovationTargetSchema)
    @blp.response(201, CommandResultSchema)
    def post(self, body: dict[str, Any], slug: str) -> Any:
        """Adopt the target innovation share for a year: a decision under the delegation order
        or recorded as the board's; a later target for the same year replaces it"""
        decision = {k: body.pop(k) for k in ("rationale", "authority", "decided_at")}
        body.pop("type", None)
        result = services().innoledger.adopt_innovation_target(
            current_principal(), slug, decision=decision, expected_version=expected_version(),
            **body,
        )
        return command_response(result, status=201)


@blp.route("/network/innovation-share/trend")
class Trend(MethodView):
    @blp.conditional
    @blp.arguments(TrendQuerySchema, location="query")
    @blp.response(200, TrendSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Year by year: actual share, target, distance and change, with the slope over the
        years, for a municipality or the network"""
        current_principal()
        position = query.pop("position", None)
        return conditional_answer(
            (SHARE_VIEW,),
            position,
            lambda: (jsonify(queries.innovation_share_trend(services().sql, **query)), None),
        )
