"""Bearer tokens: issued by tenant admins (secret shown once), revoked by them or the holder."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.views import MethodView

from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.schemas.municipalities import TokenCreateSchema, TokenIssuedSchema
from service.errors import Forbidden, NotFound

blp = Blueprint("tokens", __name__, url_prefix="/api/v1", description="API tokens")


@blp.route("/municipalities/<slug>/tokens")
class IssueToken(MethodView):
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, TokenIssuedSchema)
    def post(self, body: dict[str, Any], slug: str) -> Any:
        """Issue a token for a member (tenant admin; platform admin for a tenant admin)"""
        principal = current_principal()
        svc = services()
        municipality = svc.innoledger.municipality(principal, slug)
        roles = municipality.roles_of(body["user_id"])
        if principal.is_platform:
            if not principal.has_role("platform_admin") or "tenant_admin" not in roles:
                raise Forbidden("the platform issues tokens only for a tenant admin")
        elif principal.municipality != slug or not principal.has_role("tenant_admin"):
            raise Forbidden(f"only a tenant admin of {slug} issues its tokens")
        if not roles:
            raise NotFound(f"{body['user_id']} is not a member of {slug}")
        issued = svc.tokens.issue(
            user_id=body["user_id"],
            municipality=slug,
            label=body.get("label"),
            created_by=principal.user_id,
            lifetime=timedelta(days=body["expires_in_days"]),
        )
        return {
            "token_id": issued.record.token_id,
            "token": issued.secret,
            "user_id": issued.record.user_id,
            "municipality": slug,
            "expires_at": issued.record.expires_at,
        }, 201


@blp.route("/tokens/<token_id>")
class RevokeToken(MethodView):
    @blp.response(204)
    def delete(self, token_id: str) -> Any:
        """Revoke a token (its holder, a tenant admin of its municipality, or the platform)"""
        principal = current_principal()
        tokens = services().tokens
        record = tokens.get(token_id)
        if record is None:
            raise NotFound(f"no token {token_id}")
        own = record.user_id == principal.user_id and record.municipality == principal.municipality
        admin = (
            record.municipality is not None
            and principal.municipality == record.municipality
            and principal.has_role("tenant_admin")
        ) or (principal.is_platform and principal.has_role("platform_admin"))
        if not (own or admin):
            raise NotFound(f"no token {token_id}")
        tokens.revoke(token_id)
        return "", 204
