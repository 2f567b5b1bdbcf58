"""A report as a PDF to print and file: an HTML template (templates/report.html) laid out by
WeasyPrint.

WeasyPrint needs Pango; `scripts/ensure-pdf-libraries` installs it where it is missing (the
Makefile runs it before the service or the tests start). It is imported when a PDF is first
asked for, so a process that never renders one never loads it.
"""

from __future__ import annotations

import functools
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from domain.errors import InvalidValue
from service.reports.document import Report
from service.reports.formatting import printed

MEDIA_TYPE = "application/pdf"
# A printed report is a document to read and file: past this many table rows (some 60 pages)
# the period is to be shortened, or the report taken as CSV or JSON, which have no such limit.
MAX_PRINTED_ROWS = 1200


@functools.cache
def _templates() -> Environment:
    environment = Environment(
        loader=PackageLoader("service.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment


def render_html(report: Report, base_url: str = "") -> str:
    def shown(value: Any, kind: str) -> str:
        return printed(value, kind, base_url)

    return _templates().get_template("report.html").render(
        report=report, shown=shown, base_url=base_url.rstrip("/")
    )


def render_pdf(report: Report, base_url: str = "") -> bytes:
    rows = sum(len(table.rows) for table in report.tables)
    if rows > MAX_PRINTED_ROWS:
        raise InvalidValue(
            f"format: the PDF would hold {rows} table rows, at most {MAX_PRINTED_ROWS} are "
            "printed; choose a shorter period, or take the report as csv or json",
            field="format",
        )
    from weasyprint import HTML  # heavy: loaded on the first PDF only

    pdf: bytes = HTML(string=render_html(report, base_url)).write_pdf()
    return pdf
