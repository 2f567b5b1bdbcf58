"""What every page shows around its content: the menu for the person's roles, role names,
dates in the chosen language, and the demo notice."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, current_app
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l

from service.principal import Principal

ROLE_NAMES = {
    "tenant_admin": _l("administrator"),
    "officer": _l("procurement officer"),
    "decision_maker": _l("decision maker"),
    "auditor": _l("auditor"),
    "viewer": _l("reader"),
    "platform_admin": _l("platform administrator"),
}

# (endpoint, label, roles that see it; empty: everyone signed in)
MENU = (
    ("web.needs", _l("Needs"), ("officer", "decision_maker", "viewer", "tenant_admin")),
    (
        "web.procurements",
        _l("Procurements"),
        ("officer", "decision_maker", "viewer", "tenant_admin"),
    ),
    ("web.waiting_decisions", _l("Decisions waiting"), ("decision_maker",)),
    ("web.decision_log", _l("Decision log"), ("auditor",)),
    ("web.ledger", _l("Ledger"), ("auditor",)),
    ("web.network_needs", _l("Network needs"), ()),
    ("web.innovation_share", _l("Innovation share"), ()),
)


DECISION_NAMES = {
    "prioritise": _l("Prioritise"),
    "park": _l("Park"),
    "reopen": _l("Reopen"),
    "reject": _l("Reject"),
    "decide_to_procure": _l("Decide to procure (anskaffningsbeslut)"),
    "mark_realised": _l("Mark as realised"),
    "screen": _l("Screen for innovation"),
    "choose_procedure": _l("Choose the procedure"),
    "publish": _l("Publish"),
    "award": _l("Award (tilldelningsbeslut)"),
    "cancel": _l("Cancel"),
    "sign_contract": _l("Sign the contract"),
    "close": _l("Close"),
    "terminate_early": _l("Terminate early (uppsägning or hävning)"),
    "adopt_innovation_target": _l("Adopt an innovation target"),
    "join": _l("Join"),
    "decline": _l("Decline"),
    "withdraw": _l("Withdraw"),
}


def decision_name(kind: str) -> str:
    return str(DECISION_NAMES.get(kind, kind))


def event_name(event_type: str) -> str:
    """CamelCase event names as words: SwotItemAdded -> "Swot item added"."""
    import re

    words = re.sub(r"(?<!^)(?=[A-Z])", " ", event_type).lower()
    return words[:1].upper() + words[1:]


def authority_text(decision: dict[str, Any]) -> str:
    authority = decision.get("authority") or {}
    if authority.get("kind") == "board":
        return str(
            _l(
                "Board decision: %(body)s, %(minutes)s",
                body=authority.get("body"),
                minutes=authority.get("minutes_reference"),
            )
        )
    text = str(
        _l(
            "Delegation rule %(rule)s (delegation order version %(version)s, role %(role)s)",
            rule=authority.get("rule_id"),
            version=authority.get("order_version"),
            role=role_name(str(authority.get("role"))),
        )
    )
    if authority.get("max_value_sek") is not None:
        text += ", " + str(_l("up to %(ceiling)s", ceiling=sek(authority["max_value_sek"])))
    return text


def navigation(principal: Principal) -> list[tuple[str, str]]:
    views = current_app.view_functions
    return [
        (endpoint, str(label))
        for endpoint, label, roles in MENU
        if endpoint in views and (not roles or principal.has_role(*roles))
    ]


def municipality_name(slug: str | None) -> str:
    if not slug:
        return ""
    from service.api.context import services
    from service.errors import NotFound

    try:
        return str(services().innoledger.require_registered(slug).name)
    except NotFound:
        return slug


def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))


def day(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm")
    return format_date(value, "yyyy-MM-dd")


def sek(value: Any) -> str:
    """1450000.00 -> "1 450 000,00 kr" in Swedish, "SEK 1,450,000.00" in English."""
    if value is None or value == "":
        return "–"
    from decimal import Decimal, InvalidOperation

    from flask_babel import format_decimal

    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format_decimal(amount, "#,##0.00") + " kr"


def register(app: Flask) -> None:
    from service.web.pages.demo import demo_available

    app.jinja_env.globals["navigation"] = navigation
    app.jinja_env.globals["municipality_name"] = municipality_name
    app.jinja_env.filters["role_name"] = role_name
    app.jinja_env.filters["municipality_name"] = municipality_name
    app.jinja_env.filters["municipality_option"] = lambda slug: (slug, municipality_name(slug))
    app.jinja_env.filters["tojson_text"] = lambda value: __import__("json").dumps(
        value, ensure_ascii=False, default=str
    )
    app.jinja_env.filters["year_option"] = lambda year: (year, year)
    app.jinja_env.filters["decision_option"] = lambda kind: (kind, decision_name(kind))
    app.jinja_env.filters["need_option"] = lambda need_id, titles: (
        need_id,
        titles.get(need_id) or need_id,
    )
    app.jinja_env.globals["decision_name"] = decision_name
    app.jinja_env.globals["event_name"] = event_name
    app.jinja_env.globals["authority_text"] = authority_text
    app.jinja_env.globals["view_functions"] = app.view_functions
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["sek"] = sek

    @app.context_processor
    def demo_notice() -> dict[str, Any]:
        return {"demo_mode": demo_available()}
