"""The network's shared views for everyone signed in: the needs catalogue with text search and
similar needs side by side (where municipalities can meet), and the innovation share per
municipality and year as charts with the data table beside them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import render_template, request
from flask_babel import lazy_gettext as _l

from domain.innovation_share import TARGET_MEASURES
from projections import queries
from projections.views.innovation_share import VIEW_NAME as SHARE_VIEW
from service.api.context import services
from service.web.pages import bp
from service.web.pages.needs import NEED_STATES
from service.web.pages.reports import may_read_annual_report
from service.web.reads import fresh
from service.web.signin import current_principal, signed_in


@bp.get("/natverket/behov")
@signed_in
def network_needs() -> Any:
    fresh("network_needs")
    q = request.args.get("q", "").strip() or None
    page = queries.list_network_needs(services().sql, q=q, limit=100)
    similar_to = request.args.get("lika")
    similar = None
    chosen = None
    if similar_to:
        chosen = next((row for row in page.rows if row["need_id"] == similar_to), None)
        if chosen is None:
            everything = queries.list_network_needs(services().sql, limit=200).rows
            chosen = next((row for row in everything if row["need_id"] == similar_to), None)
        if chosen is not None:
            similar = queries.similar_network_needs(services().sql, similar_to, limit=10).rows
    return render_template(
        "network/needs.html",
        rows=page.rows,
        q=q or "",
        states=NEED_STATES,
        chosen=chosen,
        similar=similar,
    )


def _percent(share: str | None) -> int | None:
    if share is None:
        return None
    return max(0, min(100, int((Decimal(share) * 100).to_integral_value())))


MEASURES = {
    "started_count": _l("Procurements started, by count"),
    "started_value": _l("Procurements started, by value"),
    "contracted_count": _l("Contracts signed, by count"),
    "contracted_value": _l("Contracts signed, by value"),
}
assert set(MEASURES) == set(TARGET_MEASURES)
NETWORK = "natverket"


def _points(value: str | None) -> int | None:
    """A percentage as a whole number from 0 to 100, for the width of a bar."""
    if value is None:
        return None
    return max(0, min(100, int(Decimal(value).to_integral_value())))


def _trend(principal: Any) -> dict[str, Any]:
    """The share year by year against the target, for the municipality chosen (the person's
    own by default) or the network, on the chosen measure: the same figures as the API's."""
    measure = request.args.get("matt", "started_count")
    if measure not in MEASURES:
        measure = "started_count"
    who = request.args.get("kommun") or principal.municipality or NETWORK
    registered = {m["slug"] for m in services().innoledger.registered_municipalities()}
    if who not in registered:
        who = NETWORK
    trend = queries.innovation_share_trend(
        services().sql, municipality=None if who == NETWORK else who, measure=measure
    )
    for year in trend["years"]:
        year["actual_width"] = _points(year["actual_percent"])
        year["target_width"] = _points(year["target_percent"])
    return {**trend, "who": who, "measure": measure}


@bp.get("/natverket/innovationsandel")
@signed_in
def innovation_share() -> Any:
    fresh(SHARE_VIEW)
    rows = queries.list_innovation_share(services().sql, limit=200).rows
    years = sorted({row["year"] for row in rows}, reverse=True)
    raw_year = request.args.get("ar", "")
    year = (
        int(raw_year)
        if raw_year.isdigit() and int(raw_year) in years
        else (years[0] if years else None)
    )
    shown = [row for row in rows if row["year"] == year]
    for row in shown:
        row["started_percent"] = _percent(row["started"]["innovation_share"])
        row["contracted_percent"] = _percent(row["contracted"]["innovation_share"])
        target = row.get("target")
        row["target_percent"] = (
            _percent(target.get("innovation_share"))
            if isinstance(target, dict)
            else _percent(target)
            if isinstance(target, str)
            else None
        )
    network = shown[0]["network"] if shown else None
    principal = current_principal()
    trend = _trend(principal)
    own_rows = [row for row in shown if row["municipality"] == principal.municipality]
    return render_template(
        "network/innovation_share.html",
        annual_report=bool(own_rows) and may_read_annual_report(principal),
        trend=trend,
        measures=MEASURES,
        municipalities=services().innoledger.registered_municipalities(),
        rows=shown,
        years=years,
        year=year,
        network=network,
        network_started=_percent(network["started"]["innovation_share"]) if network else None,
        network_contracted=_percent(network["contracted"]["innovation_share"]) if network else None,
    )
