"""The network's shared views for everyone signed in: the needs catalogue with text search and
similar needs side by side (where municipalities can meet), and the innovation share per
municipality and year as charts with the data table beside them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l

from domain.innovation_share import TARGET_MEASURES
from projections import queries
from projections.views.innovation_share import VIEW_NAME as SHARE_VIEW
from service.api.context import services
from service.web.fragments import rendered_parts
from service.web.i18n import chosen_language
from service.web.pages import bp
from service.web.pages.chrome import municipality_name
from service.web.pages.needs import NEED_STATES
from service.web.pages.reports import may_read_annual_report
from service.web.reads import fresh
from service.web.signin import current_principal, signed_in


@bp.get("/natverket/behov")
@signed_in
def network_needs() -> Any:
    at = fresh("network_needs")
    q = request.args.get("q", "").strip() or None
    similar_to = request.args.get("lika")
    parts = rendered_parts()
    language = chosen_language()

    def drawn_at(position: int) -> tuple[str, int, str, str | None]:
        return ("network_needs", position, language, q)

    catalogue = None
    if at is not None and not similar_to:
        # The view is where it was when the catalogue was drawn: its rows need not be read.
        catalogue = parts.kept(drawn_at(at))
    similar = None
    chosen = None
    if catalogue is None:
        page = queries.list_network_needs(services().sql, q=q, limit=100)
        if similar_to:
            chosen = next((row for row in page.rows if row["need_id"] == similar_to), None)
            if chosen is None:
                everything = queries.list_network_needs(services().sql, limit=200).rows
                chosen = next((row for row in everything if row["need_id"] == similar_to), None)
            if chosen is not None:
                similar = queries.similar_network_needs(services().sql, similar_to, limit=10).rows
        catalogue = parts.get_or_render(
            drawn_at(page.position),
            lambda: render_template(
                "network/_needs_catalogue.html",
                rows=page.rows,
                links=_row_links(page.rows, q),
                names=_names(page.rows),
                states={state: str(name) for state, name in NEED_STATES.items()},
            ),
        )
    return render_template(
        "network/needs.html",
        catalogue=catalogue,
        names=_names(similar or []),
        q=q or "",
        chosen=chosen,
        similar=similar,
    )


def _names(*pages: list[dict[str, Any]]) -> dict[str, str]:
    """The municipalities' names the rows mention, looked up once per page."""
    slugs = {
        slug
        for rows in pages
        for row in rows
        for slug in [row["owner"], *(row.get("co_owners") or [])]
    }
    return {slug: municipality_name(slug) for slug in slugs}


def _row_links(rows: list[dict[str, Any]], q: str | None) -> dict[str, tuple[str, str]]:
    """Each row's links (similar needs, the need's page), built from one URL of each kind:
    a hundred rows would otherwise build two hundred URLs through the router, most of the
    page's cost."""
    similar = url_for("web.network_needs", q=q or None)
    similar += "&" if "?" in similar else "?"
    marker = "00000000-need-id-marker"
    need_page = url_for("web.need", need_id=marker)
    return {
        row["need_id"]: (
            similar + urlencode({"lika": row["need_id"]}),
            need_page.replace(marker, quote(row["need_id"], safe="")),
        )
        for row in rows
    }


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
