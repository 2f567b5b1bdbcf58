"""Start page, sign-in choices, sign-out, language and the accessibility statement."""

from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, request, session, url_for

from service.api.context import services
from service.web.pages import bp
from service.web.signin import end_session, safe_next


@bp.get("/")
def home() -> Any:
    principal = g.get("web_principal")
    if principal is None:
        return redirect(url_for("web.sign_in"))
    if principal.has_role("officer", "tenant_admin", "viewer"):
        return redirect(url_for("web.needs"))
    if principal.has_role("decision_maker"):
        return redirect(url_for("web.waiting_decisions"))
    if principal.has_role("auditor"):
        return redirect(url_for("web.decision_log"))
    return redirect(url_for("web.network_needs"))


@bp.get("/logga-in")
def sign_in() -> Any:
    from service.web.pages.demo import demo_available

    settings = services().settings.web
    ended = session.pop("ended", None)
    return render_template(
        "sign_in.html",
        providers=settings.oidc_providers,
        demo=demo_available(),
        ended=ended,
        next=safe_next(request.args.get("next")),
    )


@bp.post("/logga-ut")
def sign_out() -> Any:
    end_session("signed_out")
    return redirect(url_for("web.sign_in"))


@bp.post("/sprak")
def choose_language() -> Any:
    language = request.form.get("lang")
    if language in ("sv", "en"):
        session["lang"] = language
    return redirect(safe_next(request.form.get("next")))


@bp.get("/tillganglighet")
def accessibility() -> Any:
    return render_template("accessibility.html")
