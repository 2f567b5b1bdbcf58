"""The OCDS endpoints over HTTP."""

from __future__ import annotations

from typing import Any

from werkzeug.test import TestResponse

from service.ocds import jsonio
from tests.ocds.conftest import API, Network, assert_release_package, assert_valid

PROBLEM = "application/problem+json"


def get(network: Network, path: str, token: str | None, **query: Any) -> TestResponse:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return network.app.test_client().get(path, headers=headers, query_string=query)


def ocds(response: TestResponse) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body: dict[str, Any] = jsonio.loads(response.get_data())
    return body


def test_a_procurements_releases_and_record(demo_network: Network) -> None:
    floors = demo_network.demo.procurements["floors"]
    token = demo_network.token("kavlinge", "viewer")
    path = f"{API}/procurements/{floors}/ocds/releases"
    response = get(demo_network, path, token)
    package = ocds(response)
    assert package["uri"] == f"http://localhost{path}"
    releases = assert_release_package(package)
    assert releases[-1]["tag"] == ["implementation"]
    assert '"amount":1150000.00' in response.get_data(as_text=True)

    record = ocds(get(demo_network, f"{API}/procurements/{floors}/ocds/record", token))
    assert_valid("record-package", record)
    assert record["records"][0]["releases"] == package["releases"]


def test_the_network_list_pages_with_links(demo_network: Network) -> None:
    """Following `links.next` from the first page reaches every published procurement once, in
    the order they were published, and the last page has no link."""
    token = demo_network.token("burlov", "officer")
    client = demo_network.app.test_client()
    page = ocds(get(demo_network, f"{API}/ocds/releases", token, limit=1))
    ocids: list[str] = []
    while True:
        assert_valid("release-package", page)
        ocids += [release["ocid"] for release in page["releases"]]
        if "links" not in page:
            break
        next_url = page["links"]["next"]
        assert next_url.startswith("http://localhost/api/v1/ocds/releases?")
        # From the second page on, larger pages: the demo publishes its ordinary purchasing too.
        next_url = next_url.replace("limit=1", "limit=200")
        page = ocds(client.get(next_url, headers={"Authorization": f"Bearer {token}"}))
    duplicates = sorted({ocid for ocid in ocids if ocids.count(ocid) > 1})
    assert duplicates == []
    assert len(ocids) > 2
    procurements = demo_network.demo.procurements
    pilots = [f"ocds-innoledger-{procurements[p]}" for p in ("floors", "sharing")]
    assert [ocid for ocid in ocids if ocid in pilots] == pilots


def test_refusals_are_problems(demo_network: Network) -> None:
    ai = demo_network.demo.procurements["ai"]
    skurup = demo_network.token("skurup", "officer")
    for path in (
        f"{API}/procurements/{ai}/ocds/releases",
        f"{API}/procurements/{ai}/ocds/record",
        f"{API}/procurements/not-an-id/ocds/record",
    ):
        response = get(demo_network, path, skurup)
        assert response.status_code == 404 and response.mimetype == PROBLEM, path
    for query in ({"cursor": "abc"}, {"limit": 0}, {"limit": 201}):
        response = get(demo_network, f"{API}/ocds/releases", skurup, **query)
        assert response.status_code == 422 and response.mimetype == PROBLEM, query
    assert get(demo_network, f"{API}/ocds/releases", None).status_code == 401


def test_the_endpoints_are_in_the_openapi_document(demo_network: Network) -> None:
    document = demo_network.app.test_client().get("/api/openapi.json").get_json()
    for path in (
        "/api/v1/procurements/{procurement_id}/ocds/releases",
        "/api/v1/procurements/{procurement_id}/ocds/record",
        "/api/v1/ocds/releases",
    ):
        operation = document["paths"][path]["get"]
        assert operation["summary"]
        assert "200" in operation["responses"]
