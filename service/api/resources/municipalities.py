"""Municipalities (tenants): registration, members and roles, innovation areas, delegation."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.views import MethodView

from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.dumping import dumped
from service.api.historical import shown
from service.api.representations import municipality_representation
from service.api.schemas.common import CommandResultSchema, VersionQuerySchema
from service.api.schemas.municipalities import (
    DelegationOrderSchema,
    InnovationAreaCreateSchema,
    MemberGrantSchema,
    MunicipalityCreateSchema,
    MunicipalityListSchema,
    MunicipalitySchema,
    SuspensionSchema,
)
from service.api.versioning import (
    IF_MATCH,
    command_response,
    expected_version,
    object_answer,
)
from service.api.views import log_answer

blp = Blueprint(
    "municipalities",
    __name__,
    url_prefix="/api/v1/municipalities",
    description="Municipalities (kommuner), the tenants: members and roles, innovation areas, "
    "delegation order (delegationsordning).",
)


@blp.route("")
class Municipalities(MethodView):
    @blp.arguments(MunicipalityCreateSchema)
    @blp.response(201, CommandResultSchema)
    def post(self, body: dict[str, Any]) -> Any:
        """Register a municipality (platform admin)"""
        result = services().innoledger.register_municipality(current_principal(), **body)
        return command_response(result, status=201)

    @blp.conditional
    @blp.response(200, MunicipalityListSchema)
    def get(self) -> Any:
        """The network: every registered municipality"""
        current_principal()
        return log_answer(
            lambda: jsonify(
                dumped(
                    MunicipalityListSchema,
                    {"items": services().innoledger.registered_municipalities()},
                )
            )
        )


@blp.route("/<slug>")
class MunicipalityResource(MethodView):
    @blp.conditional
    @blp.arguments(VersionQuerySchema, location="query")
    @blp.response(200, MunicipalitySchema)
    def get(self, query: dict[str, Any], slug: str) -> Any:
        """One municipality; members only for its own people"""
        municipality = shown("municipality", slug, query)
        return object_answer(
            municipality,
            lambda: jsonify(dumped(MunicipalitySchema, municipality_representation(municipality))),
        )


@blp.route("/<slug>/members")
class Members(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(MemberGrantSchema)
    @blp.response(200, CommandResultSchema)
    def post(self, body: dict[str, Any], slug: str) -> Any:
        """Grant a role (tenant admin; the platform admin seats the first tenant admin)"""
        result = services().access.grant_role(
            current_principal(), slug, expected_version=expected_version(), **body
        )
        return command_response(result)


@blp.route("/<slug>/members/<user_id>/roles/<role>")
class MemberRole(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, CommandResultSchema)
    def delete(self, slug: str, user_id: str, role: str) -> Any:
        """Revoke a role (tenant admin); with the last role go the member's tokens"""
        result = services().access.revoke_role(
            current_principal(),
            slug,
            user_id=user_id,
            role=role,
            expected_version=expected_version(),
        )
        return command_response(result)


@blp.route("/<slug>/delegation-order")
class DelegationOrder(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(DelegationOrderSchema)
    @blp.response(200, CommandResultSchema)
    def put(self, body: dict[str, Any], slug: str) -> Any:
        """Record the board's adoption of a new version of the delegation order (tenant admin)"""
        decision = {k: body.pop(k) for k in ("rationale", "authority", "decided_at")}
        body.pop("type", None)
        result = services().innoledger.adopt_delegation_order(
            current_principal(), slug, decision=decision, expected_version=expected_version(),
            **body,
        )
        return command_response(result)


@blp.route("/<slug>/innovation-areas")
class InnovationAreas(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(InnovationAreaCreateSchema)
    @blp.response(201, CommandResultSchema)
    def post(self, body: dict[str, Any], slug: str) -> Any:
        """Add an innovation area (tenant admin)"""
        result = services().innoledger.add_innovation_area(
            current_principal(), slug, expected_version=expected_version(), **body
        )
        return command_response(result, status=201)


@blp.route("/<slug>/innovation-areas/<area_id>")
class InnovationArea(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, CommandResultSchema)
    def delete(self, slug: str, area_id: str) -> Any:
        """Retire an innovation area (kept in history; no new needs in it)"""
        result = services().innoledger.retire_innovation_area(
            current_principal(), slug, area_id=area_id, expected_version=expected_version()
        )
        return command_response(result)


@blp.route("/<slug>/suspend")
class Suspend(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(SuspensionSchema)
    @blp.response(200, CommandResultSchema)
    def post(self, body: dict[str, Any], slug: str) -> Any:
        """Suspend a municipality (platform admin); never deleted"""
        result = services().innoledger.suspend_municipality(
            current_principal(), slug, expected_version=expected_version(), **body
        )
        return command_response(result)


@blp.route("/<slug>/reactivate")
class Reactivate(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(SuspensionSchema)
    @blp.response(200, CommandResultSchema)
    def post(self, body: dict[str, Any], slug: str) -> Any:
        """Reactivate a suspended municipality (platform admin)"""
        result = services().innoledger.reactivate_municipality(
            current_principal(), slug, expected_version=expected_version(), **body
        )
        return command_response(result)
