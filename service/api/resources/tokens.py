"""Bearer tokens: issued by tenant admins (secret shown once), listed for them (never a secret),
revoked by them or the holder; a member's browser sessions, ended by them or the holder. The
rules are the core's (`service.use_cases.access`)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.views import MethodView

from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.dumping import dumped
from service.api.schemas.municipalities import (
    SessionsEndedSchema,
    TokenCreateSchema,
    TokenIssuedSchema,
    TokenListSchema,
)
from service.api.views import answer_made_of

blp = Blueprint("tokens", __name__, url_prefix="/api/v1", description="API tokens")


@blp.route("/municipalities/<slug>/tokens")
class IssueToken(MethodView):
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, TokenIssuedSchema)
    def post(self, body: dict[str, Any], slug: str) -> Any:
        """Issue a token for a member (tenant admin; platform admin for a tenant admin)"""
        issued = services().access.issue_token(current_principal(), slug, **body)
        return {
            "token_id": issued.record.token_id,
            "token": issued.secret,
            "user_id": issued.record.user_id,
            "municipality": slug,
            "expires_at": issued.record.expires_at,
        }, 201


@blp.route("/municipalities/<slug>/members/<user_id>/tokens")
class MemberTokens(MethodView):
    @blp.conditional
    @blp.response(200, TokenListSchema)
    def get(self, slug: str, user_id: str) -> Any:
        """A member's tokens, active and revoked (tenant admin, or the member): never a secret"""
        records = services().access.member_tokens(current_principal(), slug, user_id)
        # The token store is not in the log: the records read (with whether each is still
        # active, which expiry changes) are the validator.
        items = [record.to_json() for record in records]
        return answer_made_of(
            lambda: jsonify(dumped(TokenListSchema, {"items": items})), repr(items)
        )


@blp.route("/municipalities/<slug>/members/<user_id>/sessions")
class MemberSessions(MethodView):
    @blp.response(200, SessionsEndedSchema)
    def delete(self, slug: str, user_id: str) -> Any:
        """End a member's browser sessions at once (tenant admin, or the member)"""
        return {"ended": services().access.end_sessions(current_principal(), slug, user_id)}


@blp.route("/tokens/<token_id>")
class RevokeToken(MethodView):
    @blp.response(204)
    def delete(self, token_id: str) -> Any:
        """Revoke a token (its holder, a tenant admin of its municipality, or the platform)"""
        services().access.revoke_token(current_principal(), token_id)
        return "", 204
