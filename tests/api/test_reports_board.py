"""The board's annual report over HTTP: its figures are the views' figures, its procurements add
up to them, its delegation decisions are the decision log's, in JSON, CSV and PDF alike; only
the municipality's own people (and platform auditors) get it."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from tests.api.conftest import Tenant, World, assert_problem, decision, full_delegation

REPORT = "municipalities/{slug}/reports/annual/{year}"
METRICS = ("count", "innovation_count", "value_sek", "innovation_value_sek")


def register(tenant: Tenant, title: str, *, value: str, innovation: bool, decided_at: str,
             **extra: Any) -> dict[str, Any]:
    return tenant.dm.ok("POST", "procurements/register", 201, json={
        "title": title,
        "estimated_value_sek": value,
        "procedure": extra.pop("procedure", "open"),
        "decision": {"rationale": "Behov i verksamheten", "authority": {"kind": "delegation"},
                     "decided_at": decided_at},
        "screening": {"innovation": innovation, "kind": "other" if innovation else None,
                      "rationale": "Bedömt"},
        **extra,
    })


@pytest.fixture
def network(world: World) -> dict[str, Any]:
    """Ystad's 2019: three procurements of its own (one a signed direct award), one joint with
    Skurup (25 % Skurup's), a target adopted by the board; and a 2018 procurement."""
    ystad = world.tenant("ystad", rules=full_delegation())
    skurup = world.tenant("skurup", rules=full_delegation())
    register(ystad, "Äldre inköp 2018", value="200000.00", innovation=False,
             decided_at="2018-05-02T10:00:00+02:00")
    register(ystad, "Digitala lärresurser", value="400000.00", innovation=True,
             decided_at="2019-02-01T10:00:00+01:00")
    register(ystad, "Städtjänster", value="300000.00", innovation=False,
             decided_at="2019-03-01T10:00:00+01:00", procedure="direct_award",
             contract={"supplier": {"org_number": "556677-8899", "name": "Rent AB"},
                       "contract_value_sek": "290000.00", "signed_on": "2019-03-20"})
    joint = register(ystad, "Gemensam AI-plattform", value="1000000.00", innovation=True,
                     decided_at="2019-04-01T10:00:00+02:00")
    ystad.officer.ok("POST", f"procurements/{joint['id']}/participants", 200,
                     json={"municipality": "skurup", "role": "participant"})
    skurup.dm.ok("POST", f"procurements/{joint['id']}/participation", 200,
                 json=decision("join", "2019-05-01T10:00:00+02:00", value_share_percent="25"))
    secret = register(skurup, "Skurups hemliga inköp", value="50000.00", innovation=False,
                      decided_at="2019-06-01T10:00:00+02:00")
    last = ystad.dm.ok("POST", "municipalities/ystad/innovation-targets", 201, json={
        "year": 2019, "target_percent": "50", "rationale": "Mål i budgeten",
        "authority": {"kind": "board", "body": "Kommunfullmäktige", "meeting_date": "2018-11-26",
                      "minutes_reference": "KF 2018-11-26 § 112"},
        "decided_at": "2018-11-26T19:00:00+01:00"})
    # Wait for every view to reach the last write.
    for view in ("network/innovation-share", "procurements", "audit/decisions"):
        (ystad.auditor if view.startswith("audit") else ystad.viewer).read(
            view, query={"position": max(last["position"], secret["position"])})
    return {"ystad": ystad, "skurup": skurup, "joint": joint["id"], "secret": secret["id"]}


def report(client: Any, slug: str = "ystad", year: int = 2019, **query: Any) -> Any:
    return client.get(REPORT.format(slug=slug, year=year), query=query or None)


def test_the_figures_are_the_views_and_the_procurements_add_up_to_them(
    world: World, network: dict[str, Any]
) -> None:
    ystad = network["ystad"]
    body = ystad.officer.read(REPORT.format(slug="ystad", year=2019))
    view = ystad.viewer.read("network/innovation-share",
                             query={"municipality": "ystad", "year": 2019})["items"]
    assert body["innovation_share"] == view[0]
    assert body["innovation_share"]["target"]["target_percent"] == "50.00"
    trend = ystad.viewer.read("network/innovation-share/trend", query={"municipality": "ystad"})
    assert body["trend"]["years"] == trend["years"]
    assert body["municipality"] == {"slug": "ystad", "name": "Ystads kommun",
                                    "organisation_number": "212000-1249"}

    titles = {p["title"] for p in body["procurements"]}
    assert titles == {"Digitala lärresurser", "Städtjänster", "Gemensam AI-plattform"}
    for stage in ("started", "contracted"):
        for metric in METRICS:
            key = f"{stage}_{metric}"
            total = sum(Decimal(str(p[key])) for p in body["procurements"])
            assert total == Decimal(str(body["innovation_share"][stage][metric])), key
    joint = next(p for p in body["procurements"] if p["procurement_id"] == network["joint"])
    assert joint["started_value_sek"] == "750000.00"  # Skurup stated 25 %
    assert joint["relation"] == "lead"
    assert joint["history"] == f"/api/v1/procurements/{network['joint']}/history"
    # Every procurement link answers to the report's reader.
    for procurement in body["procurements"]:
        ystad.officer.read(procurement["link"])


def test_delegation_decisions_are_the_logs_under_delegation(
    world: World, network: dict[str, Any]
) -> None:
    ystad = network["ystad"]
    body = ystad.dm.read(REPORT.format(slug="ystad", year=2019))
    log = ystad.auditor.read("audit/decisions", query={
        "municipality": "ystad", "decided_from": "2019-01-01T00:00:00+01:00",
        "decided_until": "2020-01-01T00:00:00+01:00", "limit": 200})["items"]
    expected = [d for d in log if d["authority"]["kind"] == "delegation"]
    assert [d["position"] for d in body["delegation_decisions"]] == [
        d["position"] for d in expected]
    assert expected, "the scenario has decisions under delegation in 2019"
    for shown, logged in zip(body["delegation_decisions"], expected, strict=True):
        assert shown["decision_type"] == logged["decision_type"]
        assert shown["decided_at"] == logged["decided_at"]
        assert shown["decided_by"] == logged["decided_by"] == "ystad-dm"
        assert shown["rule_id"] == logged["authority"]["rule_id"]
        assert shown["rule_id"].startswith("DM-")
    # The board's own decision (the target) and 2018's decisions are not delegation decisions
    # of 2019; role grants are not decisions under delegation either.
    types = {d["decision_type"] for d in body["delegation_decisions"]}
    assert "adopt_innovation_target" not in types and "grant_role" not in types
    assert all(d["decided_at"].startswith("2019") for d in body["delegation_decisions"])


def _csv_blocks(content: bytes) -> dict[str, list[list[str]]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    blocks: dict[str, list[list[str]]] = {}
    current: list[list[str]] = []
    for row in rows:
        if not row:
            current = []
            continue
        if not current:
            blocks[row[0]] = current
        current.append(row)
    return blocks


def test_csv_holds_the_same_figures(world: World, network: dict[str, Any]) -> None:
    ystad = network["ystad"]
    body = ystad.officer.read(REPORT.format(slug="ystad", year=2019))
    answer = report(ystad.officer, format="csv")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert 'filename="arsrapport-ystad-2019.csv"' in answer.headers["Content-Disposition"]
    blocks = _csv_blocks(answer.get_data())
    facts = {row[0]: row[1] for row in blocks["Uppgift"][1:]}
    started = body["innovation_share"]["started"]
    assert facts["Påbörjade upphandlingar (antal)"] == str(started["count"])
    assert facts["Påbörjade upphandlingar (värde, kr)"] == started["value_sek"].replace(".", ",")
    assert facts["Innovationsandel, påbörjade (antal)"] == started["innovation_share"].replace(
        ".", ",")
    procurements = blocks["Upphandlingar som ingår i årets innovationsandel"]
    header, lines = procurements[1], procurements[2:]
    column = header.index("Värde, påbörjad (kr)")
    total = sum(Decimal(line[column].replace(",", ".")) for line in lines)
    assert total == Decimal(started["value_sek"])
    ids = {line[header.index("Id")] for line in lines}
    assert ids == {p["procurement_id"] for p in body["procurements"]}
    decisions = blocks["Delegationsbeslut (anmälan till nämnden)"]
    positions = [int(line[decisions[1].index("Loggposition")]) for line in decisions[2:]]
    assert positions == [d["position"] for d in body["delegation_decisions"]]


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_is_produced_and_carries_the_figures(world: World, network: dict[str, Any]) -> None:
    ystad = network["ystad"]
    body = ystad.officer.read(REPORT.format(slug="ystad", year=2019))
    answer = ystad.officer.get(REPORT.format(slug="ystad", year=2019),
                               headers={"Accept": "application/pdf"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "application/pdf"
    text = _pdf_text(answer.get_data())
    flat = re.sub(r"\s+", "", text)
    assert "Årsrapport till nämnden" in text
    assert "Ystads kommun" in text
    started = body["innovation_share"]["started"]
    # 1 450 000,00: printed with spaces between thousands and a decimal comma.
    assert started["value_sek"] == "1450000.00"
    assert "Påbörjadeupphandlingar(värde,kr)1450000,00" in flat
    assert f"Påbörjadeupphandlingar(antal){started['count']}" in flat
    assert "Innovationsandel,påbörjade(antal)66,67%" in flat
    assert started["innovation_share"] == "0.6667"
    for procurement in body["procurements"]:
        assert re.sub(r"\s+", "", procurement["title"]) in flat  # cells wrap their text
    for shown in body["delegation_decisions"]:
        assert shown["rule_id"] in flat
    assert "50,00%" in flat  # the target


def test_format_negotiation(world: World, network: dict[str, Any]) -> None:
    ystad = network["ystad"]
    path = REPORT.format(slug="ystad", year=2019)
    assert ystad.officer.get(path).mimetype == "application/json"
    assert ystad.officer.get(path, headers={"Accept": "text/csv"}).mimetype == "text/csv"
    assert ystad.officer.get(
        path, headers={"Accept": "text/html;q=0.9, text/csv;q=0.5"}).mimetype == "text/csv"
    assert ystad.officer.get(path, query={"format": "json"},
                             headers={"Accept": "text/csv"}).mimetype == "application/json"
    assert_problem(ystad.officer.get(path, headers={"Accept": "text/html"}), 406)
    assert_problem(ystad.officer.get(path, query={"format": "docx"}), 422, field="format")


def test_only_the_municipalitys_people_and_platform_auditors_read_it(
    world: World, network: dict[str, Any]
) -> None:
    ystad, skurup = network["ystad"], network["skurup"]
    for role in ("officer", "decision_maker", "auditor", "tenant_admin"):
        assert report(ystad.clients[role]).status_code == 200, role
    assert world.platform_auditor.get(REPORT.format(slug="ystad", year=2019)).status_code == 200
    assert_problem(report(ystad.viewer), 403)
    for role in ("officer", "decision_maker", "auditor", "viewer", "tenant_admin"):
        for fmt in ("json", "csv", "pdf"):
            answer = report(skurup.clients[role], format=fmt)
            assert_problem(answer, 403)
            assert "Gemensam AI-plattform" not in answer.get_data(as_text=True)
    assert_problem(report(ystad.officer, slug="nowhere"), 404)
    assert world.anonymous().get(REPORT.format(slug="ystad", year=2019)).status_code == 401
    assert_problem(report(ystad.officer, year=1999), 422, field="year")


def test_a_participants_report_counts_its_part_and_shows_nothing_private_of_the_lead(
    world: World, network: dict[str, Any]
) -> None:
    skurup = network["skurup"]
    body = skurup.officer.read(REPORT.format(slug="skurup", year=2019))
    by_id = {p["procurement_id"]: p for p in body["procurements"]}
    assert set(by_id) == {network["joint"], network["secret"]}
    assert by_id[network["joint"]]["started_value_sek"] == "250000.00"
    assert by_id[network["joint"]]["relation"] == "participant"
    # Skurup's own decision to join is one of its delegation decisions; Ystad's are not.
    assert {d["decision_type"] for d in body["delegation_decisions"]} >= {"join"}
    assert all(d["decided_by"].startswith("skurup-") for d in body["delegation_decisions"])
    for fmt in ("json", "csv", "pdf"):
        text = report(skurup.officer, slug="skurup", format=fmt).get_data()
        for private in (b"Digitala l", b"St\xc3\xa4dtj\xc3\xa4nster"):
            assert private not in text
