"""Reviews over HTTP: the extended standstill, interim orders, appeals, outcomes that send the
procurement back, and dates refused with a problem naming the rule (nothing written)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask

from domain.clock import fixed_clock
from tests.api.conftest import (
    CONTRACT_VALUE,
    SIGN_AT,
    SUPPLIER_A,
    Tenant,
    World,
    assert_problem,
    decision,
)

MALMO = "Förvaltningsrätten i Malmö"


def sign_body(signed_on: str) -> dict[str, Any]:
    return decision(
        "sign_contract",
        SIGN_AT,
        supplier_org_number=SUPPLIER_A["org_number"],
        contract_value_sek=CONTRACT_VALUE,
        signed_on=signed_on,
    )


def file_review(tenant: Tenant, base: str, filed_on: str) -> str:
    body = {"filed_on": filed_on, "court": MALMO, "applicant": "X AB", "reference": "12-18"}
    return str(tenant.officer.ok("POST", f"{base}/reviews", 201, json=body)["created"]["review_id"])


def ruling(outcome: str, ruled_on: str) -> dict[str, str]:
    return {"ruled_on": ruled_on, "outcome": outcome, "summary": "Dom meddelad"}


def test_interim_orders_and_an_appeal_bar_signing_until_lifted(
    world: World, skurup: Tenant
) -> None:
    base = f"procurements/{world.procurement(skurup, 'awarded')}"
    review_id = file_review(skurup, base, "2019-01-07")  # after the standstill
    review = f"{base}/reviews/{review_id}"
    skurup.officer.ok("POST", f"{review}/interim-order", 200, json={"ordered_on": "2019-01-08"})
    assert skurup.viewer.read(base)["reviews"][0]["interim_orders"] == [
        {"instance": "first", "court": MALMO, "ordered_on": "2019-01-08", "lifted_on": None}
    ]
    skurup.officer.ok("POST", f"{review}/ruling", 200, json=ruling("dismissed", "2019-01-21"))
    assert skurup.viewer.read(base)["under_review"] is False

    appeal = {
        "appealed_on": "2019-01-25",
        "court": "Kammarrätten i Göteborg",
        "appellant": "X AB",
        "reference": "KR 5-19",
    }
    skurup.officer.ok("POST", f"{review}/appeal", 200, json=appeal)
    skurup.officer.ok("POST", f"{review}/interim-order", 200, json={"ordered_on": "2019-01-28"})
    read = skurup.viewer.read(base)
    assert read["under_review"] is True
    assert read["reviews"][0]["appeal"]["court"] == "Kammarrätten i Göteborg"
    assert_problem(
        skurup.dm.post(f"{base}/decisions", json=sign_body("2019-02-01")), 409, rule="interim_order"
    )

    skurup.officer.ok(
        "POST", f"{review}/interim-order/lifting", 200, json={"lifted_on": "2019-02-11"}
    )
    refusal = assert_problem(
        skurup.dm.post(f"{base}/decisions", json=sign_body("2019-02-08")),
        409,
        rule="signature_before_lifting",
    )
    assert refusal["dates"] == {
        "the signature": "2019-02-08",
        "the lifting of the interim order": "2019-02-11",
    }
    assert skurup.viewer.read(base)["signing_allowed_from"] == "2019-02-11"
    skurup.dm.ok("POST", f"{base}/decisions", 200, json=sign_body("2019-02-11"))
    assert_problem(
        skurup.officer.post(f"{review}/appeal/ruling", json=ruling("redo", "2019-03-01")),
        409,
        rule="contract_signed",
    )
    skurup.officer.ok(
        "POST", f"{review}/appeal/ruling", 200, json=ruling("dismissed", "2019-03-01")
    )


def test_a_ruling_to_redo_sends_the_procurement_back_to_planning(
    world: World, skurup: Tenant
) -> None:
    base = f"procurements/{world.procurement(skurup, 'awarded')}"
    review_id = file_review(skurup, base, "2018-12-28")
    skurup.officer.ok(
        "POST", f"{base}/reviews/{review_id}/ruling", 200, json=ruling("redo", "2019-02-01")
    )
    read = skurup.viewer.read(base)
    assert read["status"] == "planning"
    assert read["award"] is None and read["notice_id"] is None
    # A new round: its bids are secret again until its award.
    assert read["bids"] is None and read["bids_disclosed"] is False
    assert skurup.officer.read(base)["bids"] == []
    assert read["reviews"][0]["ruling"]["outcome"] == "redo"
    assert_problem(
        skurup.dm.post(f"{base}/decisions", json=sign_body("2019-02-15")), 409, rule="wrong_state"
    )


def test_review_dates_in_the_future_of_their_recording_are_refused_and_nothing_is_written(
    app: Flask, world: World, skurup: Tenant
) -> None:
    base = f"procurements/{world.procurement(skurup, 'awarded')}"
    review_id = file_review(skurup, base, "2018-12-28")
    review = f"{base}/reviews/{review_id}"
    innoledger = app.extensions["innoledger"].innoledger
    # Recorded on 2019-01-05 at 23:30 in Stockholm.
    usual_clock = innoledger.event_clock
    innoledger.event_clock = fixed_clock(datetime(2019, 1, 5, 22, 30, tzinfo=UTC))
    try:
        before = skurup.viewer.read(base)["version"]
        for path, body, field in (
            (f"{review}/ruling", ruling("dismissed", "2019-01-06"), "ruled_on"),
            (f"{review}/interim-order", {"ordered_on": "2019-01-23"}, "ordered_on"),
            (
                f"{base}/reviews",
                {
                    "filed_on": "2019-01-06",
                    "court": MALMO,
                    "applicant": "Y AB",
                    "reference": "13-19",
                },
                "filed_on",
            ),
        ):
            refusal = assert_problem(skurup.officer.post(path, json=body), 422, field=field)
            assert refusal["rule"] == "dated_in_future"
        assert skurup.viewer.read(base)["version"] == before
        skurup.officer.ok("POST", f"{review}/ruling", 200, json=ruling("dismissed", "2019-01-05"))
    finally:
        innoledger.event_clock = usual_clock
    # Ruled on Sat 2019-01-05: day 10 is Tue 01-15, so signing is allowed from Wed 01-16.
    assert skurup.viewer.read(base)["signing_allowed_from"] == "2019-01-16"
