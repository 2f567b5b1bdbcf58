"""Read models: own lists (GET /needs, GET /procurements), the network's shared views, and the
auditors' decision log. Each answer carries the log position it reflects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.views import MethodView

from projections import queries
from projections.queries import Page
from projections.views.innovation_share import VIEW_NAME as SHARE_VIEW
from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.schemas.views import (
    CataloguePageSchema,
    DecisionLogQuerySchema,
    InnovationShareQuerySchema,
    LessonsQuerySchema,
    NetworkNeedsPageSchema,
    NetworkNeedsQuerySchema,
    NetworkProcurementsQuerySchema,
    SimilarNeedsPageSchema,
    TenantNeedsQuerySchema,
    TenantProcurementsQuerySchema,
    ViewPageSchema,
    ViewQuerySchema,
)
from service.api.views import conditional_page, split_view_query
from service.audit.decision_log import decisions, require_decision_log_reader
from service.errors import Forbidden
from service.principal import Principal

blp = Blueprint(
    "views",
    __name__,
    url_prefix="/api/v1",
    description="Read models built from the event log: your own needs and procurements, the "
    "network's shared needs, procurement portfolio, innovation share and lessons, and the "
    "decision log for auditors. Pass `position` from a command's answer to read your write.",
)


def _view_page(
    view: str,
    read: Callable[..., Page],
    query: dict[str, Any],
    *,
    reads_current_state: bool = False,
    **fixed: Any,
) -> Any:
    """Waits for the asked position, reads one page of the view (or answers 304 when the
    caller already holds it), answers with its position."""
    position, filters = split_view_query(query)
    return conditional_page(
        (view,),
        position,
        lambda: read(services().sql, **fixed, **filters),
        reads_current_state=reads_current_state,
    )


def _whose(principal: Principal, query: dict[str, Any]) -> str:
    asked = query.pop("municipality", None)
    if principal.municipality is not None:
        if asked not in (None, principal.municipality):
            raise Forbidden("you list your own municipality's work; see /network for others'")
        return principal.municipality
    if principal.is_platform_auditor and asked is not None:
        return str(asked)
    raise Forbidden("platform auditors name the municipality; others list their own")


@blp.route("/needs")
class OwnNeeds(MethodView):
    @blp.arguments(TenantNeedsQuerySchema, location="query")
    @blp.response(200, ViewPageSchema)
    @blp.conditional
    def get(self, query: dict[str, Any]) -> Any:
        """Needs your municipality owns or co-owns"""
        municipality = _whose(current_principal(), query)
        return _view_page(
            "tenant_index", queries.list_tenant_needs, query, municipality=municipality
        )


@blp.route("/procurements")
class OwnProcurements(MethodView):
    @blp.arguments(TenantProcurementsQuerySchema, location="query")
    @blp.response(200, ViewPageSchema)
    @blp.conditional
    def get(self, query: dict[str, Any]) -> Any:
        """Procurements your municipality leads or was invited to"""
        municipality = _whose(current_principal(), query)
        return _view_page(
            "tenant_index", queries.list_tenant_procurements, query, municipality=municipality
        )


@blp.route("/network/needs")
class NetworkNeeds(MethodView):
    @blp.arguments(NetworkNeedsQuerySchema, location="query")
    @blp.response(200, NetworkNeedsPageSchema)
    @blp.conditional
    def get(self, query: dict[str, Any]) -> Any:
        """Shared needs of the whole network, by area and status, with text search"""
        current_principal()
        return _view_page("network_needs", queries.list_network_needs, query)


@blp.route("/network/needs/<need_id>/similar")
class SimilarNeeds(MethodView):
    @blp.arguments(ViewQuerySchema, location="query")
    @blp.response(200, SimilarNeedsPageSchema)
    @blp.conditional
    def get(self, query: dict[str, Any], need_id: str) -> Any:
        """Shared needs of other municipalities like this one, by what their problem
        statements say (Swedish full-text search): where the network can meet, and which needs
        your municipality might co-own"""
        principal = current_principal()
        position, filters = split_view_query(query)
        return conditional_page(
            ("network_needs",),
            position,
            lambda: queries.similar_network_needs(
                services().sql, need_id, viewer=principal.municipality, limit=filters["limit"]
            ),
        )


@blp.route("/innovation-areas")
class InnovationAreaCatalogue(MethodView):
    @blp.arguments(ViewQuerySchema, location="query")
    @blp.response(200, CataloguePageSchema)
    @blp.conditional
    def get(self, query: dict[str, Any]) -> Any:
        """Innovation areas to file needs under: the network's shared catalogue, your own
        areas and those other municipalities list for the network"""
        principal = current_principal()
        position, _ = split_view_query(query)
        return conditional_page(
            ("innovation_areas",),
            position,
            lambda: queries.list_innovation_areas(services().sql, principal.municipality),
        )


@blp.route("/network/need-areas")
class NeedAreas(MethodView):
    @blp.arguments(ViewQuerySchema, location="query")
    @blp.response(200, ViewPageSchema)
    @blp.conditional
    def get(self, query: dict[str, Any]) -> Any:
        """Innovation areas side by side: which municipalities share needs in each"""
        current_principal()
        position, _ = split_view_query(query)
        return conditional_page(
            ("network_needs",), position, lambda: queries.network_need_areas(services().sql)
        )


@blp.route("/network/procurements")
class Portfolio(MethodView):
    @blp.arguments(NetworkProcurementsQuerySchema, location="query")
    @blp.response(200, ViewPageSchema)
    @blp.conditional
    def get(self, query: dict[str, Any]) -> Any:
        """Published procurements network-wide: lead, participants, phase, procedure,
        innovation flag, value band (never bids)"""
        current_principal()
        return _view_page("procurement_portfolio", queries.list_portfolio, query)


@blp.route("/network/innovation-share")
class InnovationShare(MethodView):
    @blp.arguments(InnovationShareQuerySchema, location="query")
    @blp.response(200, ViewPageSchema)
    @blp.conditional
    def get(self, query: dict[str, Any]) -> Any:
        """Innovation share per municipality and year (valid time: the year of the procurement
        decision and of the signing, Europe/Stockholm), joint procurements credited to each
        participant, with the network's figures beside it; `as_of` (auditors) answers with the
        figures the record showed at that moment"""
        principal = current_principal()
        as_of = query.pop("as_of", None)
        if as_of is None:
            return _view_page(SHARE_VIEW, queries.list_innovation_share, query)
        if not principal.has_role("auditor"):
            raise Forbidden("the share as of a past moment is for auditors")
        position, filters = split_view_query(query)
        return conditional_page(
            (SHARE_VIEW,),
            position,
            lambda: queries.innovation_share_as_of(services().sql, as_of, **filters),
        )


@blp.route("/network/lessons")
class Lessons(MethodView):
    @blp.arguments(LessonsQuerySchema, location="query")
    @blp.response(200, ViewPageSchema)
    @blp.conditional
    def get(self, query: dict[str, Any]) -> Any:
        """Lessons learned that lead municipalities shared with the network"""
        current_principal()
        return _view_page("lessons", queries.list_lessons, query)


@blp.route("/audit/decisions")
class DecisionLog(MethodView):
    @blp.arguments(DecisionLogQuerySchema, location="query")
    @blp.response(200, ViewPageSchema)
    @blp.conditional
    def get(self, query: dict[str, Any]) -> Any:
        """Every decision: who, role, municipality, decided_at (valid time), recorded_at
        (transaction time), rationale, authority (auditors only)"""
        principal = current_principal()
        require_decision_log_reader(principal)
        query["decision_type"] = query.pop("type", None)
        svc = services()
        return _view_page(
            "decision_log",
            lambda store, **filters: decisions(svc.innoledger, store, principal, **filters),
            query,
            reads_current_state=True,
        )
