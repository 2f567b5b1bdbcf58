"""Reviews (överprövning) through the pages: filed during the standstill with the court's case
number, an interim order and its lifting, the ruling and the extended standstill it starts
(shown on the timeline and in what is allowed today, and refused in Swedish before it ends),
an appeal and its ruling; then an early termination with its reason."""

from __future__ import annotations

import re

from flask import Flask

from service.demo.scenario import DemoResult
from tests.web.visitor import Visitor, signed_in

SCORES = {
    f"score_{name}": "4"
    for name in (
        "impact",
        "feasibility",
        "market_readiness",
        "cost_viability",
        "organisational_readiness",
    )
}


def _why(response: object) -> str:
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    found = re.search(r'id="refusal">(.*?)</div>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))) if found else html[-1500:]


def _version(visitor: Visitor, path: str) -> int:
    found = re.search(r'name="version" value="(\d+)"', visitor.text(path))
    assert found
    return int(found.group(1))


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _decide(maker: Visitor, path: str, kind: str, on: str, **fields: str) -> None:
    response = maker.post(
        path,
        {
            "type": kind,
            "version": str(_version(maker, f"{path}?type={kind}")),
            "rationale": f"Motivering: {kind}",
            "authority_kind": "delegation",
            "decided_at": on,
            "decided_at_time": "10:00",
            "action": "decide",
            **fields,
        },
    )
    assert response.status_code == 302, _why(response)


def _record(officer: Visitor, path: str, step: str, **fields: str) -> None:
    response = officer.post(f"{path}/{step}", {"version": str(_version(officer, path)), **fields})
    assert response.status_code == 302, (step, _why(response))


def _awarded(app: Flask, officer: Visitor, maker: Visitor) -> str:
    """A procurement of Ystad's, published and awarded on 2018-12-20 (notice sent
    electronically: the standstill's last day is 2019-01-02)."""
    with app.app_context():
        areas = app.extensions["innoledger"].innoledger.require_registered("ystad")
        area = areas.areas_to_file_under()[0]["id"]
    created = officer.post(
        "/behov/nytt",
        {
            "title": "Snöröjning med sensorer",
            "problem_statement": "Snöröjningen vet inte var det är halt.",
            "innovation_area_id": area,
            "affected_end_users": "gående",
            "competences": "gata",
        },
    )
    need_path = created.headers["Location"]
    need_id = need_path.rsplit("/", 1)[-1]
    for quadrant in ("strength", "weakness", "opportunity", "threat"):
        _record(officer, need_path, "swot", quadrant=quadrant, text=quadrant)
    _decide(maker, f"/beslut/behov/{need_id}", "prioritise", "2018-03-14", **SCORES)
    _decide(maker, f"/beslut/behov/{need_id}", "decide_to_procure", "2018-04-10")
    started = officer.post(
        "/upphandlingar/ny",
        {
            "need_ids": need_id,
            "title": "Halkbekämpning som tjänst",
            "description": "Funktionsupphandling",
            "estimated_value_sek": "1500000.00",
        },
    )
    assert started.status_code == 302, _why(started)
    path = started.headers["Location"]
    decide = path.replace("/upphandlingar/", "/beslut/upphandling/")
    _decide(
        maker,
        decide,
        "screen",
        "2018-05-02",
        innovation="yes",
        innovation_kind="functional_requirements",
    )
    _decide(maker, decide, "choose_procedure", "2018-05-02", procedure="open")
    _decide(
        maker,
        decide,
        "publish",
        "2018-09-03",
        notice_id="2018-YST-9",
        tender_deadline="2018-10-15",
        tender_deadline_time="12:00",
    )
    _record(
        officer,
        path,
        "anbud",
        tenderer_org_number="556677-8899",
        tenderer_name="Halk AB",
        received_at="2018-10-10",
        received_at_time="13:00",
    )
    _record(officer, path, "utvardering", opened_at="2018-10-16", opened_at_time="09:00")
    _decide(
        maker,
        decide,
        "award",
        "2018-12-20",
        supplier_1_org_number="556677-8899",
        supplier_1_name="Halk AB",
        evaluation_summary="Bäst",
        sent_electronically="on",
        notification_sent_at="2018-12-20",
        notification_sent_at_time="11:00",
    )
    return path


def _review_id(html: str) -> str:
    found = re.search(r'name="review_id" value="([0-9a-f-]{36})"', html)
    assert found, "no review form on the page"
    return found.group(1)


def test_a_review_through_the_courts_and_the_extended_standstill(
    app: Flask, demo: DemoResult
) -> None:
    officer = signed_in(app, "ystad-officer")
    maker = signed_in(app, "ystad-decision-maker")
    path = _awarded(app, officer, maker)
    decide = path.replace("/upphandlingar/", "/beslut/upphandling/")

    _record(
        officer,
        path,
        "overprovning",
        filed_on="2018-12-28",
        court="Förvaltningsrätten i Malmö",
        applicant="Konkurrent AB",
        reference="Mål nr 1234-18",
    )
    html = _plain(officer.text(path))
    assert "Mål Mål nr 1234-18 vid Förvaltningsrätten i Malmö" in html
    assert "Överprövningen Mål nr 1234-18 vid Förvaltningsrätten i Malmö pågår" in html
    review_id = _review_id(officer.text(path))

    _record(
        officer,
        path,
        "overprovning-interimistiskt-beslut",
        review_id=review_id,
        ordered_on="2018-12-29",
    )
    html = _plain(officer.text(path))
    assert "Ett interimistiskt beslut av Förvaltningsrätten i Malmö den 2018-12-29" in html
    # A second order while one is in force: refused next to the review, in Swedish.
    refused = officer.post(
        f"{path}/overprovning-interimistiskt-beslut",
        {
            "version": str(_version(officer, path)),
            "review_id": review_id,
            "ordered_on": "2019-01-02",
        },
    )
    assert refused.status_code == 409
    assert "Interimistiskt beslut: Domstolen har beslutat" in _plain(refused.get_data(as_text=True))
    _record(
        officer,
        path,
        "overprovning-interimistiskt-beslut-upphavt",
        review_id=review_id,
        lifted_on="2019-01-08",
    )
    _record(
        officer,
        path,
        "overprovning-avgjord",
        review_id=review_id,
        ruled_on="2019-01-10",
        outcome="dismissed",
        summary="Ansökan avslås.",
    )

    # Dismissed, filed during the standstill: ten days from the ruling (2019-01-20 is a
    # Sunday, so the last day is Monday 2019-01-21; signing from 2019-01-22).
    html = _plain(officer.text(path))
    assert "Den förlängda avtalsspärrens sista dag" in html
    assert (
        "Förlängd avtalsspärr till och med 2019-01-21; avtal får ingås från och med 2019-01-22"
        in html
    )
    assert "Förlängd avtalsspärr (LOU 20 kap. 10 §): sista dagen är 2019-01-21" in html
    early = maker.post(
        decide,
        {
            "type": "sign_contract",
            "version": str(_version(maker, decide)),
            "rationale": "x",
            "authority_kind": "delegation",
            "supplier_org_number": "556677-8899",
            "contract_value_sek": "1450000.00",
            "signed_on": "2019-01-21",
            "decided_at": "2019-01-21",
            "decided_at_time": "10:00",
            "action": "decide",
        },
    )
    assert early.status_code == 409
    assert "Förlängd avtalsspärr: En ansökan om överprövning" in _plain(
        early.get_data(as_text=True)
    )

    _record(
        officer,
        path,
        "overprovning-overklagad",
        review_id=review_id,
        appealed_on="2019-01-15",
        court="Kammarrätten i Göteborg",
        appellant="Konkurrent AB",
        reference="Mål nr 99-19",
    )
    _record(
        officer,
        path,
        "overprovning-kammarratt-dom",
        review_id=review_id,
        ruled_on="2019-03-01",
        outcome="dismissed",
        summary="Överklagandet avslås.",
    )
    html = _plain(officer.text(path))
    assert (
        "Avgörandet överklagat till Kammarrätten i Göteborg av Konkurrent AB, mål Mål nr 99-19"
        in html
    )
    assert "Överklagandet avgjort av Kammarrätten i Göteborg: avslagen" in html
    # Nothing more to record on a case that is finished.
    assert 'name="review_id"' not in officer.text(path)

    _decide(
        maker,
        decide,
        "sign_contract",
        "2019-03-04",
        supplier_org_number="556677-8899",
        contract_value_sek="1450000.00",
        signed_on="2019-03-04",
    )
    _record(officer, path, "delmal", title="Sensorer på plats", reached_on="2019-04-01")

    # Early termination: the reason is part of the form and of the page afterwards.
    form = _plain(maker.text(f"{decide}?type=terminate_early"))
    assert "Varför avtalet upphör i förtid" in form and "Leverantörens obestånd" in form
    _decide(maker, decide, "terminate_early", "2019-05-02", reason="supplier_insolvency")
    html = _plain(officer.text(path))
    assert "Avslutad i förtid Leverantörens obestånd" in html
    assert "Avsluta avtalet i förtid (uppsägning eller hävning) (Leverantörens obestånd)" in html
