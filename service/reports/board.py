"""The board's annual report (årsrapport till nämnden) of one municipality and year.

Three parts, each traceable to the decisions behind it:

1. the innovation share against the target, in valid time (the view `innovation_share_valid_time`,
   docs/innovation-share.md), with the trend over the years;
2. the procurements that make up the year's figures, each with exactly what it credits to the
   municipality (so the rows add up to the figures), linked to the procurement and its history;
3. the decisions taken under delegation in the year (anmälan av delegationsbeslut): decision,
   date, decision maker, the delegation rule relied on, linked to the object's history and
   placed by their log position.

Read by the municipality's own officers, decision makers, tenant admins and auditors, and by
platform auditors; what they are shown of each object is what the object itself shows them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain.innovation_share import target_year
from eventstore.sql import SqlStore
from projections import queries
from projections.report_queries import share_credits_by_procurement, tenant_objects
from projections.views.innovation_share import VIEW_NAME as SHARE_VIEW
from service.access_policy import can_read_history
from service.audit.people import PeopleDirectory
from service.errors import Forbidden
from service.principal import Principal
from service.reports.document import Column, Fact, Report, Table
from service.reports.labels import (
    DECISION_TYPES_SV,
    DIRECTIONS_SV,
    MEASURES_SV,
    PROCEDURES_SV,
    RELATIONS_SV,
    ROLES_SV,
    STATES_SV,
    named,
)
from service.reports.reading import decisions_in, period_bounds

API = "/api/v1"
COLLECTIONS = {"need": "needs", "procurement": "procurements", "municipality": "municipalities"}


def require_board_report_reader(principal: Principal, slug: str) -> None:
    if principal.is_platform_auditor:
        return
    if principal.municipality == slug and can_read_history(principal):
        return
    raise Forbidden(
        f"the annual report of {slug} is for its own officers, decision makers, tenant admins "
        "and auditors, and for platform auditors"
    )


def board_annual_report(
    app: Any, store: SqlStore, principal: Principal, slug: str, year: int
) -> Report:
    year = target_year(year)
    municipality = app.municipality(principal, slug)  # 404 for an unknown municipality
    require_board_report_reader(principal, slug)

    share, share_position = _share_row(store, slug, year)
    trend_measure = (share or {}).get("target", {}) or {}
    trend = queries.innovation_share_trend(
        store, municipality=slug, measure=trend_measure.get("measure", "started_count")
    )
    credited, credited_position = share_credits_by_procurement(store, slug, year)
    delegated, log_position = _delegation_decisions(app, store, principal, slug, year)
    objects, index_position = tenant_objects(
        store, slug,
        [row["procurement_id"] for row in credited] + [d["aggregate_id"] for d in delegated],
    )
    procurements = [_procurement_item(row, objects.get(row["procurement_id"]))
                    for row in credited]
    names = PeopleDirectory.of(app).display_names(
        (slug, d["decided_by"]) for d in delegated if d.get("decided_by")
    )
    decisions = [_decision_item(d, objects.get(d["aggregate_id"]), names, municipality.name)
                 for d in delegated]

    body: dict[str, Any] = {
        "report": "board_annual",
        "municipality": {
            "slug": slug,
            "name": municipality.name,
            "organisation_number": municipality.organisation_number,
        },
        "year": year,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "innovation_share": share,
        "trend": trend,
        "procurements": procurements,
        "delegation_decisions": decisions,
        "sources": {
            SHARE_VIEW: min(share_position, credited_position),
            "tenant_index": index_position,
            "decision_log": log_position,
        },
        "links": {
            "innovation_share": f"{API}/network/innovation-share?municipality={slug}&year={year}",
            "trend": f"{API}/network/innovation-share/trend?municipality={slug}",
            "decision_log": f"{API}/audit/decisions?municipality={slug}",
        },
    }
    return Report(
        kind="board_annual",
        title="Årsrapport till nämnden",
        subtitle=f"{municipality.name} ({municipality.organisation_number}) – {year}",
        filename=f"arsrapport-{slug}-{year}",
        body=body,
        facts=_facts(body),
        tables=_tables(body),
        notes=NOTES,
        generated_at=body["generated_at"],
        sources=body["sources"],
    )


def _share_row(store: SqlStore, slug: str, year: int) -> tuple[dict[str, Any] | None, int]:
    page = queries.list_innovation_share(store, municipality=slug, year=year, limit=1)
    return (page.rows[0] if page.rows else None), page.position


def _delegation_decisions(
    app: Any, store: SqlStore, principal: Principal, slug: str, year: int
) -> tuple[list[dict[str, Any]], int]:
    start, end = period_bounds(date(year, 1, 1), date(year, 12, 31))
    rows, position = decisions_in(
        app, store, principal,
        scope=None if principal.is_platform_auditor else slug,
        too_many_field="year",
        municipality=slug,
        decided_from=start,
        decided_until=end,
    )
    return [row for row in rows
            if isinstance(row.get("authority"), dict)
            and row["authority"].get("kind") == "delegation"], position


def _procurement_item(row: dict[str, Any], shown: dict[str, Any] | None) -> dict[str, Any]:
    procurement_id = row["procurement_id"]
    shown = shown or {}
    return {
        "procurement_id": procurement_id,
        "title": shown.get("title"),
        "status": shown.get("status"),
        "status_sv": named(STATES_SV, shown.get("status")),
        "procedure": shown.get("procedure"),
        "procedure_sv": named(PROCEDURES_SV, shown.get("procedure")),
        "lead": row["lead"],
        "relation": shown.get("relation"),
        "relation_sv": named(RELATIONS_SV, shown.get("relation")),
        "innovation": row["innovation"],
        "started_count": row["started_count"],
        "started_innovation_count": row["started_innovation_count"],
        "started_value_sek": row["started_value_sek"],
        "started_innovation_value_sek": row["started_innovation_value_sek"],
        "contracted_count": row["contracted_count"],
        "contracted_innovation_count": row["contracted_innovation_count"],
        "contracted_value_sek": row["contracted_value_sek"],
        "contracted_innovation_value_sek": row["contracted_innovation_value_sek"],
        "link": f"{API}/procurements/{procurement_id}",
        "history": f"{API}/procurements/{procurement_id}/history",
    }


def _decision_item(
    row: dict[str, Any], shown: dict[str, Any] | None, names: dict[str, str | None],
    municipality_name: str,
) -> dict[str, Any]:
    authority = row.get("authority") or {}
    kind = str(row["aggregate_type"]).lower()
    object_id = row["aggregate_id"] if kind != "municipality" else row["tenant"]
    path = f"{API}/{COLLECTIONS.get(kind, kind + 's')}/{object_id}"
    title = (shown or {}).get("title") if kind != "municipality" else municipality_name
    decided_by = row.get("decided_by")
    return {
        "position": row["position"],
        "decision_type": row["decision_type"],
        "decision_type_sv": named(DECISION_TYPES_SV, row["decision_type"]),
        "decided_at": row["decided_at"],
        "recorded_at": row["recorded_at"],
        "decided_by": decided_by,
        "decided_by_name": names.get(f"{row['municipality']}/{decided_by}") if decided_by else None,
        "rule_id": authority.get("rule_id"),
        "order_version": authority.get("order_version"),
        "role": authority.get("role"),
        "role_sv": named(ROLES_SV, authority.get("role")),
        "max_value_sek": authority.get("max_value_sek"),
        "value_sek": row.get("value_sek"),
        "rationale": row.get("rationale"),
        "aggregate_type": row["aggregate_type"],
        "aggregate_id": row["aggregate_id"],
        "subject": title,
        "link": path,
        "history": f"{path}/history",
    }


def _facts(body: dict[str, Any]) -> tuple[Fact, ...]:
    share = body["innovation_share"] or {}
    started = share.get("started") or {}
    contracted = share.get("contracted") or {}
    network = (share.get("network") or {}).get("started") or {}
    target = share.get("target") or {}
    trend = body["trend"]
    municipality = body["municipality"]
    return (
        Fact("Kommun", f"{municipality['name']} ({municipality['slug']})"),
        Fact("Organisationsnummer", municipality["organisation_number"]),
        Fact("År", str(body["year"])),
        Fact("Påbörjade upphandlingar (antal)", started.get("count", 0), "count"),
        Fact("– varav innovationsupphandlingar", started.get("innovation_count", 0), "count"),
        Fact("Innovationsandel, påbörjade (antal)", started.get("innovation_share"), "share"),
        Fact("Påbörjade upphandlingar (värde, kr)", started.get("value_sek", "0.00"), "money"),
        Fact("Innovationsandel, påbörjade (värde)", started.get("innovation_value_share"),
             "share"),
        Fact("Avtalade upphandlingar (antal)", contracted.get("count", 0), "count"),
        Fact("– varav innovationsupphandlingar", contracted.get("innovation_count", 0), "count"),
        Fact("Avtalat värde (kr)", contracted.get("value_sek", "0.00"), "money"),
        Fact("Innovationsandel, avtalade (värde)", contracted.get("innovation_value_share"),
             "share"),
        Fact("Mål för innovationsandel", target.get("target_percent"), "percent"),
        Fact("Målets mått", named(MEASURES_SV, target.get("measure"))),
        Fact("Utfall på målets mått", target.get("actual_percent"), "percent"),
        Fact("Avstånd till målet (procentenheter)", target.get("distance_points"), "percent"),
        Fact("Nätverkets innovationsandel, påbörjade (antal)", network.get("innovation_share"),
             "share"),
        Fact("Trend (procentenheter per år)", trend.get("slope_points_per_year"), "percent"),
        Fact("Trendens riktning", named(DIRECTIONS_SV, trend.get("direction"))),
        Fact("Delegationsbeslut under året", len(body["delegation_decisions"]), "count"),
    )


def _tables(body: dict[str, Any]) -> tuple[Table, ...]:
    return (
        Table(
            "trend",
            "Innovationsandel år för år",
            (
                Column("year", "År"),
                Column("actual_percent", "Utfall", "percent"),
                Column("target_percent", "Mål", "percent"),
                Column("distance_points", "Avstånd (procentenheter)", "percent"),
                Column("change_points", "Förändring från föregående år", "percent"),
                Column("target_decision_positions", "Målbeslut (loggposition)"),
            ),
            body["trend"]["years"],
            note="Mått: " + (named(MEASURES_SV, body["trend"]["measure"]) or ""),
        ),
        Table(
            "procurements",
            "Upphandlingar som ingår i årets innovationsandel",
            (
                Column("title", "Upphandling"),
                Column("relation_sv", "Kommunens roll"),
                Column("lead", "Ledande kommun"),
                Column("procedure_sv", "Förfarande"),
                Column("innovation", "Innovation", "bool"),
                Column("started_count", "Påbörjad", "count"),
                Column("started_value_sek", "Värde, påbörjad (kr)", "money"),
                Column("contracted_count", "Avtalad", "count"),
                Column("contracted_value_sek", "Värde, avtalad (kr)", "money"),
                Column("status_sv", "Status"),
                Column("procurement_id", "Id", "code"),
                Column("history", "Historik", "link", printed=False),
            ),
            body["procurements"],
            note="Varje upphandling med det den tillför kommunens siffror året: en gemensam "
            "upphandling med kommunens del av värdet. Raderna summerar till siffrorna ovan.",
        ),
        Table(
            "delegation_decisions",
            "Delegationsbeslut (anmälan till nämnden)",
            (
                Column("decided_at", "Beslutat", "datetime"),
                Column("decision_type_sv", "Beslut"),
                Column("subject", "Ärende"),
                Column("decided_by_name", "Beslutsfattare"),
                Column("decided_by", "Användar-id", "code"),
                Column("rule_id", "Delegationspunkt", "code"),
                Column("order_version", "Delegationsordning (version)"),
                Column("role_sv", "Roll"),
                Column("value_sek", "Belopp (kr)", "money"),
                Column("rationale", "Motivering"),
                Column("position", "Loggposition"),
                Column("history", "Historik", "link", printed=False),
            ),
            body["delegation_decisions"],
            note="Beslut som fattats med stöd av delegationsordningen i kraft på beslutsdagen, "
            "med den delegationspunkt beslutet vilar på.",
        ),
    )


NOTES = (
    "Innovationsandelen räknas i giltig tid: en upphandling räknas som påbörjad det år "
    "anskaffningsbeslutet fattades och som avtalad det år avtalet tecknades (svensk "
    "kalender). Gemensamma upphandlingar räknas för varje kommun som anslutit sig, med "
    "kommunens del av värdet; nätverket räknar varje upphandling en gång.",
    "Varje siffra kan spåras: upphandlingarnas och besluten länkar leder till objektens "
    "historik, och loggpositionen pekar ut beslutet i händelseloggen och i den signerade "
    "revisionsloggen (Merkleträdet).",
)
