"""The decision maker's pages: what waits for a decision, and a decision form that shows the
delegation rule the decision will rest on (checked by the core, as when deciding) before it is
submitted, and refuses with the reason what no rule allows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from domain.decisions import NEED_DECISIONS, PARTICIPATION_DECISIONS, PROCUREMENT_DECISIONS
from domain.errors import DomainError
from domain.need import REJECTION_REASONS
from domain.procurement import CLOSE_OUTCOMES, INNOVATION_KINDS, WITHOUT_NOTICE
from projections import queries
from service.api.context import services
from service.errors import ApplicationError
from service.web import forms
from service.web.forms import STOCKHOLM
from service.web.pages import bp
from service.web.pages.changes import changes_since
from service.web.pages.needs import NEED_STATES, notice
from service.web.pages.procurements import PROCEDURES, PROCUREMENT_STATES, TERMINATION_NAMES
from service.web.reads import fresh
from service.web.refusals import Refusal, explain
from service.web.signin import current_principal, signed_in

SCORES = {
    "impact": _l("Impact"),
    "feasibility": _l("Feasibility"),
    "market_readiness": _l("Market readiness"),
    "cost_viability": _l("Cost and viability"),
    "organisational_readiness": _l("Organisational readiness"),
}
REJECTION_NAMES = {
    "met_in_house": _l("Met in house"),
    "not_feasible": _l("Not feasible"),
    "duplicate": _l("Duplicate"),
    "other": _l("Other"),
}
INNOVATION_KIND_NAMES = {
    "functional_requirements": _l("Functional requirements"),
    "innovation_partnership": _l("Innovation partnership"),
    "pre_commercial_procurement": _l("Pre-commercial procurement"),
    "market_dialogue": _l("Market dialogue"),
    "other": _l("Other"),
}
CLOSE_OUTCOME_NAMES = {
    "completed": _l("Completed"),
    "partially_completed": _l("Partially completed"),
}
assert set(REJECTION_NAMES) == set(REJECTION_REASONS)
assert set(INNOVATION_KIND_NAMES) == set(INNOVATION_KINDS)
assert set(CLOSE_OUTCOME_NAMES) == set(CLOSE_OUTCOMES)

# Which decisions usually come next in each state: a suggestion for the list of what waits.
# The core decides what is allowed; a decision the state does not allow is refused there.
NEXT_FOR_NEED = {
    "identified": ("prioritise", "park", "reject"),
    "prioritised": ("decide_to_procure", "prioritise", "park", "reject"),
    "parked": ("reopen", "reject"),
}
NEXT_FOR_PROCUREMENT = {
    "planning": ("screen", "choose_procedure", "publish", "award", "cancel"),
    "tendering": ("cancel",),
    "evaluation": ("award", "cancel"),
    "awarded": ("sign_contract", "cancel"),
    "contracted": ("close", "terminate_early"),
    "implementing": ("close", "terminate_early"),
}


def _next_procurement_decision(procurement: Any) -> str | None:
    status = procurement.status
    if status == "planning":
        if procurement.screening is None:
            return "screen"
        if procurement.procedure is None:
            return "choose_procedure"
        return "award" if procurement.procedure in WITHOUT_NOTICE else "publish"
    return {
        "evaluation": "award",
        "awarded": "sign_contract",
        "implementing": "close",
        "contracted": "close",
    }.get(status)


@bp.get("/beslut")
@signed_in
def waiting_decisions() -> Any:
    principal = current_principal()
    app = services().innoledger
    fresh("tenant_index")
    slug = str(principal.municipality)
    needs = queries.list_tenant_needs(
        services().sql, slug, status=list(NEXT_FOR_NEED), relation="owner", limit=200
    ).rows
    waiting_needs = [
        {
            **row,
            "next": "decide_to_procure"
            if row["status"] == "prioritised"
            else NEXT_FOR_NEED[row["status"]][0],
        }
        for row in needs
    ]
    waiting_procurements = []
    invitations = []
    for row in queries.list_tenant_procurements(
        services().sql, slug, status=list(NEXT_FOR_PROCUREMENT), limit=200
    ).rows:
        if row["relation"] == "lead":
            procurement = app.procurement(principal, row["procurement_id"])
            waiting_procurements.append({**row, "next": _next_procurement_decision(procurement)})
        elif row["participation"] == "invited":
            invitations.append(row)
    return render_template(
        "decisions/waiting.html",
        needs=waiting_needs,
        procurements=waiting_procurements,
        invitations=invitations,
        need_states=NEED_STATES,
        procurement_states=PROCUREMENT_STATES,
    )


def _decision_from_form(kind: str) -> dict[str, Any]:
    """The decision as the use cases take it (the API's body), read from the form."""
    decision: dict[str, Any] = {
        "type": kind,
        "rationale": forms.text("rationale"),
        "decided_at": forms.moment("decided_at"),
    }
    if forms.text("authority_kind") == "board":
        decision["authority"] = {
            "kind": "board",
            "body": forms.text("board_body"),
            "meeting_date": forms.day("meeting_date") if forms.text("meeting_date") else None,
            "minutes_reference": forms.text("minutes_reference"),
        }
    else:
        decision["authority"] = {"kind": "delegation"}
    if kind == "prioritise":
        decision["scores"] = {name: forms.integer(f"score_{name}") for name in SCORES}
    elif kind == "reject":
        decision["reason"] = forms.choice("reason", tuple(REJECTION_NAMES))
    elif kind == "screen":
        decision["innovation"] = forms.text("innovation") == "yes"
        decision["kind"] = forms.text("innovation_kind") or None if decision["innovation"] else None
    elif kind == "choose_procedure":
        decision["procedure"] = forms.choice("procedure", tuple(PROCEDURES))
        decision["exemption_rationale"] = forms.optional_text("exemption_rationale")
    elif kind == "publish":
        decision["notice_id"] = forms.text("notice_id")
        decision["tender_deadline"] = forms.moment("tender_deadline")
    elif kind == "award":
        suppliers = []
        for index in (1, 2):
            org = forms.text(f"supplier_{index}_org_number")
            if org or index == 1:
                suppliers.append({"org_number": org, "name": forms.text(f"supplier_{index}_name")})
        decision["suppliers"] = suppliers
        decision["evaluation_summary"] = forms.text("evaluation_summary")
        decision["notification_sent_at"] = forms.moment("notification_sent_at")
        decision["sent_electronically"] = forms.checkbox("sent_electronically")
    elif kind == "sign_contract":
        decision["supplier_org_number"] = forms.text("supplier_org_number")
        decision["contract_value_sek"] = forms.text("contract_value_sek")
        decision["signed_on"] = forms.day("signed_on")
    elif kind == "close":
        decision["outcome"] = forms.choice("outcome", tuple(CLOSE_OUTCOME_NAMES))
    elif kind == "terminate_early":
        decision["reason"] = forms.choice("reason", tuple(TERMINATION_NAMES))
    return decision


def _default_decision(kind: str) -> dict[str, Any]:
    return {
        "type": kind,
        "rationale": "",
        "decided_at": datetime.now(STOCKHOLM),
        "authority": {"kind": "delegation"},
        "contract_value_sek": "0",
    }


def _decision_page(
    *, subject_kind: str, subject: Any, kinds: tuple[str, ...], preview_with: Any, decide: Any
) -> Any:
    """GET: the form for the chosen kind, with the authority it would rest on now.
    POST action=check: the authority for the values entered. POST action=decide: decide."""
    principal = current_principal()
    kind = request.values.get("type") or kinds[0]
    if kind not in kinds:
        abort(404)
    refusal: Refusal | None = None
    authority = None
    authority_refusal: Refusal | None = None
    changed = None
    status = 200
    if request.method == "POST":
        try:
            decision = _decision_from_form(kind)
        except DomainError as error:
            refusal = explain(error)
            decision = None
        if decision is not None and request.form.get("action") == "decide":
            try:
                decide(decision, forms.version())
            except (DomainError, ApplicationError) as error:
                refusal = explain(error)
                if refusal.conflict:
                    seen = request.form.get("version", "")
                    if seen.isdigit():
                        changed = changes_since(
                            services().innoledger,
                            principal,
                            subject_kind,
                            str(subject.id),
                            int(seen),
                        )
            else:
                notice(str(_l("The decision is recorded.")))
                if subject_kind == "need":
                    return redirect(url_for("web.need", need_id=str(subject.id)))
                return redirect(url_for("web.procurement", procurement_id=str(subject.id)))
        preview = decision
    else:
        preview = _default_decision(kind)
    if preview is not None:
        # The rationale is checked when deciding; the authority does not depend on it.
        preview = {**preview, "rationale": preview.get("rationale") or "-"}
        try:
            authority = preview_with(preview)
        except (DomainError, ApplicationError) as error:
            authority_refusal = explain(error)
    if refusal is not None:
        status = refusal.status
    return render_template(
        "decisions/form.html",
        subject_kind=subject_kind,
        subject=subject,
        kind=kind,
        kinds=kinds,
        authority=authority,
        authority_refusal=authority_refusal,
        refusal=refusal,
        errors={(refusal.field or "_"): refusal.message} if refusal else {},
        changed=changed,
        form=request.form,
        scores=SCORES,
        rejection_reasons=REJECTION_NAMES,
        innovation_kinds=INNOVATION_KIND_NAMES,
        procedures=PROCEDURES,
        close_outcomes=CLOSE_OUTCOME_NAMES,
        termination_reasons=TERMINATION_NAMES,
        **forms.now_fields(),
    ), status


@bp.route("/beslut/behov/<need_id>", methods=["GET", "POST"])
@signed_in
def need_decision(need_id: str) -> Any:
    principal = current_principal()
    app = services().innoledger
    need = app.need(principal, need_id)
    return _decision_page(
        subject_kind="need",
        subject=need,
        kinds=NEED_DECISIONS,
        preview_with=lambda d: app.authority_for_need_decision(principal, need_id, decision=d),
        decide=lambda d, v: app.decide_on_need(principal, need_id, decision=d, expected_version=v),
    )


@bp.route("/beslut/upphandling/<procurement_id>", methods=["GET", "POST"])
@signed_in
def procurement_decision(procurement_id: str) -> Any:
    principal = current_principal()
    app = services().innoledger
    procurement = app.procurement(principal, procurement_id)
    leads = principal.municipality == procurement.lead

    def decide(decision: dict[str, Any], version: int) -> Any:
        if decision["type"] in PARTICIPATION_DECISIONS:
            return app.decide_participation(
                principal, procurement_id, decision=decision, expected_version=version
            )
        return app.decide_on_procurement(
            principal, procurement_id, decision=decision, expected_version=version
        )

    return _decision_page(
        subject_kind="procurement",
        subject=procurement,
        kinds=PROCUREMENT_DECISIONS if leads else PARTICIPATION_DECISIONS,
        preview_with=lambda d: app.authority_for_procurement_decision(
            principal, procurement_id, decision=d
        ),
        decide=decide,
    )
