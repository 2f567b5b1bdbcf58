"""The auditor's report over HTTP: the decisions of a period with their authority, each with its
ledger leaf and an inclusion proof against the signed tree head the report carries. The proofs
verify with the independent verifier (service/ledger/remote_verify.py), the leaves are the
decisions' own events, and the PDF and CSV carry the same leaves and root."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pypdf import PdfReader

from service.ledger.remote_verify import (
    inclusion_holds,
    leaf_hash_of,
    tree_head_bytes,
    verify_remote,
)
from tests.api.conftest import Client, World, assert_problem, board, decision

REPORT = "audit/reports/decisions"
PERIOD = {"from": "2018-01-01", "until": "2019-12-31"}


@pytest.fixture
def record(world: World) -> dict[str, Any]:
    """Ystad: a procurement from its need to a signed contract (2018-2019), a decision recorded
    as the board's; Skurup: a private procurement of its own."""
    ystad = world.tenant("ystad")
    skurup = world.tenant("skurup", area="Rena och torra golv")
    procurement = world.procurement(ystad, "contracted")
    need = world.need(ystad, "identified", title="Parkerat behov")
    ystad.officer.ok("POST", f"needs/{need}/decisions", 200,
                     json=board("park", "2019-02-04T18:00:00+01:00",
                                minutes_reference="KS 2019-02-04 § 12"))
    hidden = world.procurement(skurup, "screened", title="Skurups interna upphandling")
    return {"ystad": ystad, "skurup": skurup, "procurement": procurement, "need": need,
            "hidden": hidden}


def _report(client: Client, **query: Any) -> Any:
    return client.get(REPORT, query={**PERIOD, **query})


def _public_key(pem: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    assert isinstance(key, Ed25519PublicKey)
    return key


def test_every_decision_of_the_period_with_a_proof_that_verifies_independently(
    world: World, record: dict[str, Any]
) -> None:
    ystad = record["ystad"]
    body = ystad.auditor.read(REPORT, query=PERIOD)
    log = ystad.auditor.read("audit/decisions", query={
        "decided_from": "2018-01-01T00:00:00+01:00", "decided_until": "2020-01-01T00:00:00+01:00",
        "limit": 200})["items"]
    assert [d["position"] for d in body["decisions"]] == [d["position"] for d in log]
    assert {d["decision_type"] for d in body["decisions"]} >= {
        "prioritise", "decide_to_procure", "screen", "choose_procedure", "publish", "award",
        "sign_contract", "park"}
    parked = next(d for d in body["decisions"] if d["decision_type"] == "park")
    assert parked["authority"] == {"kind": "board", "body": "Kommunstyrelsen",
                                   "meeting_date": "2019-02-04",
                                   "minutes_reference": "KS 2019-02-04 § 12"}
    assert parked["authority_sv"] == (
        "Kommunstyrelsen, sammanträde 2019-02-04, KS 2019-02-04 § 12")
    award = next(d for d in body["decisions"] if d["decision_type"] == "award")
    assert award["authority"]["kind"] == "delegation" and award["authority"]["rule_id"]
    assert award["authority_sv"].startswith(f"Delegation: punkt {award['authority']['rule_id']}")

    # The signed tree head: its key is the ledger's, named by its SHA-256, and it signed the head.
    head = body["tree_head"]
    published = ystad.auditor.http.get("/api/v1/audit/ledger/public-key",
                                       headers=ystad.auditor.headers()).get_data(as_text=True)
    assert head["public_key_pem"] == published
    key = _public_key(head["public_key_pem"])
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    assert hashlib.sha256(der).hexdigest() == head["key_id"]
    key.verify(base64.b64decode(head["signature"]), tree_head_bytes(head))  # raises if not

    root = bytes.fromhex(head["root_hash"])
    for shown in body["decisions"]:
        path = [bytes.fromhex(node) for node in shown["inclusion_path"]]
        leaf = bytes.fromhex(shown["leaf_hash"])
        assert inclusion_holds(leaf, shown["leaf_index"], head["tree_size"], path, root)
        # The leaf is the decision's own event, recomputed from its stored bytes.
        page = ystad.auditor.read("audit/events",
                                  query={"after": shown["position"] - 1, "limit": 1})
        event = page["events"][0]
        assert event["position"] == shown["position"]
        assert event["leaf_index"] == shown["leaf_index"]
        assert leaf_hash_of(event["originator_id"], event["originator_version"], event["topic"],
                            base64.b64decode(event["state"])) == leaf
        # A proof for another leaf, or a changed leaf, does not verify.
        assert not inclusion_holds(hashlib.sha256(leaf).digest(), shown["leaf_index"],
                                   head["tree_size"], path, root)


def test_the_report_is_a_tree_head_the_independent_verifier_checks_later(
    world: World, record: dict[str, Any]
) -> None:
    """An auditor files the report; after the record grew, the verifier checks the service's
    whole log against the tree head in the filed report (the log only grew, nothing altered)."""
    ystad = record["ystad"]
    filed = ystad.auditor.read(REPORT, query=PERIOD)
    world.need(ystad, "prioritised", title="Ett senare behov")
    auditor = world.platform_auditor

    def fetch(path: str) -> bytes:
        answer = auditor.http.get(path, headers=auditor.headers())
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.get_data()

    checked = verify_remote(fetch, saved=filed)
    assert checked.ok, checked.problems
    assert checked.tree_size > filed["tree_head"]["tree_size"]
    forged = {**filed, "tree_head": {**filed["tree_head"], "root_hash": "00" * 32}}
    assert not verify_remote(fetch, saved=forged).ok


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_and_the_csv_carry_the_same_leaves_and_root(
    world: World, record: dict[str, Any]
) -> None:
    ystad = record["ystad"]
    pdf = _report(ystad.auditor, format="pdf")
    assert pdf.status_code == 200, pdf.get_data(as_text=True)
    assert pdf.mimetype == "application/pdf"
    # The JSON of the same moment: the tree head is the ledger's latest, which did not move.
    body = ystad.auditor.read(REPORT, query=PERIOD)
    text = _pdf_text(pdf.get_data())
    flat = re.sub(r"\s+", "", text)
    assert "Revisionsrapport" in text
    head = body["tree_head"]
    assert head["root_hash"] in flat
    assert head["signature"] in flat
    assert head["key_id"] in flat
    assert f"Signeratträdhuvud:storlek(antalhändelser){head['tree_size']}" in flat
    for shown in body["decisions"]:
        assert shown["leaf_hash"] in flat
        # In the table of proofs: leaf index, log position, version, then the leaf hash.
        assert (f"{shown['leaf_index']}{shown['position']}{shown['aggregate_version']}"
                f"{shown['leaf_hash']}") in flat
        for node in shown["inclusion_path"]:
            assert node in flat

    sheet = _report(ystad.auditor, format="csv")
    assert sheet.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(sheet.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    facts = {row[0]: row[1] for row in rows if len(row) == 2}
    assert facts["Signerat trädhuvud: rothash (SHA-256)"] == head["root_hash"]
    start = rows.index(["Inklusionsbevis mot det signerade trädhuvudet"])
    header = rows[start + 1]
    proofs = rows[start + 2:start + 2 + len(body["decisions"])]
    assert [int(r[header.index("Lövindex")]) for r in proofs] == [
        d["leaf_index"] for d in body["decisions"]]
    assert [r[header.index("Lövhash (SHA-256)")] for r in proofs] == [
        d["leaf_hash"] for d in body["decisions"]]


def test_auditors_only_each_of_their_own_municipality(world: World, record: dict[str, Any]) -> None:
    ystad, skurup = record["ystad"], record["skurup"]
    for role in ("officer", "decision_maker", "viewer", "tenant_admin"):
        for fmt in ("json", "pdf", "csv"):
            assert_problem(_report(ystad.clients[role], format=fmt), 403)
    assert_problem(_report(skurup.auditor, municipality="ystad"), 403)
    theirs = skurup.auditor.read(REPORT, query=PERIOD)
    assert theirs["scope"] == "skurup"
    objects = {d["aggregate_id"] for d in theirs["decisions"]}
    assert record["procurement"] not in objects and record["need"] not in objects
    assert record["hidden"] in objects
    for fmt in ("pdf", "csv"):
        assert b"Parkerat" not in _report(skurup.auditor, format=fmt).get_data()
    # A platform auditor reports on the network or on one municipality, as Ystad's auditor does.
    network = world.platform_auditor.read(REPORT, query=PERIOD)
    assert {d["tenant"] for d in network["decisions"]} >= {"ystad", "skurup"}
    one = world.platform_auditor.read(REPORT, query={**PERIOD, "municipality": "ystad"})
    own = ystad.auditor.read(REPORT, query=PERIOD)
    assert [d["position"] for d in one["decisions"]] == [d["position"] for d in own["decisions"]]
    assert_problem(_report(world.platform_auditor, municipality="nowhere"), 404)
    assert world.anonymous().get(REPORT, query=PERIOD).status_code == 401


def test_the_period_is_checked(world: World, record: dict[str, Any]) -> None:
    auditor = record["ystad"].auditor
    assert_problem(auditor.get(REPORT, query={"from": "2019-02-01"}), 422, field="until")
    assert_problem(auditor.get(REPORT, query={"from": "2019-02-01", "until": "2019-01-31"}),
                   422, field="until")
    assert_problem(auditor.get(REPORT, query={"from": "2019-02-30", "until": "2019-03-01"}),
                   422, field="from")
    # The whole calendar is a period (with today's grants of roles, which are decisions too);
    # one day with nothing in it is an empty report.
    everything = auditor.read(REPORT, query={"from": "0001-01-01", "until": "9999-12-31"})
    pilots = auditor.read(REPORT, query=PERIOD)["decisions"]
    later = [d for d in everything["decisions"] if d not in pilots]
    assert len(everything["decisions"]) == len(pilots) + len(later)
    assert later and {d["decision_type"] for d in later} == {"grant_role"}
    quiet = auditor.read(REPORT, query={"from": "2017-06-01", "until": "2017-06-01"})
    assert quiet["decisions"] == [] and quiet["tree_head"]["tree_size"] > 0
    # Valid time: a decision counts on its Stockholm calendar day.
    park_day = auditor.read(REPORT, query={"from": "2019-02-04", "until": "2019-02-04"})
    assert [d["decision_type"] for d in park_day["decisions"]] == ["park"]


def test_a_decision_by_a_participant_is_in_both_municipalities_reports(
    world: World, record: dict[str, Any]
) -> None:
    ystad, skurup = record["ystad"], record["skurup"]
    joint = world.procurement(ystad, "planning", title="Gemensam")
    ystad.officer.ok("POST", f"procurements/{joint}/participants", 200,
                     json={"municipality": "skurup", "role": "participant"})
    skurup.dm.ok("POST", f"procurements/{joint}/participation", 200,
                 json=decision("join", "2019-05-01T10:00:00+02:00"))
    for auditor in (ystad.auditor, skurup.auditor):
        joins = [d for d in auditor.read(REPORT, query=PERIOD)["decisions"]
                 if d["decision_type"] == "join"]
        assert [(d["municipality"], d["aggregate_id"]) for d in joins] == [("skurup", joint)]
