"""The auditor's pages through the test client: the decision log and its filters, histories as
differences, objects as of a date, the ledger's data for verifying in the browser, and who may
see them. (The browser's own verification runs in tests/browser.)"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask import Flask

from service.demo.scenario import DemoResult
from tests.web.visitor import signed_in


def test_decision_log_lists_and_filters_decisions(app: Flask) -> None:
    auditor = signed_in(app, "skurup-auditor")
    html = auditor.text("/revision/beslutslogg")
    assert "Tilldelningsbeslut" in html and "Anskaffningsbeslut" in html
    only_awards = auditor.text("/revision/beslutslogg?type=award")
    assert "Tilldelningsbeslut" in only_awards and "Anskaffningsbeslut</td>" not in only_awards
    nothing = auditor.text("/revision/beslutslogg?from=2030-01-01")
    assert "Inga beslut matchar" in nothing


def test_decision_log_and_ledger_are_for_auditors(app: Flask) -> None:
    officer = signed_in(app, "skurup-officer")
    assert officer.get("/revision/beslutslogg").status_code == 403
    assert officer.get("/revision/liggare").status_code == 403
    assert "Beslutslogg" not in officer.text("/behov")  # not in the menu either


def test_history_shows_each_version_as_differences(app: Flask, demo: DemoResult) -> None:
    auditor = signed_in(app, "ystad-auditor")
    need_id = demo.needs["Lärprocess för AI"]
    html = _plain(auditor.text(f"/revision/need/{need_id}/historik"))
    assert "Version 1: Behov identifierat" in html and "SWOT-punkt tillagd" in html
    # Each change in words: the field by its name, what it held and what it holds now.
    assert "Läge: ändrad från Identifierade till Prioriterade" in html
    assert "SWOT › 1: tillagt quadrant: strength; text: Engagerade medarbetare" in html
    assert "Prioritera: " in html  # the decision the version records, with its authority
    assert "Delegationspunkt" in html


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" :", ":")


def test_history_of_another_municipality_s_private_object_is_not_found(
    app: Flask, demo: DemoResult
) -> None:
    skurup = signed_in(app, "skurup-officer")
    created = skurup.post(
        "/behov/nytt",
        {
            "title": "Hemligt",
            "problem_statement": "Privat",
            "innovation_area_id": _area(app, "skurup"),
        },
    )
    need_id = created.headers["Location"].rsplit("/", 1)[-1]
    auditor = signed_in(app, "ystad-auditor")
    assert auditor.get(f"/revision/need/{need_id}/historik").status_code == 404
    assert auditor.get(f"/revision/need/{need_id}/per-datum?date=2030-01-01").status_code == 404


def _area(app: Flask, slug: str) -> str:
    with app.app_context():
        muni = app.extensions["innoledger"].innoledger.require_registered(slug)
        return str(muni.areas_to_file_under()[0]["id"])


def test_an_object_as_it_was_on_a_date(app: Flask, demo: DemoResult) -> None:
    auditor = signed_in(app, "ystad-auditor")
    need_id = demo.needs["Lärprocess för AI"]
    today = auditor.text(f"/revision/need/{need_id}/per-datum?date=2099-01-01")
    assert "in_procurement" in today or "realised" in today
    before = auditor.get(f"/revision/need/{need_id}/per-datum?date=2000-01-01")
    assert before.status_code == 404
    assert "Objektet fanns inte ännu vid den tidpunkten" in before.get_data(as_text=True)


def test_the_ledger_page_carries_what_a_browser_needs_to_verify(app: Flask) -> None:
    """The data the page hands the browser is exactly what proves the decisions: checked here
    with Python's own primitives, the same recipe the page's script follows."""
    html = signed_in(app, "skurup-auditor").text("/revision/liggare?type=sign_contract")
    head = dict(re.findall(r'data-(tree-size|root-hash|timestamp-ms|signature)="([^"]+)"', html))
    pem = re.search(r'data-public-key="([^"]+)"', html, re.S).group(1)  # type: ignore[union-attr]
    signed = (
        int(head["timestamp-ms"]).to_bytes(8, "big")
        + int(head["tree-size"]).to_bytes(8, "big")
        + b"\x20"
        + bytes.fromhex(head["root-hash"])
        + b"\x00\x00"
    )
    load_pem_public_key(pem.encode()).verify(base64.b64decode(head["signature"]), signed)  # type: ignore[union-attr]
    rows = re.findall(r'<tr class="ledger-check"(.*?)>', html, re.S)
    assert rows
    for row in rows:
        data = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', row))
        topic = data["topic"].encode()
        state = base64.b64decode(data["state"])
        entry = (
            b"innoledger-event-v1"
            + uuid.UUID(data["originator-id"]).bytes
            + int(data["originator-version"]).to_bytes(8, "big")
            + len(topic).to_bytes(2, "big")
            + topic
            + len(state).to_bytes(4, "big")
            + state
        )
        assert hashlib.sha256(b"\x00" + entry).hexdigest() == data["leaf-hash"]
        assert "ContractSigned" in data["topic"]
