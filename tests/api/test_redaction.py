"""One redaction policy for every read: a past state, a history, the audit event stream and the
decision log never show a caller more of an object than its current state shows them.

Each test reads the same object through every path a caller has, and checks that what the
current state withholds from them (a `None` in its representation, a private marker string) is
withheld on every other path too.
"""

from __future__ import annotations

import json
from typing import Any

import jsonpatch
import pytest

from tests.api.conftest import (
    AWARD_AT,
    BID_AT,
    EVALUATION_AT,
    NOTIFIED_AT,
    PRIORITISED_AT,
    PROCEDURE_AT,
    PUBLISH_AT,
    SCREEN_AT,
    SUPPLIER_A,
    SUPPLIER_B,
    TENDER_DEADLINE,
    Client,
    Tenant,
    World,
    decision,
)

YSTAD_PEOPLE = ("ystad-admin", "ystad-officer", "ystad-dm", "ystad-viewer", "ystad-auditor")
APPLICANT = "Klagande Leverantör AB"
HISTORY_ROLES = ("tenant_admin", "officer", "decision_maker", "auditor")


def _text(client: Client, path: str, **query: Any) -> tuple[int, str]:
    response = client.get(path, query=query or None)
    return response.status_code, response.get_data(as_text=True)


def _replayed(history: dict[str, Any]) -> dict[str, Any]:
    """The state the history's JSON Patches add up to."""
    state: dict[str, Any] = {}
    for entry in history["entries"]:
        state = jsonpatch.apply_patch(state, entry["changes"])
    return state


def _withheld_paths(body: Any, prefix: str = "") -> list[str]:
    """JSON Pointer paths of every value a representation withholds (shows as None)."""
    found: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            path = f"{prefix}/{key}"
            found += [path] if value is None else _withheld_paths(value, path)
    elif isinstance(body, list):
        for index, value in enumerate(body):
            found += _withheld_paths(value, f"{prefix}/{index}")
    return found


def _at(body: Any, pointer: str) -> Any:
    try:
        return jsonpatch.JsonPointer(pointer).resolve(body)
    except (jsonpatch.JsonPointerException, KeyError, IndexError, TypeError):
        return None


def _assert_every_path_withholds(
    client: Client, path: str, withheld: list[str], markers: tuple[str, ...]
) -> None:
    """What the current state withholds from `client` is withheld in every past state and in
    the history; the private `markers` appear in no answer."""
    current = client.read(path)
    for pointer in withheld:
        assert _at(current, pointer) is None, (client, pointer)
    answers = [json.dumps(current, ensure_ascii=False)]
    history = client.read(f"{path}/history", query={"limit": 200})
    answers.append(json.dumps(history, ensure_ascii=False))
    replayed = _replayed(history)
    for pointer in withheld:
        assert _at(replayed, pointer) is None, (client, "history", pointer)
    for version in range(1, current["version"] + 1):
        past = client.read(path, query={"version": version})
        answers.append(json.dumps(past, ensure_ascii=False))
        for pointer in withheld:
            assert _at(past, pointer) is None, (client, version, pointer)
    moment = client.read(path, query={"as_of": current["modified_on"]})
    answers.append(json.dumps(moment, ensure_ascii=False))
    for marker in markers:
        for answer in answers:
            assert marker not in answer, (client, marker)


def test_another_municipalitys_members_are_withheld_on_every_path(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    """The reported hole: Ystad's history showed Skurup its role grants (user ids, roles).
    Its own decisions name who decided too (an innovation target adopted by its decision
    maker): withheld with the members, in the history's decision records and patches alike."""
    ystad.dm.ok(
        "POST",
        "municipalities/ystad/innovation-targets",
        201,
        json=decision("adopt_innovation_target", PRIORITISED_AT, year=2019, target_percent="25"),
    )
    path = ystad.path
    for role in HISTORY_ROLES:
        client = skurup.clients[role]
        current = client.read(path)
        assert current["members"] is None
        _assert_every_path_withholds(client, path, ["/members"], YSTAD_PEOPLE)
    # The viewer reads the current state only, and it withholds the members too.
    status, text = _text(skurup.viewer, path)
    assert status == 200 and not any(person in text for person in YSTAD_PEOPLE)
    # Ystad's own auditor and the platform auditor see the members on every path.
    for client in (ystad.auditor, world.platform_auditor):
        history = client.read(f"{path}/history", query={"limit": 200})
        assert _replayed(history)["members"] == client.read(path)["members"]
        assert "ystad-officer" in json.dumps(history, ensure_ascii=False)


def test_withheld_role_grants_keep_their_place_in_the_history(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    history = skurup.auditor.read(f"{ystad.path}/history", query={"limit": 200})
    own = ystad.auditor.read(f"{ystad.path}/history", query={"limit": 200})
    assert [e["version"] for e in history["entries"]] == [e["version"] for e in own["entries"]]
    grants = [e for e in history["entries"] if e["type"] == "RoleGranted"]
    assert grants and all(e["redacted"] for e in grants)
    assert all(e["actor"]["user_id"] is None for e in history["entries"])
    assert all(e["actor"]["municipality"] in ("ystad", None) for e in history["entries"])


def test_a_member_without_roles_is_shown_no_members(world: World, ystad: Tenant) -> None:
    ystad.admin.ok("DELETE", "municipalities/ystad/members/ystad-viewer/roles/viewer", 200)
    response = ystad.viewer.get(ystad.path)
    if response.status_code == 200:
        assert response.get_json()["members"] is None
        assert "ystad-officer" not in response.get_data(as_text=True)


def _evaluation_with_review(world: World, ystad: Tenant, participant: Tenant) -> str:
    """A published Ystad procurement with two bids and a review filed before the award,
    `participant` invited to take part."""
    need_id = world.need(ystad, "procurement_decided")
    procurement_id = world.procurement(ystad, "planning", need_ids=[need_id])
    base = f"procurements/{procurement_id}"
    ystad.officer.ok(
        "POST",
        f"{base}/participants",
        (200, 201),
        json={"municipality": participant.slug, "role": "participant"},
    )
    for body in (
        decision("screen", SCREEN_AT, innovation=True, kind="functional_requirements"),
        decision("choose_procedure", PROCEDURE_AT, procedure="open"),
        decision("publish", PUBLISH_AT, notice_id="TED-2018/S-1", tender_deadline=TENDER_DEADLINE),
    ):
        ystad.dm.ok("POST", f"{base}/decisions", 200, json=body)
    for bidder in (SUPPLIER_A, SUPPLIER_B):
        ystad.officer.ok(
            "POST",
            f"{base}/bids",
            201,
            json={
                "tenderer_org_number": bidder["org_number"],
                "tenderer_name": bidder["name"],
                "received_at": BID_AT,
            },
        )
    ystad.officer.ok(
        "POST",
        f"{base}/reviews",
        201,
        json={
            "filed_on": "2018-10-12",
            "court": "Förvaltningsrätten i Malmö",
            "applicant": APPLICANT,
            "reference": "Mål nr 4711-18",
        },
    )
    return procurement_id


def test_bids_and_review_applicants_are_withheld_on_every_path_before_the_award(
    world: World, ystad: Tenant, skurup: Tenant, trelleborg: Tenant
) -> None:
    procurement_id = _evaluation_with_review(world, ystad, trelleborg)
    path = f"procurements/{procurement_id}"
    secrets = (SUPPLIER_A["name"], SUPPLIER_B["name"], SUPPLIER_A["org_number"], APPLICANT)
    outsiders = (
        [skurup.clients[r] for r in HISTORY_ROLES]
        + [trelleborg.clients[r] for r in HISTORY_ROLES]
        + [ystad.admin]
    )
    for client in outsiders:
        current = client.read(path)
        assert current["bids"] is None and current["bid_count"] is None, client
        assert current["reviews"][0]["applicant"] is None, client
        _assert_every_path_withholds(client, path, _withheld_paths(current), secrets)
    for client in (ystad.officer, ystad.dm, ystad.auditor, world.platform_auditor):
        current = client.read(path)
        assert current["bid_count"] == 2 and current["reviews"][0]["applicant"] == APPLICANT
        history = client.read(f"{path}/history", query={"limit": 200})
        text = json.dumps(history, ensure_ascii=False)
        assert APPLICANT in text and SUPPLIER_B["name"] in text


def test_after_the_award_every_path_shows_what_the_current_state_shows(
    world: World, ystad: Tenant, skurup: Tenant, trelleborg: Tenant
) -> None:
    procurement_id = _evaluation_with_review(world, ystad, trelleborg)
    path = f"procurements/{procurement_id}"
    ystad.officer.ok("POST", f"{path}/evaluation", 201, json={"at": EVALUATION_AT})
    ystad.dm.ok(
        "POST",
        f"{path}/decisions",
        200,
        json=decision(
            "award",
            AWARD_AT,
            suppliers=[SUPPLIER_A],
            evaluation_summary="Bäst",
            notification_sent_at=NOTIFIED_AT,
            sent_electronically=True,
        ),
    )
    for client in (skurup.auditor, trelleborg.officer):
        current = client.read(path)
        assert current["bid_count"] == 2 and current["reviews"][0]["applicant"] == APPLICANT
        history = client.read(f"{path}/history", query={"limit": 200})
        replayed = _replayed(history)
        assert [b["tenderer_name"] for b in replayed["bids"]] == [
            b["tenderer_name"] for b in current["bids"]
        ]
        before_award = client.read(path, query={"version": current["version"] - 1})
        assert before_award["bids"] == current["bids"]


def test_differently_redacted_answers_have_different_etags(
    world: World, ystad: Tenant, trelleborg: Tenant
) -> None:
    procurement_id = _evaluation_with_review(world, ystad, trelleborg)
    path = f"procurements/{procurement_id}"
    lead = ystad.officer.get(path)
    participant = trelleborg.officer.get(path)
    assert lead.get_json()["version"] == participant.get_json()["version"]
    assert lead.headers["ETag"] != participant.headers["ETag"]
    version = lead.get_json()["version"]
    assert (
        ystad.auditor.get(path, query={"version": version}).headers["ETag"]
        != (trelleborg.auditor.get(path, query={"version": version}).headers["ETag"])
    )
    # Either ETag names the version for If-Match: the participant decides with its own.
    trelleborg.dm.ok(
        "POST",
        f"{path}/participation",
        200,
        json={
            "type": "join",
            "rationale": "Vi deltar",
            "authority": {"kind": "delegation"},
            "decided_at": AWARD_AT,
        },
        if_match=participant.headers["ETag"],
    )


@pytest.mark.parametrize("caller", ["skurup_auditor", "platform_auditor"])
def test_the_event_stream_and_decision_log_follow_the_same_policy(
    world: World, ystad: Tenant, skurup: Tenant, caller: str
) -> None:
    """Skurup decides its participation in Ystad's procurement: its auditor reads that event
    and decision, shown as the procurement is shown to Skurup (no bids before the award)."""
    procurement_id = _evaluation_with_review(world, ystad, skurup)
    path = f"procurements/{procurement_id}"
    joined = skurup.dm.ok(
        "POST",
        f"{path}/participation",
        200,
        json={
            "type": "join",
            "rationale": "Vi deltar",
            "authority": {"kind": "delegation"},
            "decided_at": AWARD_AT,
        },
    )
    client = skurup.auditor if caller == "skurup_auditor" else world.platform_auditor
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = client.read("audit/events", query={"after": after, "limit": 500})
        events += page["events"]
        if not page["more"]:
            break
        after = page["next_after"]
    text = json.dumps(events, ensure_ascii=False)
    mine = [e for e in events if e["originator_id"] == procurement_id]
    assert any(e["type"] == "ParticipationDecided" for e in mine)
    decisions = client.read(
        "audit/decisions", query={"aggregate_id": procurement_id, "position": joined["position"]}
    )
    assert any(d["decision_type"] == "join" for d in decisions["items"])
    if caller == "skurup_auditor":
        for secret in (SUPPLIER_A["name"], APPLICANT, *YSTAD_PEOPLE[1:]):
            assert secret not in text
        assert not any(e["originator_id"] == ystad.path for e in events)
    else:
        assert SUPPLIER_A["name"] in text and APPLICANT in text
