"""The work model through the pages (test client): a need prioritised and decided, a joint
procurement with a participant joining, published, bids, award, the standstill refusing an
early signature in Swedish, signing, follow-up; decision forms show the delegation rule first."""

from __future__ import annotations

import re

from flask import Flask

from service.demo.scenario import DemoResult
from tests.web.visitor import Visitor, signed_in

UUID = r"[0-9a-f-]{36}"


def _why(response: object) -> str:
    """The refusal a page shows, for assertion messages."""
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    found = re.search(r'id="refusal">(.*?)</div>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))) if found else html[-1500:]


def _decide(visitor: Visitor, path: str, kind: str, fields: dict[str, str], version: int) -> str:
    response = visitor.post(
        path,
        {
            "type": kind,
            "version": str(version),
            "rationale": f"Motivering: {kind}",
            "authority_kind": "delegation",
            "action": "decide",
            **fields,
        },
    )
    assert response.status_code == 302, _why(response)
    return response.headers["Location"]


def _version(html: str) -> int:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, html[:2000]
    return int(found.group(1))


def test_the_decision_form_shows_the_delegation_rule_before_deciding(
    app: Flask, demo: DemoResult
) -> None:
    maker = signed_in(app, "ystad-decision-maker")
    need_id = demo.needs["Samutnyttjade lokaler"]
    html = maker.text(f"/beslut/behov/{need_id}?type=park")
    assert "Beslutet kommer att fattas med stöd av" in html
    assert re.search(
        r"Delegationspunkt ystad-\d+ \(delegationsordning version 1, roll beslutsfattare\)", html
    )


def test_a_decision_no_rule_allows_is_refused_with_the_reason(app: Flask, demo: DemoResult) -> None:
    officer = signed_in(app, "ystad-officer")  # the delegation order gives officers nothing
    need_id = demo.needs["Samutnyttjade lokaler"]
    html = officer.text(f"/beslut/behov/{need_id}?type=park")
    assert "Delegationsordningen delegerar inte detta beslut till dig" in html
    version = _version(officer.text(f"/behov/{need_id}"))
    refused = officer.post(
        f"/beslut/behov/{need_id}",
        {
            "type": "park",
            "version": str(version),
            "rationale": "x",
            "authority_kind": "delegation",
            "decided_at": "2019-01-10",
            "decided_at_time": "10:00",
            "action": "decide",
        },
    )
    assert refused.status_code == 403
    assert "Delegationsordningen delegerar inte detta beslut till dig" in refused.get_data(
        as_text=True
    )
    assert "Parkerade" not in officer.text(f"/behov/{need_id}")


def test_a_board_decision_rests_on_its_minutes(app: Flask, demo: DemoResult) -> None:
    officer = signed_in(app, "ystad-officer")
    need_id = demo.needs["Ökat samutnyttjande"]
    response = officer.post(
        f"/beslut/behov/{need_id}",
        {
            "type": "park",
            "rationale": "Väntar på budget",
            "authority_kind": "board",
            "board_body": "Kommunstyrelsen",
            "meeting_date": "2019-02-01",
            "minutes_reference": "KS 2019-02-01 § 12",
            "decided_at": "2019-02-01",
            "decided_at_time": "10:00",
            "action": "check",
        },
    )
    html = response.get_data(as_text=True)
    assert (
        response.status_code == 200
        and "Beslut i nämnd: Kommunstyrelsen, KS 2019-02-01 § 12" in html
    )


def test_bids_stay_secret_to_the_participant_until_the_award(app: Flask, demo: DemoResult) -> None:
    """The whole joint journey through the pages."""
    ystad_officer = signed_in(app, "ystad-officer")
    ystad_maker = signed_in(app, "ystad-decision-maker")
    skurup_maker = signed_in(app, "skurup-decision-maker")
    skurup_officer = signed_in(app, "skurup-officer")

    # A need: identified, SWOT in every quadrant, prioritised, decided for procurement.
    with app.app_context():
        ystad = app.extensions["innoledger"].innoledger.require_registered("ystad")
        area = ystad.areas_to_file_under()[0]
    created = ystad_officer.post(
        "/behov/nytt",
        {
            "title": "Digital skolskjuts",
            "problem_statement": "Skolskjutsar planeras för hand.",
            "innovation_area_id": area["id"],
            "affected_end_users": "elever",
            "competences": "IT",
        },
    )
    need_path = created.headers["Location"]
    need_id = need_path.rsplit("/", 1)[-1]
    for version, quadrant in enumerate(("strength", "weakness", "opportunity", "threat"), 1):
        ystad_officer.post(
            f"{need_path}/swot", {"quadrant": quadrant, "text": quadrant, "version": version}
        )
    scores = {
        f"score_{n}": "4"
        for n in (
            "impact",
            "feasibility",
            "market_readiness",
            "cost_viability",
            "organisational_readiness",
        )
    }
    _decide(
        ystad_maker,
        f"/beslut/behov/{need_id}",
        "prioritise",
        {**scores, "decided_at": "2018-03-14", "decided_at_time": "10:00"},
        5,
    )
    _decide(
        ystad_maker,
        f"/beslut/behov/{need_id}",
        "decide_to_procure",
        {"decided_at": "2018-04-10", "decided_at_time": "10:00"},
        6,
    )
    assert "Anskaffningsbeslut fattat" in ystad_officer.text(need_path)

    # A joint procurement: Skurup invited, joins by its own decision.
    started = ystad_officer.post(
        "/upphandlingar/ny",
        {
            "need_ids": need_id,
            "title": "Skolskjuts som tjänst",
            "description": "Funktionsupphandling",
            "estimated_value_sek": "1500000.00",
            "case_number": "KS 2018/77",
        },
    )
    assert started.status_code == 302, _why(started)
    path = started.headers["Location"]
    procurement_id = path.rsplit("/", 1)[-1]
    invited = ystad_officer.post(
        f"{path}/deltagare", {"municipality": "skurup", "role": "participant", "version": 1}
    )
    assert invited.status_code == 302
    assert "Skolskjuts som tjänst" in skurup_maker.text("/beslut")  # an invitation waits
    _decide(
        skurup_maker,
        f"/beslut/upphandling/{procurement_id}",
        "join",
        {"decided_at": "2018-04-20", "decided_at_time": "10:00"},
        2,
    )

    decide = f"/beslut/upphandling/{procurement_id}"
    _decide(
        ystad_maker,
        decide,
        "screen",
        {
            "innovation": "yes",
            "innovation_kind": "functional_requirements",
            "decided_at": "2018-05-02",
            "decided_at_time": "09:00",
        },
        3,
    )
    _decide(
        ystad_maker,
        decide,
        "choose_procedure",
        {"procedure": "open", "decided_at": "2018-05-02", "decided_at_time": "10:00"},
        4,
    )
    _decide(
        ystad_maker,
        decide,
        "publish",
        {
            "notice_id": "2018-YST-7",
            "tender_deadline": "2018-10-15",
            "tender_deadline_time": "12:00",
            "decided_at": "2018-09-03",
            "decided_at_time": "10:00",
        },
        5,
    )
    bid = ystad_officer.post(
        f"{path}/anbud",
        {
            "tenderer_org_number": "556677-8899",
            "tenderer_name": "Skjuts AB",
            "received_at": "2018-10-10",
            "received_at_time": "13:00",
            "version": 6,
        },
    )
    assert bid.status_code == 302, _why(bid)
    assert "Skjuts AB" in ystad_officer.text(path)
    secret = skurup_officer.text(path)
    assert "Skjuts AB" not in secret and "absolut sekretess" in secret
    opened = ystad_officer.post(
        f"{path}/utvardering",
        {"opened_at": "2018-10-16", "opened_at_time": "09:00", "version": 7},
    )
    assert opened.status_code == 302, _why(opened)
    _decide(
        ystad_maker,
        decide,
        "award",
        {
            "supplier_1_org_number": "556677-8899",
            "supplier_1_name": "Skjuts AB",
            "evaluation_summary": "Bäst förhållande pris och kvalitet",
            "notification_sent_at": "2018-12-20",
            "notification_sent_at_time": "09:00",
            "sent_electronically": "on",
            "decided_at": "2018-12-20",
            "decided_at_time": "08:00",
        },
        8,
    )
    html = ystad_officer.text(path)
    assert "Avtalsspärrens sista dag" in html and "2019-01-02" in html and "2019-01-03" in html
    assert "Skjuts AB" in skurup_officer.text(path)  # disclosed with the award

    # Signing inside the standstill is refused next to the step, in Swedish.
    early = ystad_maker.post(
        decide,
        {
            "type": "sign_contract",
            "version": "9",
            "rationale": "x",
            "authority_kind": "delegation",
            "supplier_org_number": "556677-8899",
            "contract_value_sek": "1450000.00",
            "signed_on": "2019-01-02",
            "decided_at": "2019-01-02",
            "decided_at_time": "10:00",
            "action": "decide",
        },
    )
    assert early.status_code == 409
    assert "Avtalsspärren har inte löpt ut" in early.get_data(as_text=True)
    _decide(
        ystad_maker,
        decide,
        "sign_contract",
        {
            "supplier_org_number": "556677-8899",
            "contract_value_sek": "1450000.00",
            "signed_on": "2019-01-03",
            "decided_at": "2019-01-03",
            "decided_at_time": "10:00",
        },
        9,
    )
    milestone = ystad_officer.post(
        f"{path}/delmal", {"title": "Pilot i två skolor", "reached_on": "2019-03-01", "version": 10}
    )
    assert milestone.status_code == 302, _why(milestone)
    followed = ystad_officer.post(
        f"{path}/uppfoljning",
        {
            "need_id": need_id,
            "followed_up_on": "2019-09-02",
            "effect": "Färre missade skjutsar",
            "measurement": "Avvikelser per månad",
            "version": 11,
        },
    )
    assert followed.status_code == 302, _why(followed)
    html = ystad_officer.text(path)
    assert "Färre missade skjutsar" in html and "Avtal tecknat" in html


def test_procurement_facts_need_the_lead_s_officer(app: Flask, demo: DemoResult) -> None:
    floors = demo.procurements["floors"]  # Skurup leads
    ystad = signed_in(app, "ystad-officer")
    refused = ystad.post(
        f"/upphandlingar/{floors}/delmal", {"title": "x", "reached_on": "2019-05-01", "version": 1}
    )
    assert refused.status_code in (403, 404)
