"""Reports as JSON, CSV and PDF: the board's annual report and the auditor's report.

Each report is built once by the core (service/reports) for the caller and rendered in the
format asked for: `?format=json|csv|pdf`, else the `Accept` header (JSON by default). A caller
that accepts none of the three gets 406.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request
from flask.views import MethodView
from marshmallow import Schema
from werkzeug.exceptions import NotAcceptable

from projections.runner import head_position
from projections.views.innovation_share import VIEW_NAME as SHARE_VIEW
from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.dumping import dumped
from service.api.schemas.reports import (
    AuditorReportQuerySchema,
    AuditorReportSchema,
    BoardReportSchema,
    ProjectReportSchema,
    ReportFormatQuerySchema,
)
from service.api.views import log_answer, reach_position
from service.audit.people import PeopleDirectory
from service.ledger.ledger import Ledger
from service.reports.auditor import auditor_report
from service.reports.board import board_annual_report
from service.reports.document import Report
from service.reports.project import project_report

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1",
    description="Reports people print, file and open in spreadsheets: each as JSON, CSV "
    "(`;`, decimal comma, UTF-8 with BOM) or PDF, with every figure traced to its decisions.",
)

MEDIA_TYPES = {"json": "application/json", "csv": "text/csv", "pdf": "application/pdf"}


def alternative_formats(description: str, schema: type) -> dict[str, Any]:
    """The JSON, CSV and PDF forms of a 200 answer, the 403 and the 406."""
    return {
        "responses": {
            "200": {
                "description": description,
                "content": {
                    "application/json": {"schema": schema},
                    "text/csv": {"schema": {"type": "string"}},
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                },
            },
            "403": {
                "description": "The caller's roles may not read this report: /problems/forbidden",
                "content": {"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}}},
            },
            "406": {
                "description": "`Accept` names none of application/json, text/csv and "
                "application/pdf: /problems/not-acceptable",
                "content": {"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}}},
            },
        }
    }


def chosen_format(query: dict[str, Any]) -> str:
    asked = query.get("format")
    if asked:
        return str(asked)
    accept = request.accept_mimetypes
    if not accept:
        return "json"
    best = accept.best_match(list(MEDIA_TYPES.values()))
    if best is None:
        raise NotAcceptable(
            "this report is served as application/json, text/csv or application/pdf "
            "(or ask with ?format=json|csv|pdf)"
        )
    return next(name for name, media in MEDIA_TYPES.items() if media == best)


def reflect_the_log(*views: str) -> None:
    """A report is filed as it stands: its views first reach the log as it is now (the web
    process applies what a lagging runner has not, or answers 503 to try again)."""
    head = head_position(services().innoledger.recorder)
    for view in views:
        reach_position(view, head)


def conditional_report(
    format_: str, make: Callable[[], Report], schema: type[Schema], *parts: str
) -> Response:
    """The report in `format_`, or 304: a report is made of the log as it stands (its views
    first reach it), asked for in one format, for one address (its links), and of `parts`
    (e.g. the people directory's names); `generated_at` says when this copy was made."""

    def build() -> Response:
        report = make()
        if format_ == "json":
            return jsonify(dumped(schema, report.body))
        return answer(report, format_)

    return log_answer(build, format_, request.url_root, *parts)


def answer(report: Report, format_: str) -> Any:
    """The JSON body for the schema to dump, or the rendered document as a download."""
    if format_ == "json":
        return report.body
    base_url = request.url_root.rstrip("/")
    if format_ == "csv":
        from service.reports.spreadsheet import render_csv

        content = render_csv(report, base_url)
        mimetype = "text/csv"
    else:
        from service.reports.pdf import render_pdf

        content = render_pdf(report, base_url)
        mimetype = "application/pdf"
    response = Response(content, mimetype=mimetype)
    if format_ == "csv":
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{report.filename}.{format_}"'
    )
    return response


@blp.route("/municipalities/<slug>/reports/annual/<int:year>")
class BoardAnnualReport(MethodView):
    @blp.conditional
    @blp.arguments(ReportFormatQuerySchema, location="query")
    @blp.response(200, BoardReportSchema)
    @blp.doc(**alternative_formats(
        "The board's annual report (årsrapport till nämnden) as JSON, CSV or PDF",
        BoardReportSchema,
    ))
    def get(self, query: dict[str, Any], slug: str, year: int) -> Any:
        """The board's annual report of a municipality and year: innovation share against
        target with the trend, the procurements behind the figures, and the decisions taken
        under delegation (delegationsbeslut)"""
        format_ = chosen_format(query)

        def make() -> Report:
            reflect_the_log(SHARE_VIEW, "tenant_index", "decision_log")
            svc = services()
            return board_annual_report(svc.innoledger, svc.sql, current_principal(), slug, year)

        # The decisions name their makers from the people directory.
        people = PeopleDirectory.of(services().innoledger).state((slug,))
        return conditional_report(format_, make, BoardReportSchema, f"people={people}")


@blp.route("/audit/reports/decisions")
class AuditorReport(MethodView):
    @blp.conditional
    @blp.arguments(AuditorReportQuerySchema, location="query")
    @blp.response(200, AuditorReportSchema)
    @blp.doc(**alternative_formats(
        "The auditor's report (revisionsrapport) as JSON, CSV or PDF", AuditorReportSchema
    ))
    def get(self, query: dict[str, Any]) -> Any:
        """The auditor's report of a period: every decision taken in it with its authority,
        its ledger leaf and an inclusion proof against the signed tree head it carries"""
        format_ = chosen_format(query)

        def make() -> Report:
            reflect_the_log("decision_log")
            svc = services()
            return auditor_report(
                svc.innoledger, svc.sql, current_principal(),
                period_from=query["period_from"], period_until=query["period_until"],
                municipality=query.get("municipality"),
            )

        # It carries a tree head signed with the ledger's current key.
        key_id = Ledger.of(services().innoledger).signer.key_id
        return conditional_report(format_, make, AuditorReportSchema, f"key={key_id}")


@blp.route("/projects/<project_id>/report")
class FunderProjectReport(MethodView):
    @blp.conditional
    @blp.arguments(ReportFormatQuerySchema, location="query")
    @blp.response(200, ProjectReportSchema)
    @blp.doc(**alternative_formats(
        "The funder's project report (projektrapport) as JSON, CSV or PDF", ProjectReportSchema
    ))
    def get(self, query: dict[str, Any], project_id: str) -> Any:
        """The funder's project report: the project and its funder, partners and reference
        group, and its activities and results phase by phase, with its decisions"""
        format_ = chosen_format(query)
        return conditional_report(
            format_,
            lambda: project_report(services().innoledger, current_principal(), project_id),
            ProjectReportSchema,
        )
