"""The funder's project report (projektrapport till finansiären): the project, its partners,
and its activities and results phase by phase.

The phases are the work model's: needs identification (the needs linked to the project),
pilots (the procurements linked to it) and implementation (what those procurements reached:
milestones and the follow-ups of their effect on the needs). Every item links to the object and
its history; the project's own decisions (establishment, each partner's joining, each link) are
listed with their authority.

A project is the network's public work, read by everyone signed in with a role; a linked need
or procurement shows its title, figures and results only to whoever may see that object, as
the project itself does (docs/projects.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.project import PHASES, Project
from service.errors import NotFound
from service.principal import Principal
from service.reports.auditor import authority_text
from service.reports.document import Column, Fact, Report, Table
from service.reports.labels import DECISION_TYPES_SV, PROCEDURES_SV, STATES_SV, named

API = "/api/v1"
PHASES_SV = {
    "needs_identification": "Behovsidentifiering",
    "pilots": "Piloter (genomförande av innovationsupphandlingar)",
    "implementation": "Implementera och integrera",
}
PARTNER_ROLES_SV = {"co_applicant": "Medsökande", "partner": "Partner"}
PARTNER_STATES_SV = {"invited": "Inbjuden", "joined": "Ansluten", "declined": "Avböjt",
                     "withdrawn": "Utträtt"}  # fmt: skip
PARTNER_KINDS_SV = {"municipality": "Kommun", "university": "Lärosäte", "region": "Region",
                    "government_agency": "Myndighet", "company": "Företag",
                    "association": "Förening"}  # fmt: skip
PROJECT_DECISIONS_SV = {
    "establish_project": "Projektet inrättat",
    "join_project": "Anslutning till projektet",
    "decline_project": "Avböjt deltagande",
    "withdraw_from_project": "Utträde ur projektet",
    "link_to_project": "Arbete kopplat till projektet",
    "unlink_from_project": "Koppling hävd",
}


def project_report(app: Any, principal: Principal, project_id: str) -> Report:
    project: Project = app.project(principal, project_id)  # 404 when not visible
    names = _municipality_names(app, project)
    linked = app.linked_work(principal, project)
    needs = [_need_item(work) for work in linked if work.kind == "need"]
    procurements, results = [], []
    for work in linked:
        if work.kind != "procurement":
            continue
        shown = _procurement(app, principal, work.id)
        procurements.append(_procurement_item(work, shown))
        if shown is not None:
            results.extend(_results_of(shown))
    results.sort(key=lambda r: (r["on"], r["procurement_id"]))
    path = f"{API}/projects/{project.id}"
    body: dict[str, Any] = {
        "report": "project",
        "project": {
            "id": str(project.id),
            "version": project.version,
            "title": project.title,
            "description": project.description,
            "coordinator": {"slug": project.coordinator, "name": names.get(project.coordinator)},
            "starts_on": project.starts_on.isoformat(),
            "ends_on": None if project.ends_on is None else project.ends_on.isoformat(),
            "funder": _funder(project.funder),
            "link": path,
            "history": f"{path}/history",
        },
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "partners": [_partner_item(p, names) for p in project.partners],
        "reference_group": [dict(member) for member in project.reference_group],
        "phases": [_phase_item(project, phase, needs, procurements, results)
                   for phase in PHASES],
        "needs": needs,
        "procurements": procurements,
        "results": results,
        "decisions": [_decision_item(d) for d in project.decisions],
        "totals": _totals(procurements),
    }
    return Report(
        kind="project",
        title="Projektrapport till finansiären",
        subtitle=f"{project.title} – {_funder_line(body['project']['funder'])}",
        filename=f"projektrapport-{project.id}",
        body=body,
        facts=_facts(body),
        tables=_tables(body),
        notes=NOTES,
        generated_at=body["generated_at"],
    )


def _municipality_names(app: Any, project: Project) -> dict[str, str]:
    slugs = {project.coordinator} | {
        p["municipality"] for p in project.partners if p.get("municipality")
    }
    return {slug: app.require_registered(slug).name for slug in slugs}


def _funder(funder: dict[str, Any] | None) -> dict[str, Any] | None:
    if not funder:
        return None
    granted = funder.get("granted_sek")
    return {**funder, "granted_sek": None if granted is None else f"{Decimal(granted):.2f}"}


def _funder_line(funder: dict[str, Any] | None) -> str:
    if not funder:
        return "finansiär ej angiven"
    return ", ".join(str(v) for v in (funder.get("name"), funder.get("programme")) if v)


def _procurement(app: Any, principal: Principal, procurement_id: str) -> Any:
    try:
        return app.procurement(principal, procurement_id)
    except NotFound:
        return None


def _need_item(work: Any) -> dict[str, Any]:
    return {
        "need_id": work.id,
        "municipality": work.municipality,
        "linked_at": _text(work.linked_at),
        "title": work.title,
        "status": work.status,
        "status_sv": named(STATES_SV, work.status),
        "link": f"{API}/needs/{work.id}",
        "history": f"{API}/needs/{work.id}/history",
    }


def _procurement_item(work: Any, procurement: Any) -> dict[str, Any]:
    contract = getattr(procurement, "contract", None) if procurement is not None else None
    return {
        "procurement_id": work.id,
        "municipality": work.municipality,
        "linked_at": _text(work.linked_at),
        "title": work.title,
        "status": work.status,
        "status_sv": named(STATES_SV, work.status),
        "innovation": work.innovation,
        "procedure": None if procurement is None else procurement.procedure,
        "procedure_sv": None if procurement is None
        else named(PROCEDURES_SV, procurement.procedure),
        "estimated_value_sek": None if procurement is None
        else f"{Decimal(procurement.estimated_value_sek):.2f}",
        "contract_value_sek": None if not contract
        else f"{Decimal(contract.contract_value_sek):.2f}",
        "signed_on": None if not contract else _text(contract.signed_on),
        "link": f"{API}/procurements/{work.id}",
        "history": f"{API}/procurements/{work.id}/history",
    }


def _results_of(procurement: Any) -> list[dict[str, Any]]:
    """What a linked procurement reached: its milestones and the follow-ups of its effect."""
    procurement_id = str(procurement.id)
    common = {"procurement_id": procurement_id, "procurement": procurement.title,
              "history": f"{API}/procurements/{procurement_id}/history"}
    found = [
        {**common, "kind": "milestone", "kind_sv": "Milstolpe", "on": _text(m.reached_on),
         "what": m.title, "measured": m.note, "municipality": procurement.lead}
        for m in procurement.milestones
    ]
    found += [
        {**common, "kind": "follow_up", "kind_sv": "Uppföljning",
         "on": _text(f.followed_up_on), "what": f.effect, "measured": f.measurement,
         "municipality": f.municipality}
        for f in procurement.follow_ups
    ]
    return found


def _partner_item(partner: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    decision = partner.get("decision") or {}
    return {
        "id": partner.get("id"),
        "kind": partner.get("kind"),
        "kind_sv": named(PARTNER_KINDS_SV, partner.get("kind")),
        "municipality": partner.get("municipality"),
        "name": partner.get("name") or names.get(partner.get("municipality") or ""),
        "organisation_number": partner.get("organisation_number"),
        "role": partner.get("role"),
        "role_sv": named(PARTNER_ROLES_SV, partner.get("role")),
        "status": partner.get("status"),
        "status_sv": named(PARTNER_STATES_SV, partner.get("status")),
        "decided_at": _text(decision.get("decided_at")),
        "authority_sv": authority_text(decision.get("authority")),
    }


def _phase_item(project: Project, phase: str, needs: list[dict[str, Any]],
                procurements: list[dict[str, Any]], results: list[dict[str, Any]]
                ) -> dict[str, Any]:  # fmt: skip
    planned = project.phases.get(phase) or {}
    activities = {"needs_identification": len(needs), "pilots": len(procurements),
                  "implementation": len(results)}[phase]  # fmt: skip
    return {
        "phase": phase,
        "phase_sv": PHASES_SV[phase],
        "starts_on": _text(planned.get("starts_on")),
        "ends_on": _text(planned.get("ends_on")),
        "description": planned.get("description"),
        "results": planned.get("results"),
        "activities": activities,
    }


def _decision_item(decision: dict[str, Any]) -> dict[str, Any]:
    kind = decision.get("type")
    return {
        "decision_type": kind,
        "decision_type_sv": PROJECT_DECISIONS_SV.get(str(kind))
        or named(DECISION_TYPES_SV, kind),
        "decided_at": _text(decision.get("decided_at")),
        "municipality": decision.get("municipality"),
        "decided_by": decision.get("decided_by"),
        "authority": decision.get("authority"),
        "authority_sv": authority_text(decision.get("authority")),
        "rationale": decision.get("rationale"),
    }


def _totals(procurements: list[dict[str, Any]]) -> dict[str, Any]:
    """Of the procurements the reader may see (the others count, their figures do not)."""
    estimated = [Decimal(p["estimated_value_sek"]) for p in procurements
                 if p["estimated_value_sek"] is not None]
    contracted = [Decimal(p["contract_value_sek"]) for p in procurements
                  if p["contract_value_sek"] is not None]
    return {
        "procurements": len(procurements),
        "innovation_procurements": sum(1 for p in procurements if p["innovation"]),
        "estimated_value_sek": f"{sum(estimated, Decimal(0)):.2f}",
        "contract_value_sek": f"{sum(contracted, Decimal(0)):.2f}",
        "contracted": len(contracted),
    }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _facts(body: dict[str, Any]) -> tuple[Fact, ...]:
    project = body["project"]
    funder = project["funder"] or {}
    totals = body["totals"]
    joined = [p for p in body["partners"] if p["status"] == "joined"]
    return (
        Fact("Projekt", project["title"]),
        Fact("Projekt-id", project["id"], "code"),
        Fact("Projektets version", str(project["version"])),
        Fact("Koordinator", f"{project['coordinator']['name']} ({project['coordinator']['slug']})"),
        Fact("Period", f"{project['starts_on']} – {project['ends_on'] or 'pågår'}"),
        Fact("Finansiär", funder.get("name")),
        Fact("Program", funder.get("programme")),
        Fact("Finansiärens diarienummer", funder.get("reference")),
        Fact("Beviljat belopp (kr)", funder.get("granted_sek"), "money"),
        Fact("Anslutna parter", len(joined), "count"),
        Fact("Behov i projektet", len(body["needs"]), "count"),
        Fact("Upphandlingar i projektet", totals["procurements"], "count"),
        Fact("– varav innovationsupphandlingar", totals["innovation_procurements"], "count"),
        Fact("Uppskattat värde, upphandlingar (kr)", totals["estimated_value_sek"], "money"),
        Fact("Tecknade avtal", totals["contracted"], "count"),
        Fact("Avtalat värde (kr)", totals["contract_value_sek"], "money"),
        Fact("Resultat (milstolpar och uppföljningar)", len(body["results"]), "count"),
        Fact("Projektets historik", project["history"], "link"),
    )


def _tables(body: dict[str, Any]) -> tuple[Table, ...]:
    return (
        Table("phases", "Faser", (
            Column("phase_sv", "Fas"),
            Column("starts_on", "Från"),
            Column("ends_on", "Till"),
            Column("description", "Vad som görs"),
            Column("results", "Resultat"),
            Column("activities", "Aktiviteter", "count"),
        ), body["phases"]),
        Table("partners", "Projektparter", (
            Column("name", "Part"),
            Column("kind_sv", "Slag"),
            Column("role_sv", "Roll"),
            Column("status_sv", "Status"),
            Column("decided_at", "Beslutat", "datetime"),
            Column("authority_sv", "Befogenhet"),
        ), body["partners"]),
        Table("reference_group", "Referensgrupp", (
            Column("organisation", "Organisation"),
            Column("represents", "Bidrar med"),
        ), body["reference_group"]),
        Table("needs", "Behovsidentifiering: behov i projektet", (
            Column("title", "Behov"),
            Column("municipality", "Kommun"),
            Column("status_sv", "Status"),
            Column("linked_at", "Kopplat", "datetime"),
            Column("need_id", "Id", "code"),
            Column("history", "Historik", "link", printed=False),
        ), body["needs"], note="Behov som ägs av en annan kommun och inte är delade visas "
           "utan titel och status."),
        Table("procurements", "Piloter: upphandlingar i projektet", (
            Column("title", "Upphandling"),
            Column("municipality", "Ledande kommun"),
            Column("procedure_sv", "Förfarande"),
            Column("innovation", "Innovation", "bool"),
            Column("estimated_value_sek", "Uppskattat värde (kr)", "money"),
            Column("contract_value_sek", "Avtalat värde (kr)", "money"),
            Column("signed_on", "Avtal tecknat"),
            Column("status_sv", "Status"),
            Column("procurement_id", "Id", "code"),
            Column("history", "Historik", "link", printed=False),
        ), body["procurements"]),
        Table("results", "Implementera och integrera: milstolpar och uppföljningar", (
            Column("on", "Datum"),
            Column("procurement", "Upphandling"),
            Column("kind_sv", "Slag"),
            Column("what", "Vad som uppnåtts"),
            Column("measured", "Mätning / anteckning"),
            Column("municipality", "Kommun"),
            Column("history", "Historik", "link", printed=False),
        ), body["results"]),
        Table("decisions", "Beslut i projektet", (
            Column("decided_at", "Beslutat", "datetime"),
            Column("decision_type_sv", "Beslut"),
            Column("municipality", "Kommun"),
            Column("decided_by", "Beslutsfattare", "code"),
            Column("authority_sv", "Befogenhet"),
            Column("rationale", "Motivering"),
        ), body["decisions"]),
    )


NOTES = (
    "Aktiviteterna per fas: behovsidentifieringens behov, pilotfasens upphandlingar och "
    "implementeringens milstolpar och uppföljningar av effekten på behoven. Varje rad länkar "
    "till objektets historik, där varje beslut står med sin befogenhet.",
)
