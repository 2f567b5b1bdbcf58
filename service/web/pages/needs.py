"""The officer's needs: by state, identify one, its SWOT in four quadrants, workshops, sharing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l

from domain.errors import DomainError
from domain.need import Need
from projections import queries
from service.access_policy import works_on_need
from service.api.context import services
from service.api.representations import need_representation
from service.errors import ApplicationError
from service.redaction import redaction_for
from service.use_cases.reads import Shown
from service.web import forms
from service.web.pages import bp
from service.web.pages.changes import changes_since
from service.web.reads import fresh
from service.web.refusals import Refusal, explain
from service.web.signin import current_principal, signed_in

NEED_STATES = {
    "identified": _l("Identified"),
    "prioritised": _l("Prioritised"),
    "parked": _l("Parked"),
    "rejected": _l("Rejected"),
    "procurement_decided": _l("Procurement decided"),
    "in_procurement": _l("In procurement"),
    "realised": _l("Realised"),
}
QUADRANTS = {
    "strength": _l("Strengths"),
    "weakness": _l("Weaknesses"),
    "opportunity": _l("Opportunities"),
    "threat": _l("Threats"),
}


def notice(message: str) -> None:
    session["notice"] = message


def _areas(slug: str) -> list[tuple[str, str]]:
    municipality = services().innoledger.require_registered(slug)
    return [(a["id"], a["name"]) for a in municipality.areas_to_file_under()]


@bp.get("/behov")
@signed_in
def needs() -> Any:
    principal = current_principal()
    fresh("tenant_index")
    page = queries.list_tenant_needs(services().sql, str(principal.municipality), limit=200)
    by_state: dict[str, list[dict[str, Any]]] = {state: [] for state in NEED_STATES}
    for row in page.rows:
        by_state.setdefault(row["status"], []).append(row)
    return render_template(
        "needs/list.html", by_state=by_state, states=NEED_STATES, notice=session.pop("notice", None)
    )


@bp.route("/behov/nytt", methods=["GET", "POST"])
@signed_in
def identify_need() -> Any:
    principal = current_principal()
    areas = _areas(str(principal.municipality))
    refusal: Refusal | None = None
    if request.method == "POST":
        try:
            result = services().innoledger.identify_need(
                principal,
                title=forms.text("title"),
                problem_statement=forms.text("problem_statement"),
                innovation_area_id=forms.text("innovation_area_id"),
                affected_end_users=forms.text_list("affected_end_users"),
                competences=forms.text_list("competences"),
            )
        except (DomainError, ApplicationError) as error:
            refusal = explain(error)
        else:
            notice(str(_l("The need is identified.")))
            return redirect(url_for("web.need", need_id=result.aggregate_id))
    return render_template(
        "needs/identify.html",
        areas=areas,
        refusal=refusal,
        errors=_field_errors(refusal),
        form=request.form,
    ), (refusal.status if refusal else 200)


def _field_errors(refusal: Refusal | None) -> dict[str, str]:
    if refusal is None:
        return {}
    return {refusal.field or "_": refusal.message}


def render_need(
    need: Need,
    *,
    refusal: Refusal | None = None,
    status: int = 200,
    seen_version: int | None = None,
) -> Any:
    principal = current_principal()
    app = services().innoledger
    owner = app.require_registered(need.owner)
    changed = None
    if refusal is not None and refusal.conflict and seen_version is not None:
        changed = changes_since(app, principal, "need", str(need.id), seen_version)
    return render_template(
        "needs/detail.html",
        need=need_representation(Shown(need, redaction_for(principal, need))),
        area_name=owner.area_name(need.innovation_area_id) or need.innovation_area_id,
        quadrants=QUADRANTS,
        states=NEED_STATES,
        works_on=works_on_need(principal, need) and principal.has_role("officer"),
        is_owner=principal.municipality == need.owner,
        refusal=refusal,
        errors=_field_errors(refusal),
        changed=changed,
        notice=session.pop("notice", None),
        form=request.form if refusal else {},
        **forms.now_fields(),
    ), status


@bp.get("/behov/<need_id>")
@signed_in
def need(need_id: str) -> Any:
    return render_need(services().innoledger.need(current_principal(), need_id))


def _need_command(need_id: str, run: Callable[[], Any], done: str) -> Any:
    """Runs a command from the need's page; a refusal shows the page again with the reason
    next to the form, and a conflict shows what changed."""
    app = services().innoledger
    try:
        run()
    except (DomainError, ApplicationError) as error:
        refusal = explain(error)
        current = app.need(current_principal(), need_id)
        seen = request.form.get("version", "")
        return render_need(
            current,
            refusal=refusal,
            status=refusal.status,
            seen_version=int(seen) if seen.isdigit() else None,
        )
    notice(done)
    return redirect(url_for("web.need", need_id=need_id))


@bp.post("/behov/<need_id>/swot")
@signed_in
def add_swot_item(need_id: str) -> Any:
    return _need_command(
        need_id,
        lambda: services().innoledger.add_swot_item(
            current_principal(),
            need_id,
            quadrant=forms.choice("quadrant", tuple(QUADRANTS)),
            text=forms.text("text"),
            expected_version=forms.version(),
        ),
        str(_l("The SWOT item is added.")),
    )


@bp.post("/behov/<need_id>/swot/<item_id>/ta-bort")
@signed_in
def remove_swot_item(need_id: str, item_id: str) -> Any:
    return _need_command(
        need_id,
        lambda: services().innoledger.remove_swot_item(
            current_principal(), need_id, item_id=item_id, expected_version=forms.version()
        ),
        str(_l("The SWOT item is removed.")),
    )


@bp.post("/behov/<need_id>/workshoppar")
@signed_in
def record_workshop(need_id: str) -> Any:
    return _need_command(
        need_id,
        lambda: services().innoledger.record_workshop(
            current_principal(),
            need_id,
            held_on=forms.day("held_on"),
            competences_present=forms.text_list("competences_present"),
            participant_count=forms.integer("participant_count"),
            notes=forms.optional_text("notes"),
            expected_version=forms.version(),
        ),
        str(_l("The workshop is recorded.")),
    )


@bp.post("/behov/<need_id>/dela")
@signed_in
def share_need(need_id: str) -> Any:
    return _need_command(
        need_id,
        lambda: services().innoledger.share_need(
            current_principal(), need_id, expected_version=forms.version()
        ),
        str(_l("The need is shared with the network.")),
    )


@bp.post("/behov/<need_id>/sluta-dela")
@signed_in
def unshare_need(need_id: str) -> Any:
    return _need_command(
        need_id,
        lambda: services().innoledger.unshare_need(
            current_principal(), need_id, expected_version=forms.version()
        ),
        str(_l("The need is private again.")),
    )


@bp.post("/behov/<need_id>/delagare")
@signed_in
def join_need(need_id: str) -> Any:
    return _need_command(
        need_id,
        lambda: services().innoledger.join_need_as_co_owner(
            current_principal(), need_id, expected_version=forms.version()
        ),
        str(_l("Your municipality co-owns the need now.")),
    )
