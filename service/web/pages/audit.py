"""The auditor's pages: the decision log with filters, any object's history as readable
differences, the object as it was on a chosen date, and the ledger with "verify in this
browser" (static/js/verify-ledger.js checks the tree head's Ed25519 signature and each
decision's leaf and inclusion proof with the browser's own Web Crypto)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l

from domain.decisions import DECISION_TYPES
from domain.errors import DomainError
from projections import queries
from service.access_policy import can_read_history
from service.api.context import services
from service.audit.access import require_auditor
from service.audit.as_of import state_as_of
from service.audit.decision_log import decisions
from service.audit.events_stream import events_after
from service.audit.state import public_state
from service.errors import ApplicationError, Forbidden
from service.ledger.ledger import Ledger
from service.web import forms
from service.web.forms import STOCKHOLM
from service.web.pages import bp
from service.web.pages.changes import differences
from service.web.reads import fresh
from service.web.refusals import explain
from service.web.signin import current_principal, signed_in

KINDS = {"need": _l("Need"), "procurement": _l("Procurement"), "municipality": _l("Municipality")}
LEDGER_DECISIONS = 20


def _require_auditor_role() -> None:
    if not current_principal().has_role("auditor"):
        raise Forbidden("the decision log and the ledger are for auditors")


def _optional_moment(name: str, *, end_of_day: bool = False) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        day = forms.parse_day(raw, field=name)
    except DomainError:
        return None
    return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=STOCKHOLM)


def _filtered_decisions(limit: int) -> queries.Page:
    """A page of the decision log, filtered as the query string asks."""
    principal = current_principal()
    fresh("decision_log")
    kind = request.args.get("type") or None
    # The core's decision log: the auditor check, the scope and the one redaction policy.
    return decisions(
        services().innoledger,
        services().sql,
        principal,
        municipality=request.args.get("municipality") or None,
        decision_type=kind if kind in DECISION_TYPES else None,
        decided_from=_optional_moment("from"),
        decided_until=_optional_moment("until", end_of_day=True),
        cursor=request.args.get("cursor") or None,
        limit=limit,
    )


@bp.get("/revision/beslutslogg")
@signed_in
def decision_log() -> Any:
    _require_auditor_role()
    page = _filtered_decisions(50)
    return render_template(
        "audit/decision_log.html",
        rows=page.rows,
        next_cursor=page.next_cursor,
        kinds=DECISION_TYPES,
        municipalities=services().innoledger.registered_municipalities(),
        args=request.args,
    )


@bp.get("/revision/<kind>/<object_id>/historik")
@signed_in
def history(kind: str, object_id: str) -> Any:
    if kind not in KINDS:
        abort(404)
    principal = current_principal()
    app = services().innoledger
    loader = {"need": app.need, "procurement": app.procurement, "municipality": app.municipality}
    current = loader[kind](principal, object_id)  # another tenant's private object: 404
    require_auditor(principal)
    entries = differences(app, principal, kind, object_id)
    return render_template(
        "audit/history.html",
        kind=kind,
        kind_name=KINDS[kind],
        object_id=object_id,
        title=getattr(current, "title", None) or getattr(current, "name", object_id),
        entries=entries,
    )


@bp.get("/revision/<kind>/<object_id>/per-datum")
@signed_in
def as_of(kind: str, object_id: str) -> Any:
    if kind not in KINDS:
        abort(404)
    principal = current_principal()
    if not can_read_history(principal):
        raise Forbidden("your roles do not include reading past states")
    app = services().innoledger
    state = None
    refusal = None
    on = request.args.get("date", "")
    at = request.args.get("time", "") or "23:59"
    if on:
        try:
            moment = datetime.combine(
                forms.parse_day(on, field="date"),
                forms.parse_time(at, field="time"),
                tzinfo=STOCKHOLM,
            )
            past = state_as_of(app, principal, kind, object_id, moment)
            state = past.redaction.state(public_state(past.aggregate))
        except (DomainError, ApplicationError) as error:
            refusal = explain(error)
    return render_template(
        "audit/as_of.html",
        kind=kind,
        kind_name=KINDS[kind],
        object_id=object_id,
        state=state,
        refusal=refusal,
        errors={(refusal.field or "date"): refusal.message} if refusal else {},
        on=on,
        at=at,
    ), (refusal.status if refusal else 200)


@bp.get("/revision/liggare")
@signed_in
def ledger() -> Any:
    """The signed tree head and, for a page of decisions (filtered as the decision log), all a
    browser needs to check them itself: the stored event, its leaf hash, its inclusion proof."""
    _require_auditor_role()
    principal = current_principal()
    app = services().innoledger
    ledger = Ledger.of(app)
    ledger.catch_up()
    head = ledger.tree_head()
    decisions = _filtered_decisions(LEDGER_DECISIONS)
    checks = []
    for row in decisions.rows:
        leaf_index = ledger.leaf_index_of(row["position"])
        if leaf_index is None or leaf_index >= head.tree_size:
            continue
        page = events_after(app, principal, after=row["position"] - 1, limit=1)
        if not page.events or page.events[0].position != row["position"]:
            continue
        event = page.events[0]
        proof = ledger.inclusion(leaf_index, head.tree_size).to_json()
        checks.append({"decision": row, "event": event, "proof": proof})
    return render_template(
        "audit/ledger.html",
        head=head.to_json(),
        public_key=ledger.public_key_pem(),
        checks=checks,
        next_cursor=decisions.next_cursor,
        kinds=DECISION_TYPES,
        municipalities=app.registered_municipalities(),
        args=request.args,
    )
