"""Rendering a report: figures written for print and for Swedish spreadsheets, text from the
record never run as a spreadsheet formula, and a PDF only of a size people print."""

from __future__ import annotations

import csv
import io

import pytest

from domain.errors import InvalidValue
from service.reports.document import Column, Fact, Report, Table
from service.reports.formatting import printed, sheet
from service.reports.pdf import MAX_PRINTED_ROWS, render_html, render_pdf
from service.reports.spreadsheet import render_csv


def report(rows: list[dict]) -> Report:
    return Report(
        kind="test", title="Rapport", subtitle="Prov", filename="prov", body={"rows": rows},
        facts=(Fact("Värde", "1500000.00", "money"), Fact("Andel", "0.6667", "share")),
        tables=(Table("rows", "Rader", (
            Column("text", "Text"), Column("value", "Belopp", "money"),
            Column("when", "När", "datetime"), Column("link", "Länk", "link", printed=False),
            Column("path", "Väg", "lines"),
        ), rows),),
        generated_at="2026-12-02T07:00:00+00:00",
    )


def test_figures_for_print_and_for_spreadsheets() -> None:
    assert printed("1500000.00", "money") == "1 500 000,00"
    assert printed("0.6667", "share") == "66,67 %"
    assert printed("-16.67", "percent") == "-16,67 %"
    assert printed(None, "money") == "–"
    assert printed(True, "bool") == "Ja"
    assert printed("2019-02-01T09:00:00+00:00", "datetime") == "2019-02-01 10:00"
    assert printed("2019-07-01T09:00:00Z", "datetime") == "2019-07-01 11:00"  # summer time
    assert sheet("1500000.00", "money") == "1500000,00"
    assert sheet("0.6667", "share") == "0,6667"
    assert sheet(None, "money") == ""
    assert sheet("/api/v1/needs/x", "link", "https://innoledger.example") == (
        "https://innoledger.example/api/v1/needs/x")


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)",
                                  "\tindent"])
def test_record_text_never_runs_as_a_formula(text: str) -> None:
    content = render_csv(report([{"text": text, "value": "1.00", "when": None, "link": "/x",
                                  "path": ["ab", "cd"]}]))
    rows = list(csv.reader(io.StringIO(content.decode("utf-8").lstrip("\ufeff")),
                           delimiter=";"))
    cell = next(row[0] for row in rows if row and row[0].endswith(text))
    assert cell == "'" + text
    data = rows[-1]
    assert data[-1] == "ab\ncd"  # a proof path: one node a line, in one cell


def test_the_pdf_leaves_out_what_does_not_print_and_refuses_a_book() -> None:
    html = render_html(report([{"text": "<b>rad</b>", "value": "2.50", "when": None,
                                "link": "/api/v1/x", "path": ["ab", "cd"]}]), "http://h")
    assert "&lt;b&gt;rad&lt;/b&gt;" in html  # escaped
    assert "Länk" not in html and "/api/v1/x" not in html
    assert "ab\ncd" in html
    too_many = [{"text": str(i), "value": "1.00", "when": None, "link": "/x", "path": []}
                for i in range(MAX_PRINTED_ROWS + 1)]
    with pytest.raises(InvalidValue) as refused:
        render_pdf(report(too_many))
    assert refused.value.field == "format"
