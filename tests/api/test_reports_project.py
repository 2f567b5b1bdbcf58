"""The funder's project report over HTTP: the project as GET /projects/{id} shows it, its
activities and results phase by phase with the linked work's own figures, in JSON, CSV and PDF;
what a reader may not see of a linked object stays out of every form."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from tests.api.conftest import World, assert_problem
from tests.api.test_projects import establish, invite, join, link

SECRET_NEED = "Hemligt behov i Ystad"


@pytest.fixture
def project(world: World) -> dict[str, Any]:
    ystad = world.tenant("ystad")
    skurup = world.tenant("skurup", area="Rena och torra golv")
    project_id = establish(ystad)
    invite(ystad, project_id, "skurup")
    join(skurup, project_id)
    ystad.officer.ok("POST", f"projects/{project_id}/partners", 201,
                     json={"kind": "university", "name": "Lunds universitet", "role": "partner"})
    ystad.officer.ok("POST", f"projects/{project_id}/reference-group", 201,
                     json={"organisation": "Region Skåne", "represents": "Regional utveckling"})
    for phase, start, end, results in (
        ("needs_identification", "2018-01-15", "2018-03-31", "Nio utmaningar"),
        ("pilots", "2018-03-01", "2019-06-30", "Tre piloter"),
        ("implementation", "2019-01-01", "2019-12-31", "Modellen i ordinarie inköp"),
    ):
        ystad.officer.ok("PUT", f"projects/{project_id}/phases/{phase}", 200,
                         json={"starts_on": start, "ends_on": end,
                               "description": f"Fasen {phase}", "results": results})
    need = world.need(ystad, "identified", title=SECRET_NEED)
    pilot = world.procurement(ystad, "closed")  # milestone, follow-up, contract
    floors = world.procurement(skurup, "tendering", title="Rena golv",
                               value="800000.00")
    assert link(ystad, project_id, "need", need).status_code == 200
    assert link(ystad, project_id, "procurement", pilot).status_code == 200
    assert link(skurup, project_id, "procurement", floors).status_code == 200
    return {"id": project_id, "ystad": ystad, "skurup": skurup, "need": need, "pilot": pilot,
            "floors": floors}


def path(project: dict[str, Any]) -> str:
    return f"projects/{project['id']}/report"


def test_the_report_is_the_project_with_its_work_and_results_per_phase(
    world: World, project: dict[str, Any]
) -> None:
    ystad = project["ystad"]
    body = ystad.viewer.read(path(project))
    shown = ystad.viewer.read(f"projects/{project['id']}")
    assert body["project"]["title"] == shown["title"]
    assert body["project"]["funder"] == shown["funder"]
    assert body["project"]["coordinator"] == shown["coordinator"]
    assert [(p["name"], p["status"], p["role"]) for p in body["partners"]] == [
        (p["name"], p["status"], p["role"]) for p in shown["partners"]]
    assert body["reference_group"] == shown["reference_group"]
    assert [p["phase"] for p in body["phases"]] == [
        "needs_identification", "pilots", "implementation"]
    assert [p["results"] for p in body["phases"]] == [
        "Nio utmaningar", "Tre piloter", "Modellen i ordinarie inköp"]
    assert [n["need_id"] for n in body["needs"]] == [n["id"] for n in shown["needs"]]
    assert [p["procurement_id"] for p in body["procurements"]] == [
        p["id"] for p in shown["procurements"]]

    # Each linked procurement's figures are the procurement's own.
    for item in body["procurements"]:
        procurement = ystad.viewer.read(item["link"])
        assert item["estimated_value_sek"] == procurement["estimated_value_sek"]
        assert item["title"] == procurement["title"]
        contract = procurement.get("contract")
        assert item["contract_value_sek"] == (contract or {}).get("contract_value_sek")
    totals = body["totals"]
    assert totals["procurements"] == 2 and totals["innovation_procurements"] == 2
    assert Decimal(totals["estimated_value_sek"]) == Decimal("1500000.00") + Decimal("800000.00")
    assert totals["contract_value_sek"] == "1450000.00" and totals["contracted"] == 1

    # Implementation: the pilot's milestone and the follow-up of its effect.
    pilot = ystad.viewer.read(f"procurements/{project['pilot']}")
    kinds = {(r["kind"], r["what"]) for r in body["results"]}
    assert kinds == {("milestone", pilot["milestones"][0]["title"]),
                     ("follow_up", pilot["follow_ups"][0]["effect"])}
    assert body["phases"][2]["activities"] == 2
    assert [d["decision_type"] for d in body["decisions"]] == [
        d["type"] for d in shown["decisions"]]
    assert all(d["authority_sv"] for d in body["decisions"])


def test_pdf_and_csv_carry_the_same_figures(world: World, project: dict[str, Any]) -> None:
    ystad = project["ystad"]
    body = ystad.officer.read(path(project))
    pdf = ystad.officer.get(path(project), headers={"Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.get_data())).pages)
    flat = re.sub(r"\s+", "", text)
    assert "Projektrapport till finansiären" in text
    for expected in ("Arbetsmodell för innovationsupphandling", "Vinnova", "Lunds universitet",
                     "Region Skåne", "Behovsidentifiering", "Implementera och integrera",
                     "Rena golv", "Nio utmaningar"):
        assert re.sub(r"\s+", "", expected) in flat, expected
    assert "Uppskattatvärde,upphandlingar(kr)2300000,00" in flat
    assert "Avtalatvärde(kr)1450000,00" in flat
    assert "Beviljatbelopp(kr)1900000,00" in flat

    sheet = ystad.officer.get(path(project), query={"format": "csv"})
    assert sheet.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(sheet.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    facts = {row[0]: row[1] for row in rows if len(row) == 2}
    assert facts["Uppskattat värde, upphandlingar (kr)"] == body["totals"][
        "estimated_value_sek"].replace(".", ",")
    start = rows.index(["Piloter: upphandlingar i projektet"])
    header = rows[start + 1]
    ids = [r[header.index("Id")] for r in rows[start + 2:start + 2 + len(body["procurements"])]]
    assert ids == [p["procurement_id"] for p in body["procurements"]]


def test_a_partner_sees_what_it_may_of_the_linked_work_and_nothing_more(
    world: World, project: dict[str, Any]
) -> None:
    skurup = project["skurup"]
    body = skurup.officer.read(path(project))
    need = next(n for n in body["needs"] if n["need_id"] == project["need"])
    assert need["title"] is None and need["municipality"] == "ystad"
    for fmt in ("json", "csv", "pdf"):
        answer = skurup.officer.get(path(project), query={"format": fmt})
        assert answer.status_code == 200
        assert SECRET_NEED.encode() not in answer.get_data()
        if fmt == "pdf":
            pages = PdfReader(io.BytesIO(answer.get_data())).pages
            assert "Hemligtbehov" not in re.sub(r"\s+", "", "".join(
                p.extract_text() for p in pages))
    assert_problem(skurup.officer.get("projects/00000000-0000-4000-8000-000000000000/report"),
                   404)
    assert world.anonymous().get(path(project)).status_code == 401
