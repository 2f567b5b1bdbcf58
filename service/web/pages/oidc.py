"""Sign-in through each municipality's own OpenID Connect provider.

Authorization code flow with PKCE (S256), state and nonce, the ID token's signature, issuer,
audience and nonce checked by Authlib against the provider's published metadata and keys.
The provider's subject (or the configured claim) names the member: the user id the
municipality granted roles to. A member with no role gets no session.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, redirect, request, session, url_for

from service.api.context import services
from service.settings import OidcProviderSettings
from service.web.pages import bp
from service.web.signin import end_session, live_roles, safe_next, start_session

log = logging.getLogger("innoledger.web.oidc")
RETURN_TO = "oidc_return_to"


def register(app: Flask) -> None:
    """One OAuth client per configured municipality, kept on this app (no globals)."""
    oauth = OAuth(app)
    for provider in services_settings(app).oidc_providers:
        oauth.register(
            name=provider.municipality,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid", "code_challenge_method": "S256"},
        )
    app.extensions["innoledger.oidc"] = oauth


def services_settings(app: Flask) -> Any:
    return app.extensions["innoledger"].settings.web


def _provider(municipality: str) -> tuple[OidcProviderSettings, Any]:
    for provider in services().settings.web.oidc_providers:
        if provider.municipality == municipality:
            client = current_app.extensions["innoledger.oidc"].create_client(municipality)
            return provider, client
    abort(404)


@bp.get("/logga-in/oidc/<municipality>")
def oidc_start(municipality: str) -> Any:
    _, client = _provider(municipality)
    session[RETURN_TO] = safe_next(request.args.get("next"))
    redirect_uri = url_for("web.oidc_callback", municipality=municipality, _external=True)
    return client.authorize_redirect(redirect_uri)


@bp.get("/logga-in/oidc/<municipality>/svar")
def oidc_callback(municipality: str) -> Any:
    provider, client = _provider(municipality)
    return_to = safe_next(session.pop(RETURN_TO, None))
    try:
        token = client.authorize_access_token()
    except OAuthError as error:
        log.warning("sign-in with %s refused: %s", municipality, error.error)
        end_session("failed")
        return redirect(url_for("web.sign_in"))
    claims = token.get("userinfo") or {}
    user_id = claims.get(provider.user_claim)
    if not isinstance(user_id, str) or not user_id:
        log.warning("sign-in with %s: no %s claim", municipality, provider.user_claim)
        end_session("failed")
        return redirect(url_for("web.sign_in"))
    if not live_roles(municipality, user_id):
        end_session("no_role")
        return redirect(url_for("web.sign_in"))
    start_session(user_id=user_id, municipality=municipality, via="oidc")
    return redirect(return_to)
