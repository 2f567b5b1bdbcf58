"""Conditional reads: If-None-Match answers 304 when nothing the caller would be shown changed.

A validator names one caller's representation: the views' positions (or the object's version
and redaction) and who asks. A new event changes it; another caller, another municipality or the
same caller with other roles never gets a 304 for it; and a 304 keeps the 200's caching headers
(`private`, `Vary: Authorization`).
"""

from __future__ import annotations

import pytest
from werkzeug.test import TestResponse

from projections.views.innovation_share import VIEW_NAME as SHARE_VIEW
from tests.api.conftest import PROCURE_AT, Client, Tenant, World, decision
from tests.view_tables import view_tables_away


def _private(response: TestResponse) -> None:
    vary = {v.strip().lower() for v in response.headers.get("Vary", "").split(",")}
    assert "authorization" in vary
    cache_control = response.headers.get("Cache-Control", "")
    assert cache_control.startswith("private") and "public" not in cache_control


def _again(client: Client, path: str, etag: str, **kwargs) -> TestResponse:  # type: ignore[no-untyped-def]
    return client.get(path, headers={"If-None-Match": etag}, **kwargs)


def _not_modified(response: TestResponse, etag: str) -> None:
    assert response.status_code == 304, response.get_data(as_text=True)
    assert response.get_data() == b""
    assert response.headers["ETag"] == etag
    _private(response)
    assert "no-store" in response.headers["Cache-Control"]


def test_an_unchanged_view_answers_304_without_reading_its_tables(
    world: World, ystad: Tenant
) -> None:
    world.need(ystad, shared=True)
    first = ystad.officer.get("network/needs")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    _private(first)
    with view_tables_away(world.app, "network_needs"):
        again = _again(ystad.officer, "network/needs", etag)
        _not_modified(again, etag)
        assert again.headers["Innoledger-Position"] == first.headers["Innoledger-Position"]
    # Other filters are another page: another validator.
    filtered = _again(ystad.officer, "network/needs", etag, query={"limit": 1})
    assert filtered.status_code == 200
    assert filtered.headers["ETag"] != etag


def test_an_unchanged_view_page_is_answered_again_from_memory_to_its_caller_only(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    world.need(ystad, shared=True)
    first = ystad.officer.get("network/needs")
    assert first.status_code == 200
    with view_tables_away(world.app, "network_needs"):
        again = ystad.officer.get("network/needs")
        assert again.status_code == 200, again.get_data(as_text=True)
        assert again.get_data() == first.get_data()
        for header in ("ETag", "Innoledger-Position", "Content-Type", "Cache-Control", "Vary"):
            assert again.headers[header] == first.headers[header], header
        # Another caller, or another page, is read from the view's tables: none to read now.
        assert skurup.officer.get("network/needs").status_code != 200
        assert ystad.officer.get("network/needs", query={"limit": 1}).status_code != 200
    # The view moved: the page is read anew.
    world.need(ystad, shared=True, title="Ett nytt delat behov")
    head = world.anonymous().get("/readyz").get_json()["head_position"]
    moved = ystad.officer.get("network/needs", query={"position": head})
    assert moved.headers["ETag"] != first.headers["ETag"]
    assert "Ett nytt delat behov" in {row["title"] for row in moved.get_json()["items"]}


def test_a_new_event_changes_the_validator_of_every_view_it_reaches(
    world: World, ystad: Tenant
) -> None:
    need_id = world.need(ystad, shared=True)
    paths = ["network/needs", "needs", "network/procurements", "network/innovation-share"]
    before = {path: ystad.officer.get(path).headers["ETag"] for path in paths}
    for path, etag in before.items():
        _not_modified(_again(ystad.officer, path, etag), etag)
    position = ystad.officer.ok(
        "PATCH", f"needs/{need_id}", 200, json={"title": "Nytt namn på behovet"}
    )["position"]
    for path, etag in before.items():
        changed = _again(ystad.officer, path, etag, query={"position": position})
        assert changed.status_code == 200, path
        assert changed.headers["ETag"] != etag, path
    listed = ystad.officer.read("network/needs")["items"]
    assert "Nytt namn på behovet" in {row["title"] for row in listed}


def test_another_caller_never_validates_a_view_page_they_were_not_given(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    world.need(ystad, shared=True)
    etag = ystad.officer.get("network/needs").headers["ETag"]
    for other in (skurup.officer, ystad.viewer, world.platform_auditor):
        answer = _again(other, "network/needs", etag)
        assert answer.status_code == 200, other
        assert answer.headers["ETag"] != etag


def test_the_decision_log_validator_follows_the_log(world: World, ystad: Tenant) -> None:
    need_id = world.need(ystad, "prioritised")
    etag = ystad.auditor.get("audit/decisions").headers["ETag"]
    _not_modified(_again(ystad.auditor, "audit/decisions", etag), etag)
    position = ystad.dm.ok(
        "POST", f"needs/{need_id}/decisions", 200, json=decision("decide_to_procure", PROCURE_AT)
    )["position"]
    changed = _again(ystad.auditor, "audit/decisions", etag, query={"position": position})
    assert changed.status_code == 200
    assert "decide_to_procure" in {row["decision_type"] for row in changed.get_json()["items"]}


def test_an_unchanged_object_answers_304_and_a_new_version_200(
    world: World, ystad: Tenant
) -> None:
    need_id = world.need(ystad, shared=True)
    path = f"needs/{need_id}"
    first = ystad.officer.get(path)
    etag = first.headers["ETag"]
    _not_modified(_again(ystad.officer, path, etag), etag)
    # The ETag still names the version for If-Match.
    edited = ystad.officer.patch(path, json={"title": "Ändrad titel"}, if_match=etag)
    assert edited.status_code == 200, edited.get_data(as_text=True)
    after = _again(ystad.officer, path, etag)
    assert after.status_code == 200
    assert after.get_json()["title"] == "Ändrad titel"
    assert after.headers["ETag"] != etag


def test_another_municipality_or_role_never_validates_an_objects_etag(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    need_id = world.need(ystad, shared=True)
    path = f"needs/{need_id}"
    etag = ystad.officer.get(path).headers["ETag"]
    for other in (skurup.officer, ystad.viewer, world.platform_auditor):
        answer = _again(other, path, etag)
        assert answer.status_code == 200, other
        assert answer.headers["ETag"] != etag
    # A private object of another municipality stays absent, whatever validator is sent.
    private_id = world.need(ystad)
    private_etag = ystad.officer.get(f"needs/{private_id}").headers["ETag"]
    assert _again(skurup.officer, f"needs/{private_id}", private_etag).status_code == 404
    assert _again(skurup.officer, f"needs/{private_id}", "*").status_code == 404


def test_a_role_granted_changes_the_callers_validators(world: World, ystad: Tenant) -> None:
    need_id = world.need(ystad, shared=True)
    etag = ystad.viewer.get(f"needs/{need_id}").headers["ETag"]
    view_etag = ystad.viewer.get("network/needs").headers["ETag"]
    world.grant(ystad.admin, "ystad", ystad.user("viewer"), "auditor")
    assert _again(ystad.viewer, f"needs/{need_id}", etag).status_code == 200
    assert _again(ystad.viewer, "network/needs", view_etag).status_code == 200


def test_a_procurement_with_secret_bids_validates_only_for_its_own_reader(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    procurement_id = world.procurement(ystad, "evaluation")
    path = f"procurements/{procurement_id}"
    lead = ystad.auditor.get(path)
    assert lead.get_json()["bid_count"] == 2
    etag = lead.headers["ETag"]
    _not_modified(_again(ystad.auditor, path, etag), etag)
    outsider = _again(skurup.auditor, path, etag)
    assert outsider.status_code == 200
    assert outsider.get_json()["bids"] is None


def test_a_settled_past_state_stays_cacheable_in_its_304(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    need_id = world.need(ystad, shared=True)
    path = f"needs/{need_id}"
    version = ystad.officer.read(path)["version"]
    ystad.officer.ok("PATCH", path, 200, json={"title": "Senare titel"})
    past = ystad.officer.get(path, query={"version": version})
    assert past.status_code == 200
    etag = past.headers["ETag"]
    again = _again(ystad.officer, path, etag, query={"version": version})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == past.headers["Cache-Control"]
    _private(again)


def test_an_unchanged_report_answers_304_without_reading_its_views(
    world: World, ystad: Tenant
) -> None:
    world.procurement(ystad, "evaluation")
    path = "municipalities/ystad/reports/annual/2018"
    first = ystad.officer.get(path)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    with (
        view_tables_away(world.app, SHARE_VIEW),
        view_tables_away(world.app, "tenant_index"),
        view_tables_away(world.app, "decision_log"),
    ):
        _not_modified(_again(ystad.officer, path, etag), etag)
    # The same report as CSV is another representation.
    spreadsheet = _again(ystad.officer, path, etag, query={"format": "csv"})
    assert spreadsheet.status_code == 200
    assert spreadsheet.headers["ETag"] != etag


def test_an_unchanged_history_or_export_answers_304_without_reading_the_object(
    world: World, ystad: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    procurement_id = world.procurement(ystad, "evaluation")
    paths = [f"procurements/{procurement_id}/history", f"procurements/{procurement_id}/ocds/record"]
    etags = {path: ystad.officer.get(path).headers["ETag"] for path in paths}

    def not_for_a_304(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged answer was read again")

    monkeypatch.setattr("service.api.resources.audit.history", not_for_a_304)
    monkeypatch.setattr("service.api.resources.ocds.record_package", not_for_a_304)
    for path, etag in etags.items():
        _not_modified(_again(ystad.officer, path, etag), etag)
