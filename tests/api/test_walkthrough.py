"""The seed's work model end to end over HTTP, on SQLite and on PostgreSQL.

1. Skurup's "Rena och torra golv i förskolan": needs identification (workshop, SWOT, shared with
   the network), prioritised, anskaffningsbeslut, procurement screened for innovation, open
   procedure, published, bids, evaluation, award notified electronically on Thu 2018-12-20,
   signing refused on Wed 2019-01-02 (the avtalsspärr's last day) and accepted on Thu
   2019-01-03, milestone, follow-up, lesson, closed; the need is realised.
2. The AI learning-process pilot (lärprocess för AI) led by Ystad, with Staffanstorp, Kävlinge and
   Burlöv participating and Trelleborg co-leading, each joining by its own decision.

At the end the state of every aggregate is checked, as each municipality sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from service.settings import Settings
from tests.api.conftest import (
    AWARD_AT,
    BID_AT,
    CLOSE_AT,
    EVALUATION_AT,
    FOLLOW_UP_ON,
    MILESTONE_ON,
    NOTIFIED_AT,
    PRIORITISED_AT,
    PROCEDURE_AT,
    PROCURE_AT,
    PUBLISH_AT,
    REALISED_AT,
    SCREEN_AT,
    SIGN_AT,
    SIGN_ON,
    STANDSTILL_LAST_DAY,
    SUPPLIER_A,
    SUPPLIER_B,
    TENDER_DEADLINE,
    Tenant,
    World,
    assert_problem,
    board,
    decision,
    full_delegation,
    rule,
)

PILOT = ("trelleborg", "staffanstorp", "kavlinge", "burlov")


def skurup_order() -> list[dict[str, Any]]:
    """Skurup's delegationsordning: the decision maker decides up to 2 MSEK; the procurement
    officer screens (every procurement is screened as part of ordinary purchasing)."""
    rules = [
        r for r in full_delegation(max_value_sek="2000000.00") if r["decision_type"] != "screen"
    ]
    rules.append(rule("UPH-1", "screen", "officer"))
    return rules


def floors(world: World, skurup: Tenant) -> tuple[str, str]:
    """Skurup's floors pilot from needs identification to a closed procurement."""
    officer, dm = skurup.officer, skurup.dm
    need_id = officer.ok(
        "POST",
        "needs",
        201,
        json={
            "title": "Rena och torra golv i förskolan",
            "problem_statement": "Barn leker och kryper på golv som blir blöta och smutsiga när "
            "det regnar och snöar; pedagogerna torkar i stället för att "
            "arbeta med barnen.",
            "innovation_area_id": skurup.area_id,
            "affected_end_users": ["förskolebarn", "pedagoger", "lokalvårdare"],
            "competences": ["förskola", "lokalvård", "fastighet", "upphandling"],
        },
    )["id"]
    need = f"needs/{need_id}"
    officer.ok(
        "POST",
        f"{need}/workshops",
        201,
        json={
            "held_on": "2018-02-20",
            "competences_present": ["förskola", "lokalvård", "fastighet"],
            "participant_count": 11,
            "notes": "Tvärfunktionell workshop, Skurups kommunhus",
        },
    )
    for quadrant, text in (
        ("strength", "Engagerad förskolepersonal"),
        ("weakness", "Gamla entréer utan skrapgaller"),
        ("opportunity", "Leverantörer utvecklar nya mattmaterial"),
        ("threat", "Halkrisk och ökad sjukfrånvaro"),
    ):
        officer.ok("POST", f"{need}/swot", 201, json={"quadrant": quadrant, "text": text})
    officer.ok("POST", f"{need}/share", 200)
    dm.ok(
        "POST",
        f"{need}/decisions",
        200,
        json=decision(
            "prioritise",
            PRIORITISED_AT,
            rationale="Stor nytta för barnen, marknaden mogen",
            scores={
                "impact": 5,
                "feasibility": 4,
                "market_readiness": 4,
                "cost_viability": 3,
                "organisational_readiness": 4,
            },
        ),
    )
    dm.ok(
        "POST",
        f"{need}/decisions",
        200,
        json=decision(
            "decide_to_procure", PROCURE_AT, rationale="Anskaffningsbeslut: innovationsupphandling"
        ),
    )

    procurement_id = officer.ok(
        "POST",
        "procurements",
        201,
        json={
            "title": "Rena och torra golv i förskolan",
            "description": "Funktionsupphandling: golven i förskolans entréer ska hållas torra "
            "och rena året runt.",
            "estimated_value_sek": "1500000.00",
            "need_ids": [need_id],
            "case_number": "KS 2018/77",
            "cpv_code": "39713000-7",
        },
    )["id"]
    base = f"procurements/{procurement_id}"
    decide = f"{base}/decisions"
    officer.ok(
        "POST",
        f"{base}/market-dialogue",
        201,
        json={
            "kind": "rfi",
            "held_on": "2018-04-25",
            "supplier_count": 9,
            "summary": "RFI till golv- och mattleverantörer",
        },
    )
    officer.ok(
        "POST",
        decide,
        200,
        json=decision(
            "screen",
            SCREEN_AT,
            innovation=True,
            kind="functional_requirements",
            rationale="Funktionskrav öppnar för nya lösningar",
        ),
    )
    dm.ok("POST", decide, 200, json=decision("choose_procedure", PROCEDURE_AT, procedure="open"))
    dm.ok(
        "POST",
        decide,
        200,
        json=decision(
            "publish", PUBLISH_AT, notice_id="Opic-2018-0912", tender_deadline=TENDER_DEADLINE
        ),
    )
    for supplier in (SUPPLIER_B, SUPPLIER_A):
        officer.ok(
            "POST",
            f"{base}/bids",
            201,
            json={
                "tenderer_org_number": supplier["org_number"],
                "tenderer_name": supplier["name"],
                "received_at": BID_AT,
            },
        )
    officer.ok("POST", f"{base}/evaluation", 201, json={"at": EVALUATION_AT})
    dm.ok(
        "POST",
        decide,
        200,
        json=decision(
            "award",
            AWARD_AT,
            suppliers=[SUPPLIER_B],
            evaluation_summary="Torra Golv i Skåne AB uppfyller alla funktionskrav till lägst "
            "livscykelkostnad",
            notification_sent_at=NOTIFIED_AT,
            sent_electronically=True,
        ),
    )

    sign = decision(
        "sign_contract",
        SIGN_AT,
        supplier_org_number=SUPPLIER_B["org_number"],
        contract_value_sek="1420000.00",
        signed_on=STANDSTILL_LAST_DAY,
    )
    refused = dm.post(decide, json=sign)
    body = assert_problem(refused, 409, rule="standstill")
    assert STANDSTILL_LAST_DAY in body["detail"] and SIGN_ON in body["detail"]
    dm.ok("POST", decide, 200, json={**sign, "signed_on": SIGN_ON})

    officer.ok(
        "POST",
        f"{base}/milestones",
        201,
        json={
            "title": "Nya entrémattor i fem förskolor",
            "reached_on": MILESTONE_ON,
            "note": "Installation klar före vårterminen",
        },
    )
    officer.ok(
        "POST",
        f"{base}/follow-ups",
        201,
        json={
            "need_id": need_id,
            "followed_up_on": FOLLOW_UP_ON,
            "effect": "Golven hålls torra; pedagogerna torkar inte längre under dagen",
            "measurement": "Blöta golv vid 3 av 40 inspektioner (före: 31 av 40)",
        },
    )
    officer.ok(
        "POST",
        f"{base}/lessons",
        201,
        json={
            "text": "Lägg tid på behovsidentifieringen och samla flera kompetenser",
            "shareable": True,
        },
    )
    dm.ok(
        "POST",
        decide,
        200,
        json=decision(
            "close", CLOSE_AT, outcome="completed", rationale="Avtalet levererar effekten"
        ),
    )
    dm.ok(
        "POST",
        f"{need}/decisions",
        200,
        json=decision(
            "mark_realised", REALISED_AT, rationale="Behovet är mött enligt uppföljningen"
        ),
    )
    return need_id, procurement_id


def ai_pilot(world: World, ystad: Tenant, pilot: dict[str, Tenant]) -> tuple[str, str]:
    """Ystad's AI learning-process pilot with its four partner municipalities."""
    officer, dm = ystad.officer, ystad.dm
    need_id = officer.ok(
        "POST",
        "needs",
        201,
        json={
            "title": "Lärprocess för artificiell intelligens",
            "problem_statement": "Kommunerna saknar en lärprocess för att använda AI för att "
            "underlätta digitalisering.",
            "innovation_area_id": ystad.area_id,
            "affected_end_users": ["medarbetare", "invånare"],
            "competences": ["digitalisering", "HR", "upphandling"],
        },
    )["id"]
    need = f"needs/{need_id}"
    for quadrant, text in (
        ("strength", "Fem kommuner delar behovet"),
        ("weakness", "Begränsade resurser i små kommuner"),
        ("opportunity", "Snabb utveckling inom AI"),
        ("threat", "Leverantörsinlåsning"),
    ):
        officer.ok("POST", f"{need}/swot", 201, json={"quadrant": quadrant, "text": text})
    officer.ok("POST", f"{need}/share", 200)
    # Network building: Trelleborg co-owns the need and adds to the analysis.
    pilot["trelleborg"].officer.ok("POST", f"{need}/co-owners", 200)
    pilot["trelleborg"].officer.ok(
        "POST",
        f"{need}/swot",
        201,
        json={"quadrant": "opportunity", "text": "Trelleborg har en pågående AI-förstudie"},
    )
    dm.ok(
        "POST",
        f"{need}/decisions",
        200,
        json=decision(
            "prioritise",
            PRIORITISED_AT,
            scores={
                "impact": 5,
                "feasibility": 3,
                "market_readiness": 2,
                "cost_viability": 3,
                "organisational_readiness": 3,
            },
        ),
    )
    dm.ok("POST", f"{need}/decisions", 200, json=decision("decide_to_procure", PROCURE_AT))

    procurement_id = officer.ok(
        "POST",
        "procurements",
        201,
        json={
            "title": "Lärprocess för AI",
            "description": "Gemensam innovationsupphandling av en lärprocess för AI.",
            "estimated_value_sek": "3000000.00",
            "need_ids": [need_id],
            "case_number": "KS 2018/301",
        },
    )["id"]
    base = f"procurements/{procurement_id}"
    officer.ok(
        "POST", f"{base}/participants", 200, json={"municipality": "trelleborg", "role": "co_lead"}
    )
    for slug in ("staffanstorp", "kavlinge", "burlov"):
        officer.ok(
            "POST", f"{base}/participants", 200, json={"municipality": slug, "role": "participant"}
        )
    # Each joins by its own decision, under its own authority; nobody decides for another.
    assert_problem(dm.post(f"{base}/participation", json=decision("join", PROCURE_AT)), 403)
    assert_problem(
        pilot["staffanstorp"].dm.post(
            f"{base}/participants", json={"municipality": "kavlinge", "role": "co_lead"}
        ),
        403,
    )
    pilot["trelleborg"].dm.ok(
        "POST", f"{base}/participation", 200, json=decision("join", "2018-04-16T10:00:00+02:00")
    )
    pilot["staffanstorp"].dm.ok(
        "POST", f"{base}/participation", 200, json=decision("join", "2018-04-17T10:00:00+02:00")
    )
    pilot["kavlinge"].officer.ok(
        "POST",
        f"{base}/participation",
        200,
        json=board(
            "join", "2018-04-18T18:00:00+02:00", minutes_reference="Kommunstyrelsen 2018-04-18 § 61"
        ),
    )
    pilot["burlov"].dm.ok(
        "POST", f"{base}/participation", 200, json=decision("join", "2018-04-19T10:00:00+02:00")
    )

    # The co-lead runs the market dialogue with the lead.
    pilot["trelleborg"].officer.ok(
        "POST",
        f"{base}/market-dialogue",
        201,
        json={
            "kind": "innovation_sprint",
            "held_on": "2018-05-22",
            "supplier_count": 6,
            "summary": "Innovationssprint i Trelleborg med sex leverantörer",
        },
    )
    decide = f"{base}/decisions"
    dm.ok(
        "POST",
        decide,
        200,
        json=decision("screen", SCREEN_AT, innovation=True, kind="innovation_partnership"),
    )
    dm.ok(
        "POST",
        decide,
        200,
        json=decision("choose_procedure", PROCEDURE_AT, procedure="innovation_partnership"),
    )
    dm.ok(
        "POST",
        decide,
        200,
        json=decision(
            "publish",
            PUBLISH_AT,
            notice_id="TED-2018/S-171-390001",
            tender_deadline=TENDER_DEADLINE,
        ),
    )
    officer.ok(
        "POST",
        f"{base}/bids",
        201,
        json={
            "tenderer_org_number": SUPPLIER_A["org_number"],
            "tenderer_name": SUPPLIER_A["name"],
            "received_at": BID_AT,
        },
    )
    return need_id, procurement_id


def test_the_work_model_from_needs_to_contract_and_follow_up(
    make_app: Callable[..., Flask], store_settings: Settings
) -> None:
    world = World(make_app(store_settings))
    skurup = world.tenant("skurup", area="Rena och torra golv", rules=skurup_order())
    ystad = world.tenant("ystad", area="Lärprocess för AI")
    pilot = {slug: world.tenant(slug) for slug in PILOT}
    orders_before = {
        slug: world.version(f"/api/v1/municipalities/{slug}") for slug in world.tenants
    }

    floor_need, floor_procurement = floors(world, skurup)
    ai_need, ai_procurement = ai_pilot(world, ystad, pilot)

    # Skurup's need: realised, with its whole analysis and every decision kept.
    need = skurup.viewer.read(f"needs/{floor_need}")
    assert need["status"] == "realised" and need["owner"] == "skurup"
    assert need["procurement_id"] == floor_procurement and need["visibility"] == "shared"
    assert need["co_owners"] == [] and len(need["workshops"]) == 1
    assert sorted(item["quadrant"] for item in need["swot"]) == [
        "opportunity",
        "strength",
        "threat",
        "weakness",
    ]
    assert need["weighted_total"] == "4.00"
    assert [d["type"] for d in need["decisions"]] == [
        "prioritise",
        "decide_to_procure",
        "mark_realised",
    ]
    assert all(
        d["decided_by"] == "skurup-dm" and d["municipality"] == "skurup" for d in need["decisions"]
    )
    assert need["version"] == 11

    # Skurup's procurement: closed, contracted with the awarded supplier after the standstill.
    procurement = skurup.viewer.read(f"procurements/{floor_procurement}")
    assert procurement["status"] == "closed" and procurement["outcome"] == "completed"
    assert procurement["innovation"] is True and procurement["procedure"] == "open"
    assert procurement["above_threshold"] is False
    assert procurement["screening"]["kind"] == "functional_requirements"
    assert procurement["award"]["suppliers"] == [SUPPLIER_B]
    assert procurement["award"]["notification_sent_at"] == "2018-12-20T08:00:00+00:00"
    assert procurement["award"]["sent_electronically"] is True
    assert procurement["award"]["standstill_last_day"] == STANDSTILL_LAST_DAY
    assert procurement["award"]["earliest_signing_day"] == SIGN_ON
    assert procurement["contract"] == {
        "supplier_org_number": SUPPLIER_B["org_number"],
        "contract_value_sek": "1420000.00",
        "signed_on": SIGN_ON,
    }
    assert procurement["under_review"] is False and procurement["reviews"] == []
    assert procurement["bids_disclosed"] is True and procurement["bid_count"] == 2
    assert [m["title"] for m in procurement["milestones"]] == ["Nya entrémattor i fem förskolor"]
    assert procurement["follow_ups"][0]["need_id"] == floor_need
    assert procurement["lessons"][0]["shareable"] is True
    assert len(procurement["market_dialogue"]) == 1
    assert [
        (d["type"], d["decided_by"], d["authority"]["rule_id"]) for d in procurement["decisions"]
    ] == [
        ("screen", "skurup-officer", "UPH-1"),
        ("choose_procedure", "skurup-dm", "DM-choose_procedure"),
        ("publish", "skurup-dm", "DM-publish"),
        ("award", "skurup-dm", "DM-award"),
        ("sign_contract", "skurup-dm", "DM-sign_contract"),
        ("close", "skurup-dm", "DM-close"),
    ]
    assert procurement["decisions"][4]["value_sek"] == "1420000.00"
    assert procurement["decisions"][3]["value_sek"] == "1500000.00"
    assert procurement["version"] == 14
    # After the award everyone who reads the procurement sees the bids.
    assert ystad.viewer.read(f"procurements/{floor_procurement}")["bid_count"] == 2

    # Ystad's AI need: in procurement, co-owned by Trelleborg.
    need = ystad.viewer.read(f"needs/{ai_need}")
    assert need["status"] == "in_procurement" and need["procurement_id"] == ai_procurement
    assert need["co_owners"] == ["trelleborg"]
    assert {item["author"] for item in need["swot"]} == {"ystad-officer", "trelleborg-officer"}

    # The AI pilot: each partner joined by its own decision; published; bids secret.
    path = f"procurements/{ai_procurement}"
    procurement = ystad.officer.read(path)
    assert procurement["lead"] == "ystad" and procurement["status"] == "tendering"
    assert procurement["participants"] == [
        {"municipality": "trelleborg", "role": "co_lead", "status": "joined"},
        {"municipality": "staffanstorp", "role": "participant", "status": "joined"},
        {"municipality": "kavlinge", "role": "participant", "status": "joined"},
        {"municipality": "burlov", "role": "participant", "status": "joined"},
    ]
    joins = [
        (d["municipality"], d["decided_by"], d["authority"]["kind"])
        for d in procurement["decisions"]
        if d["type"] == "join"
    ]
    assert joins == [
        ("trelleborg", "trelleborg-dm", "delegation"),
        ("staffanstorp", "staffanstorp-dm", "delegation"),
        ("kavlinge", "kavlinge-officer", "board"),
        ("burlov", "burlov-dm", "delegation"),
    ]
    assert procurement["above_threshold"] is True
    assert procurement["procedure"] == "innovation_partnership"
    assert procurement["market_dialogue"][0]["kind"] == "innovation_sprint"
    assert procurement["bid_count"] == 1
    for slug, tenant in pilot.items():
        seen = tenant.viewer.read(path)
        assert seen["bids"] is None and seen["bid_count"] is None, slug
        assert tenant.dm.read(path)["bids"] is None, slug
    assert skurup.officer.read(path)["bids"] is None

    # The municipalities: unchanged by the procurements, members private, areas and orders public.
    for slug, tenant in world.tenants.items():
        assert world.version(f"/api/v1/municipalities/{slug}") == orders_before[slug]
        own = tenant.viewer.read(f"municipalities/{slug}")
        assert set(own["members"]) == {
            f"{slug}-{s}" for s in ("admin", "officer", "dm", "viewer", "auditor")
        }
        assert own["suspended"] is False and len(own["innovation_areas"]) == 1
        assert [o["version"] for o in own["delegation_orders"]] == [1]
        other = world.tenants["ystad" if slug != "ystad" else "skurup"]
        assert other.viewer.read(f"municipalities/{slug}")["members"] is None
    listed = {m["slug"] for m in ystad.viewer.read("municipalities")["items"]}
    assert listed == {"ystad", "skurup", *PILOT}

    # The past stays as it was: Skurup's auditor reads the procurement before the award.
    awarded_at = 9
    before_award = skurup.auditor.read(
        f"procurements/{floor_procurement}", query={"version": awarded_at - 1}
    )
    assert before_award["status"] == "evaluation" and before_award["award"] is None
    at_award = skurup.auditor.read(
        f"procurements/{floor_procurement}", query={"version": awarded_at}
    )
    assert at_award["status"] == "awarded" and at_award["contract"] is None
    # Trelleborg's auditor reads the past of the published AI pilot, bids still secret.
    past = pilot["trelleborg"].auditor.read(path, query={"version": procurement["version"]})
    assert past["bids"] is None and past["participants"] == procurement["participants"]
