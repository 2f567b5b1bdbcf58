"""Reports to download from the pages: the board's annual report (årsrapport till nämnden),
the auditor's report (revisionsrapport) of a period, and the funder's project report, each as
PDF or CSV. They are built by the same core functions and rendered by the same code as the
API's reports; who may read which is the core's rule, here as there."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import abort, render_template, request

from projections import queries
from projections.views.innovation_share import VIEW_NAME as SHARE_VIEW
from service.access_policy import can_read_history
from service.api.context import services
from service.api.resources.reports import answer, reflect_the_log
from service.reports.auditor import auditor_report
from service.reports.board import board_annual_report
from service.reports.project import project_report
from service.web import forms
from service.web.forms import STOCKHOLM
from service.web.pages import bp
from service.web.reads import fresh
from service.web.signin import current_principal, signed_in

DOWNLOADS = ("pdf", "csv")


def _format() -> str:
    chosen = request.args.get("format", "pdf")
    if chosen not in DOWNLOADS:
        abort(404)
    return chosen


def annual_report_years(slug: str) -> list[int]:
    """The years the municipality's innovation share has figures for, newest first."""
    fresh(SHARE_VIEW)
    rows = queries.list_innovation_share(services().sql, municipality=slug, limit=200).rows
    return sorted({int(row["year"]) for row in rows}, reverse=True)


def may_read_annual_report(principal: Any) -> bool:
    return principal.municipality is not None and can_read_history(principal)


@bp.get("/rapporter")
@signed_in
def reports() -> Any:
    principal = current_principal()
    app = services().innoledger
    slug = principal.municipality
    years = annual_report_years(str(slug)) if may_read_annual_report(principal) else []
    projects = app.projects(principal, municipality=slug, limit=50).projects if slug else []
    last_year = datetime.now(STOCKHOLM).year - 1
    return render_template(
        "reports/index.html",
        years=years,
        annual=may_read_annual_report(principal),
        auditor=principal.has_role("auditor"),
        projects=projects,
        period_from=request.args.get("from", f"{last_year}-01-01"),
        period_until=request.args.get("until", f"{last_year}-12-31"),
    )


@bp.get("/rapporter/arsrapport/<int:year>")
@signed_in
def annual_report(year: int) -> Any:
    principal = current_principal()
    format_ = _format()
    reflect_the_log(SHARE_VIEW, "tenant_index", "decision_log")
    svc = services()
    report = board_annual_report(
        svc.innoledger, svc.sql, principal, str(principal.municipality), year
    )
    return answer(report, format_)


@bp.get("/rapporter/revision")
@signed_in
def auditor_report_download() -> Any:
    principal = current_principal()
    format_ = _format()
    period_from: date = forms.parse_day(request.args.get("from", ""), field="from")
    period_until: date = forms.parse_day(request.args.get("until", ""), field="until")
    reflect_the_log("decision_log")
    svc = services()
    report = auditor_report(
        svc.innoledger, svc.sql, principal, period_from=period_from, period_until=period_until
    )
    return answer(report, format_)


@bp.get("/rapporter/projekt/<project_id>")
@signed_in
def project_report_download(project_id: str) -> Any:
    format_ = _format()
    return answer(project_report(services().innoledger, current_principal(), project_id), format_)
