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
    ("web.reports", _l("Reports"), ("officer", "decision_maker", "tenant_admin", "auditor")),
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


EVENT_NAMES = {
    "AppealRuled": _l("Appeal ruled"),
    "AttachedToProcurement": _l("Attached to a procurement"),
    "Awarded": _l("Award decision (tilldelningsbeslut)"),
    "BidReceived": _l("Bid received"),
    "Cancelled": _l("Procurement cancelled"),
    "Closed": _l("Procurement closed"),
    "CoOwnerJoined": _l("Co-owner joined"),
    "ContractSigned": _l("Contract signed"),
    "DelegationOrderAdopted": _l("Delegation order adopted"),
    "Edited": _l("Details edited"),
    "EvaluationStarted": _l("Evaluation started"),
    "FollowedUp": _l("Followed up"),
    "InnovationAreaAdded": _l("Innovation area added"),
    "InnovationAreaRetired": _l("Innovation area retired"),
    "InterimOrderIssued": _l("Interim order issued"),
    "InterimOrderLifted": _l("Interim order lifted"),
    "LessonRecorded": _l("Lesson recorded"),
    "Linked": _l("Linked"),
    "MarketDialogueRecorded": _l("Market dialogue recorded"),
    "MilestoneRecorded": _l("Milestone recorded"),
    "MunicipalityInvited": _l("Municipality invited"),
    "OrganisationAdded": _l("Organisation added"),
    "Parked": _l("Need parked"),
    "ParticipantInvited": _l("Participant invited"),
    "ParticipationDecided": _l("Participation decided"),
    "PartnershipDecided": _l("Partnership decided"),
    "PhasePlanned": _l("Phase planned"),
    "Prioritised": _l("Need prioritised"),
    "ProcedureChosen": _l("Procedure chosen"),
    "ProcurementDecided": _l("Procurement decided (anskaffningsbeslut)"),
    "Published": _l("Procurement published"),
    "Reactivated": _l("Municipality reactivated"),
    "Realised": _l("Need realised"),
    "ReferenceGroupMemberAdded": _l("Reference group member added"),
    "ReferenceGroupMemberRemoved": _l("Reference group member removed"),
    "Rejected": _l("Need rejected"),
    "ReleasedFromProcurement": _l("Released from a procurement"),
    "Reopened": _l("Need reopened"),
    "ReviewAppealed": _l("Ruling appealed"),
    "ReviewFiled": _l("Review filed (överprövning)"),
    "ReviewRuled": _l("Review ruled"),
    "RoleGranted": _l("Role granted"),
    "RoleRevoked": _l("Role revoked"),
    "Screened": _l("Screened for innovation"),
    "Shared": _l("Shared with the network"),
    "Suspended": _l("Municipality suspended"),
    "SwotItemAdded": _l("SWOT item added"),
    "SwotItemRemoved": _l("SWOT item removed"),
    "TerminatedEarly": _l("Terminated early"),
    "Unlinked": _l("Unlinked"),
    "Unshared": _l("No longer shared"),
    "WorkshopRecorded": _l("Workshop recorded"),
    "Registered": _l("Municipality registered"),
    "Identified": _l("Need identified"),
    "Started": _l("Procurement started"),
    "Established": _l("Project established"),
    "InnovationTargetAdopted": _l("Innovation target adopted"),
}


def event_name(event_type: str) -> str:
    """An event by its name in the chosen language; one without a name yet as words
    (SwotItemAdded -> "Swot item added")."""
    import re

    known = EVENT_NAMES.get(event_type)
    if known is not None:
        return str(known)

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
        return services().innoledger.registered_name(slug)
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
