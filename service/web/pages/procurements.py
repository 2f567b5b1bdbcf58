"""Procurements: the municipality's by state, starting one from decided needs, the lifecycle as
a timeline with the legal dates and what is allowed today, participants, and recording facts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l

from domain.errors import DomainError
from domain.procurement import (
    MARKET_DIALOGUE_KINDS,
    PARTICIPANT_ROLES,
    REVIEW_OUTCOMES,
    TERMINATION_REASONS,
    WITHOUT_STANDSTILL,
    Procurement,
)
from domain.rules.thresholds import NoRuleInForce
from projections import queries
from service.api.context import services
from service.api.representations import procurement_representation
from service.errors import ApplicationError
from service.redaction import redaction_for
from service.use_cases.reads import Shown
from service.web import forms
from service.web.forms import STOCKHOLM
from service.web.pages import bp
from service.web.pages.changes import changes_since
from service.web.pages.needs import notice
from service.web.reads import fresh
from service.web.refusals import Refusal, explain
from service.web.signin import current_principal, signed_in

PROCUREMENT_STATES = {
    "planning": _l("Planning"),
    "tendering": _l("Tendering"),
    "evaluation": _l("Evaluation"),
    "awarded": _l("Awarded"),
    "contracted": _l("Contracted"),
    "implementing": _l("Implementing"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
}
PROCEDURES = {
    "open": _l("Open procedure"),
    "restricted": _l("Restricted procedure"),
    "negotiated_with_notice": _l("Negotiated procedure with notice"),
    "negotiated_without_notice": _l("Negotiated procedure without notice"),
    "competitive_dialogue": _l("Competitive dialogue"),
    "innovation_partnership": _l("Innovation partnership"),
    "direct_award": _l("Direct award (direktupphandling)"),
    "pre_commercial": _l("Pre-commercial procurement (outside LOU)"),
    "call_off": _l("Call-off from a framework agreement"),
}
DIALOGUE_KINDS = {
    "rfi": _l("Request for information (RFI)"),
    "meeting": _l("Supplier meeting"),
    "innovation_sprint": _l("Innovation sprint"),
    "other": _l("Other"),
}
RELATIONS = {
    "lead": _l("we lead"),
    "co_lead": _l("we co-lead"),
    "participant": _l("we take part"),
}
PARTICIPATION = {
    "invited": _l("invited"),
    "joined": _l("joined"),
    "declined": _l("declined"),
    "withdrawn": _l("withdrawn"),
}
REVIEW_OUTCOME_NAMES = {
    "dismissed": _l("dismissed"),
    "redo": _l("to be redone"),
    "correct": _l("to be corrected"),
}
TERMINATION_NAMES = {
    "breach_by_supplier": _l("Breach of contract by the supplier (hävning)"),
    "supplier_insolvency": _l("The supplier's insolvency"),
    "need_ceased": _l("The need has ceased"),
    "mutual_agreement": _l("Mutual agreement"),
    "other": _l("Other reason"),
}
assert set(TERMINATION_NAMES) == set(TERMINATION_REASONS)
assert set(DIALOGUE_KINDS) == set(MARKET_DIALOGUE_KINDS)
assert set(REVIEW_OUTCOME_NAMES) == set(REVIEW_OUTCOMES)


def _today() -> date:
    return datetime.now(STOCKHOLM).date()


@bp.get("/upphandlingar")
@signed_in
def procurements() -> Any:
    principal = current_principal()
    fresh("tenant_index")
    page = queries.list_tenant_procurements(services().sql, str(principal.municipality), limit=200)
    return render_template(
        "procurements/list.html",
        rows=page.rows,
        states=PROCUREMENT_STATES,
        relations=RELATIONS,
        participation=PARTICIPATION,
        notice=session.pop("notice", None),
    )


@bp.route("/upphandlingar/ny", methods=["GET", "POST"])
@signed_in
def start_procurement() -> Any:
    principal = current_principal()
    fresh("tenant_index")
    decided = queries.list_tenant_needs(
        services().sql, str(principal.municipality), status="procurement_decided", limit=200
    ).rows
    refusal: Refusal | None = None
    if request.method == "POST":
        try:
            result = services().innoledger.start_procurement(
                principal,
                title=forms.text("title"),
                description=forms.text("description"),
                estimated_value_sek=forms.text("estimated_value_sek"),
                need_ids=request.form.getlist("need_ids"),
                case_number=forms.optional_text("case_number"),
                cpv_code=forms.optional_text("cpv_code"),
            )
        except (DomainError, ApplicationError) as error:
            refusal = explain(error)
        else:
            notice(str(_l("The procurement is started.")))
            return redirect(url_for("web.procurement", procurement_id=result.aggregate_id))
    return render_template(
        "procurements/start.html",
        needs=decided,
        chosen=set(request.form.getlist("need_ids") or request.args.getlist("need")),
        refusal=refusal,
        errors={(refusal.field or "_"): refusal.message} if refusal else {},
        form=request.form,
    ), (refusal.status if refusal else 200)


def timeline(
    procurement: Procurement, today: date, bids: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """The lifecycle so far and the legal dates ahead, in order. `bids` as this person may see
    them (None while they are secret to them)."""
    steps: list[dict[str, Any]] = []
    for decision in procurement.decisions:
        steps.append({"when": decision["decided_at"], "kind": "decision", "decision": decision})
    for dialogue in procurement.market_dialogue:
        steps.append({"when": dialogue.held_on, "kind": "dialogue", "item": dialogue})
    if procurement.tender_deadline is not None:
        steps.append({"when": procurement.tender_deadline, "kind": "tender_deadline"})
    for bid in bids or ():
        steps.append({"when": bid["received_at"], "kind": "bid", "item": bid})
    if procurement.evaluation_started_at is not None:
        steps.append({"when": procurement.evaluation_started_at, "kind": "evaluation"})
    award = procurement.award
    if award is not None:
        steps.append({"when": award.notification_sent_at, "kind": "notified", "item": award})
        if award.standstill_last_day is not None:
            steps.append({"when": award.standstill_last_day, "kind": "standstill_last_day"})
        steps.append({"when": award.earliest_signing_day, "kind": "signing_from"})
    if award is not None and award.extended_standstill_last_day is not None:
        steps.append(
            {"when": award.extended_standstill_last_day, "kind": "extended_standstill_last_day"}
        )
        steps.append(
            {"when": award.extended_earliest_signing_day, "kind": "extended_signing_from"}
        )
    for review in procurement.reviews:
        steps.append({"when": review.filed_on, "kind": "review_filed", "item": review})
        for order in review.interim_orders:
            steps.append({"when": order.ordered_on, "kind": "interim_order", "item": order})
            if order.lifted_on is not None:
                steps.append({"when": order.lifted_on, "kind": "interim_lifted", "item": order})
        ruling = review.ruling
        if ruling is not None:
            steps.append(
                {
                    "when": ruling.ruled_on,
                    "kind": "review_ruled",
                    "item": ruling,
                    "review": review,
                }
            )
        appeal = review.appeal
        if appeal is not None:
            steps.append({"when": appeal.appealed_on, "kind": "appealed", "item": appeal})
            if appeal.ruling is not None:
                steps.append(
                    {"when": appeal.ruling.ruled_on, "kind": "appeal_ruled", "item": appeal}
                )
    for milestone in procurement.milestones:
        steps.append({"when": milestone.reached_on, "kind": "milestone", "item": milestone})
    for follow_up in procurement.follow_ups:
        steps.append({"when": follow_up.followed_up_on, "kind": "follow_up", "item": follow_up})

    def day_of(value: Any) -> date:
        return value.astimezone(STOCKHOLM).date() if isinstance(value, datetime) else value

    for step in steps:
        step["day"] = day_of(step["when"])
        step["future"] = step["day"] > today
    return sorted(steps, key=lambda s: (s["day"], s["kind"] != "decision"))


def allowed_today(procurement: Procurement, today: date) -> dict[str, Any]:
    """The legal position today, from the procurement's own recorded dates as the core reads
    them (standstill, extended standstill, rulings, interim orders in force)."""
    position: dict[str, Any] = {
        "under_review": procurement.under_review,
        "pending_reviews": [r for r in procurement.reviews if r.pending],
        "interim_orders": procurement.interim_orders_in_force,
        "extended_last_day": procurement.extended_standstill_last_day,
        "status": procurement.status,
    }
    if procurement.award is not None and procurement.status == "awarded":
        signing_from = procurement.signing_allowed_from
        position["signing_from"] = signing_from
        position["in_standstill"] = procurement.in_standstill_on(today)
        position["may_sign_today"] = not position["in_standstill"] and not procurement.under_review
        position["no_standstill"] = procurement.procedure in WITHOUT_STANDSTILL
        # A review application that reaches the court while the standstill runs extends it.
        position["review_extends"] = (
            not position["no_standstill"]
            and procurement.award.standstill_last_day is not None
            and today <= procurement.award.standstill_last_day
        )
    position["may_terminate"] = procurement.status in ("contracted", "implementing")
    try:
        # The amounts on record (as the decisions are checked), not the bundled seed's.
        law = services().innoledger.law_table_now()
        position["direct_award_limit"] = law.direct_award_limit_on(today)
        position["eu_threshold"] = law.eu_threshold_on(today)
    except NoRuleInForce:
        pass
    return position


def render_procurement(
    procurement: Procurement,
    *,
    refusal: Refusal | None = None,
    status: int = 200,
    seen_version: int | None = None,
    step: str | None = None,
) -> Any:
    principal = current_principal()
    app = services().innoledger
    today = _today()
    changed = None
    if refusal is not None and refusal.conflict and seen_version is not None:
        changed = changes_since(app, principal, "procurement", str(procurement.id), seen_version)
    is_lead = principal.municipality == procurement.lead
    works_on = principal.has_role("officer") and (
        is_lead or procurement.is_co_lead(principal.municipality)
    )
    need_titles: dict[str, str | None] = {}
    for need_id in procurement.need_ids:
        try:
            need_titles[need_id] = app.need(principal, need_id).title
        except ApplicationError:
            need_titles[need_id] = None
    shown = procurement_representation(Shown(procurement, redaction_for(principal, procurement)))
    return render_template(
        "procurements/detail.html",
        p=shown,
        timeline=timeline(procurement, today, shown["bids"]),
        position=allowed_today(procurement, today),
        states=PROCUREMENT_STATES,
        procedures=PROCEDURES,
        dialogue_kinds=DIALOGUE_KINDS,
        participation=PARTICIPATION,
        roles=PARTICIPANT_ROLES,
        review_outcomes=REVIEW_OUTCOME_NAMES,
        termination_reasons=TERMINATION_NAMES,
        need_titles=need_titles,
        is_lead=is_lead,
        works_on=works_on,
        lead_officer=is_lead and principal.has_role("officer"),
        municipalities=app.registered_municipalities(),
        refusal=refusal,
        step=step,
        errors={(refusal.field or "_"): refusal.message} if refusal else {},
        changed=changed,
        notice=session.pop("notice", None),
        form=request.form if refusal else {},
        today_iso=today.isoformat(),
        **forms.now_fields(),
    ), status


@bp.get("/upphandlingar/<procurement_id>")
@signed_in
def procurement(procurement_id: str) -> Any:
    return render_procurement(
        services().innoledger.procurement(current_principal(), procurement_id)
    )


def _procurement_command(procurement_id: str, step: str, run: Callable[[], Any], done: str) -> Any:
    app = services().innoledger
    try:
        run()
    except (DomainError, ApplicationError) as error:
        refusal = explain(error)
        current = app.procurement(current_principal(), procurement_id)
        seen = request.form.get("version", "")
        return render_procurement(
            current,
            refusal=refusal,
            status=refusal.status,
            seen_version=int(seen) if seen.isdigit() else None,
            step=step,
        )
    notice(done)
    anchor = "overprovningar" if step.startswith("overprovning") else step
    return redirect(url_for("web.procurement", procurement_id=procurement_id) + f"#{anchor}")


def fact(step: str, method: str, done: Any) -> Callable[[Callable[[], dict[str, Any]]], Any]:
    """A form that records one fact on the procurement through the use case `method`."""

    def register(read: Callable[[], dict[str, Any]]) -> Any:
        def view(procurement_id: str) -> Any:
            def run() -> Any:
                values = read()
                return getattr(services().innoledger, method)(
                    current_principal(),
                    procurement_id,
                    expected_version=forms.version(),
                    **values,
                )

            return _procurement_command(procurement_id, step, run, str(done))

        view.__name__ = f"record_{step.replace('-', '_')}"
        bp.add_url_rule(
            f"/upphandlingar/<procurement_id>/{step}",
            view.__name__,
            signed_in(view),
            methods=["POST"],
        )
        return read

    return register


@fact("deltagare", "invite_participant", _l("The municipality is invited."))
def _invite() -> dict[str, Any]:
    return {
        "municipality": forms.text("municipality"),
        "role": forms.choice("role", PARTICIPANT_ROLES),
    }


@fact("marknadsdialog", "record_market_dialogue", _l("The market dialogue is recorded."))
def _dialogue() -> dict[str, Any]:
    return {
        "kind": forms.choice("kind", MARKET_DIALOGUE_KINDS),
        "held_on": forms.day("held_on"),
        "supplier_count": forms.integer("supplier_count"),
        "summary": forms.text("summary"),
    }


@fact("anbud", "record_bid", _l("The bid is recorded."))
def _bid() -> dict[str, Any]:
    return {
        "tenderer_org_number": forms.text("tenderer_org_number"),
        "tenderer_name": forms.text("tenderer_name"),
        "received_at": forms.moment("received_at"),
    }


@fact("utvardering", "start_evaluation", _l("The evaluation has started."))
def _evaluation() -> dict[str, Any]:
    return {"at": forms.moment("opened_at")}


@fact("overprovning", "file_review", _l("The review (överprövning) is recorded."))
def _review() -> dict[str, Any]:
    return {
        "filed_on": forms.day("filed_on"),
        "court": forms.text("court"),
        "applicant": forms.text("applicant"),
        "reference": forms.text("reference"),
    }


@fact("overprovning-avgjord", "rule_on_review", _l("The ruling is recorded."))
def _ruling() -> dict[str, Any]:
    return {
        "review_id": forms.text("review_id"),
        "ruled_on": forms.day("ruled_on"),
        "outcome": forms.choice("outcome", REVIEW_OUTCOMES),
        "summary": forms.text("summary"),
    }


@fact(
    "overprovning-interimistiskt-beslut",
    "issue_interim_order",
    _l("The interim order (interimistiskt beslut) is recorded."),
)
def _interim_order() -> dict[str, Any]:
    return {"review_id": forms.text("review_id"), "ordered_on": forms.day("ordered_on")}


@fact(
    "overprovning-interimistiskt-beslut-upphavt",
    "lift_interim_order",
    _l("The lifting of the interim order is recorded."),
)
def _interim_order_lifted() -> dict[str, Any]:
    return {"review_id": forms.text("review_id"), "lifted_on": forms.day("lifted_on")}


@fact("overprovning-overklagad", "appeal_review", _l("The appeal is recorded."))
def _appeal() -> dict[str, Any]:
    return {
        "review_id": forms.text("review_id"),
        "appealed_on": forms.day("appealed_on"),
        "court": forms.text("court"),
        "appellant": forms.text("appellant"),
        "reference": forms.text("reference"),
    }


@fact("overprovning-kammarratt-dom", "rule_on_appeal", _l("The appeal ruling is recorded."))
def _appeal_ruling() -> dict[str, Any]:
    return {
        "review_id": forms.text("review_id"),
        "ruled_on": forms.day("ruled_on"),
        "outcome": forms.choice("outcome", REVIEW_OUTCOMES),
        "summary": forms.text("summary"),
    }


@fact("delmal", "record_milestone", _l("The milestone is recorded."))
def _milestone() -> dict[str, Any]:
    return {
        "title": forms.text("title"),
        "reached_on": forms.day("reached_on"),
        "note": forms.optional_text("note"),
    }


@fact("uppfoljning", "record_follow_up", _l("The follow-up is recorded."))
def _follow_up() -> dict[str, Any]:
    return {
        "need_id": forms.text("need_id"),
        "followed_up_on": forms.day("followed_up_on"),
        "effect": forms.text("effect"),
        "measurement": forms.text("measurement"),
    }


@fact("lardom", "record_lesson", _l("The lesson is recorded."))
def _lesson() -> dict[str, Any]:
    return {"text": forms.text("text"), "shareable": forms.checkbox("shareable")}
