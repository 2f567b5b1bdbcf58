"""Reports downloaded from the pages: the board's annual report, the auditor's report and the
funder's project report as PDF and CSV, built by the core for the signed-in person, who may
read only what the core allows them (as through the API)."""

from __future__ import annotations

import re

from flask import Flask

from service.demo.scenario import DemoResult
from tests.web.visitor import signed_in


def _years(html: str) -> list[int]:
    return [int(y) for y in re.findall(r'href="/rapporter/arsrapport/(\d{4})\?format=pdf"', html)]


def test_an_officer_downloads_the_annual_report_and_the_project_report(
    app: Flask, demo: DemoResult
) -> None:
    officer = signed_in(app, "ystad-officer")
    html = officer.text("/rapporter")
    assert "Årsrapport till nämnden" in html and "Revisionsrapport" not in html
    years = _years(html)
    assert years and years == sorted(years, reverse=True)
    pdf = officer.get(f"/rapporter/arsrapport/{years[0]}?format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.get_data().startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]
    csv = officer.get(f"/rapporter/arsrapport/{years[0]}?format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert str(years[0]) in csv.get_data(as_text=True)
    project = demo.projects["vinnova"]
    assert f"/rapporter/projekt/{project}?format=pdf" in html
    report = officer.get(f"/rapporter/projekt/{project}?format=csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert officer.get(f"/rapporter/arsrapport/{years[0]}?format=xml").status_code == 404


def test_the_innovation_share_page_links_the_own_annual_report(app: Flask) -> None:
    officer = signed_in(app, "ystad-officer")
    html = officer.text("/natverket/innovationsandel")
    assert re.search(r'href="/rapporter/arsrapport/\d{4}\?format=pdf"', html)
    viewer = signed_in(app, "ystad-viewer")
    assert "/rapporter/arsrapport/" not in viewer.text("/natverket/innovationsandel")


def test_an_auditor_downloads_the_report_of_a_period(app: Flask) -> None:
    auditor = signed_in(app, "skurup-auditor")
    assert "Revisionsrapport" in auditor.text("/rapporter")
    csv = auditor.get("/rapporter/revision?from=2018-01-01&until=2019-12-31&format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    body = csv.get_data(as_text=True)
    assert "award" in body or "Tilldelningsbeslut" in body
    backwards = auditor.get("/rapporter/revision?from=2019-12-31&until=2018-01-01&format=csv")
    assert backwards.status_code == 422
    unreadable = auditor.get("/rapporter/revision?from=igår&until=2018-01-01&format=csv")
    assert unreadable.status_code == 422 and "ÅÅÅÅ-MM-DD" in unreadable.get_data(as_text=True)


def test_who_may_read_a_report_is_the_core_s_rule(app: Flask, demo: DemoResult) -> None:
    viewer = signed_in(app, "ystad-viewer")
    refused = viewer.get("/rapporter/arsrapport/2019?format=pdf")
    assert refused.status_code == 403 and refused.mimetype == "text/html"
    assert "Årsrapport till nämnden" not in viewer.text("/rapporter")
    officer = signed_in(app, "ystad-officer")
    refused = officer.get("/rapporter/revision?from=2019-01-01&until=2019-12-31&format=pdf")
    assert refused.status_code == 403 and refused.mimetype == "text/html"
