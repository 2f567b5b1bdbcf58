"""Open to the market, without sign-in: needs their owners publish to the market, and the OCDS
releases of published procurements, as pages and feeds a supplier or a data portal follows.

The last test is generated from the OpenAPI document: every operation it marks open is called
with every id there is and every link its answers give, and no answer may hold one of the
private markers planted in the analysis of a published need, in unpublished needs, in bids
before the award and in the people directory.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from tests.api.conftest import (
    PRIORITISED_AT,
    PROCURE_AT,
    SCORES,
    SUPPLIER_A,
    SUPPLIER_B,
    Tenant,
    World,
    assert_problem,
    board,
    decision,
)

OPEN = "/api/open/v1"
ATOM = "{http://www.w3.org/2005/Atom}"
TOMBSTONE = "{http://purl.org/atompub/tombstones/1.0}deleted-entry"
PUBLISHED_AT = "2018-04-20T10:00:00+02:00"
WITHDRAWN_AT = "2018-05-20T10:00:00+02:00"


def publish(tenant: Tenant, need_id: str, summary: str = "Vi söker dialog med leverantörer",
            at: str = PUBLISHED_AT) -> dict[str, Any]:
    return tenant.dm.ok("POST", f"needs/{need_id}/market", 200,
                        json=decision("publish_to_market", at, summary=summary))


def withdraw(tenant: Tenant, need_id: str, at: str = WITHDRAWN_AT) -> dict[str, Any]:
    return tenant.dm.ok("POST", f"needs/{need_id}/market", 200,
                        json=decision("withdraw_from_market", at))


def open_get(world: World, path: str, **kwargs: Any) -> Any:
    return world.anonymous().get(path if path.startswith("/") else f"{OPEN}/{path}", **kwargs)


def listed(world: World, position: int, **query: Any) -> dict[str, Any]:
    response = open_get(world, "needs", query={"position": position, **query})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_an_owner_publishes_a_need_to_the_market_and_withdraws_it(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    need = world.need(ystad, "prioritised", title="Rena golv i förskolan")
    private = world.need(ystad, title="Inte för marknaden")
    shared = world.need(ystad, title="Bara för nätverket", shared=True)
    # Only the owner decides, under its delegation order; a viewer holds no authority.
    assert_problem(skurup.dm.post(f"needs/{need}/market",
                                  json=decision("publish_to_market", PUBLISHED_AT)), 404)
    assert_problem(ystad.viewer.post(f"needs/{need}/market",
                                     json=decision("publish_to_market", PUBLISHED_AT)), 403)
    assert_problem(ystad.dm.post(f"needs/{need}/market",
                                 json=decision("withdraw_from_market", PUBLISHED_AT)), 409,
                   rule="not_on_market")
    # Not before the need's last decision (valid time).
    assert_problem(ystad.dm.post(f"needs/{need}/market", json=decision(
        "publish_to_market", "2018-01-02T10:00:00+01:00")), 409)
    done = publish(ystad, need)
    assert_problem(ystad.dm.post(f"needs/{need}/market",
                                 json=decision("publish_to_market", PUBLISHED_AT)), 409,
                   rule="already_on_market")

    page = listed(world, done["position"])
    assert [item["id"] for item in page["items"]] == [need]
    item = page["items"][0]
    assert item["owner"] == {"slug": "ystad", "name": "Ystads kommun",
                             "organisation_number": "212000-1249"}
    assert item["title"] == "Rena golv i förskolan"
    assert item["summary"] == "Vi söker dialog med leverantörer"
    assert item["status"] == "prioritised"
    assert item["innovation_area"]["name"] == "Lärprocess för AI"
    assert item["url"].endswith(f"{OPEN}/needs/{need}")
    # Network members see it too; its owner sees when and how it was published.
    assert skurup.viewer.read(f"needs/{need}")["title"] == "Rena golv i förskolan"
    assert ystad.viewer.read(f"needs/{need}")["market_publication"]["summary"] == (
        "Vi söker dialog med leverantörer"
    )
    for other in (private, shared):
        assert_problem(open_get(world, f"needs/{other}"), 404)
    assert open_get(world, f"needs/{need}").get_json()["id"] == need

    # The decision is in the decision log, with its authority.
    log = ystad.auditor.read("audit/decisions", query={"type": "publish_to_market",
                                                       "position": done["position"]})
    assert [(d["aggregate_id"], d["authority"]["kind"]) for d in log["items"]] == [
        (need, "delegation")
    ]

    gone = withdraw(ystad, need)
    assert listed(world, gone["position"])["items"] == []
    assert_problem(open_get(world, f"needs/{need}"), 404)
    feed = ET.fromstring(open_get(world, "feeds/needs.atom").get_data())
    assert [t.get("ref") for t in feed.iter(TOMBSTONE)] == [f"urn:uuid:{need}"]
    assert feed.findall(f"{ATOM}entry") == []
    # Published again: listed once, at its new publication; the feed has its entry again.
    again = publish(ystad, need, summary="Ny dialog", at="2018-06-01T10:00:00+02:00")
    assert [i["summary"] for i in listed(world, again["position"])["items"]] == ["Ny dialog"]
    feed = ET.fromstring(open_get(world, "feeds/needs.atom").get_data())
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [f"urn:uuid:{need}"]
    assert entries[0].findtext(f"{ATOM}summary") == "Ny dialog"
    assert ystad.auditor.read(f"needs/{need}/history")["entries"][-1]["type"] == (
        "PublishedToMarket"
    )


def test_pages_follow_links_in_a_stable_order_with_public_validators(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    needs = []
    last: dict[str, Any] = {}
    for tenant, title in ((ystad, "Första"), (skurup, "Andra"), (ystad, "Tredje")):
        need = world.need(tenant, title=title)
        last = publish(tenant, need)
        needs.append(need)
    seen, url = [], f"{OPEN}/needs?limit=2&position={last['position']}"
    while url:
        response = open_get(world, url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=60"
        assert response.headers["ETag"] and response.headers["Last-Modified"]
        assert "Authorization" not in response.headers.get("Vary", "")
        body = response.get_json()
        seen += [item["id"] for item in body["items"]]
        url = body["links"].get("next", "")
        url = urlsplit(url).path + "?" + urlsplit(url).query if url else ""
    assert seen == needs
    # A follower's conditional request costs a 304; a token changes nothing in an open answer.
    first = open_get(world, "needs")
    again = open_get(world, "needs", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    with_token = ystad.officer.get(f"{OPEN}/needs")
    assert with_token.get_data() == first.get_data()
    assert with_token.headers["Cache-Control"] == "public, max-age=60"
    # Every signed-in answer stays private.
    private = ystad.officer.get("needs")
    assert private.headers["Cache-Control"] == "private, no-store"
    assert "Authorization" in private.headers["Vary"]
    assert_problem(open_get(world, "needs", query={"cursor": "nonsense"}), 422, field="cursor")


def test_ocds_releases_of_published_procurements_only_and_tenderers_from_the_award(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    unpublished = world.procurement(ystad, "screened", title="Opublicerad")
    tendering = world.procurement(ystad, "evaluation", title="Under utvärdering")
    awarded = world.procurement(skurup, "awarded", title="Tilldelad")
    package = open_get(world, "ocds/releases").get_json()
    titles = [r["tender"]["title"] for r in package["releases"]]
    assert titles == ["Under utvärdering", "Tilldelad"]
    text = open_get(world, "ocds/releases").get_data(as_text=True)
    assert SUPPLIER_B["name"] not in open_get(
        world, f"procurements/{tendering}/ocds/record").get_data(as_text=True)
    assert SUPPLIER_A["name"] in text  # awarded: its tenderers and supplier are public
    assert_problem(open_get(world, f"procurements/{unpublished}/ocds/record"), 404)
    assert_problem(open_get(world, f"procurements/{unpublished}/ocds/releases"), 404)
    first = open_get(world, "ocds/releases", query={"limit": 1}).get_json()
    assert len(first["releases"]) == 1 and "next" in first["links"]
    following = open_get(world, urlsplit(first["links"]["next"]).path,
                         query=dict(q.split("=") for q in urlsplit(
                             first["links"]["next"]).query.split("&"))).get_json()
    assert [r["tender"]["title"] for r in following["releases"]] == ["Tilldelad"]
    record = open_get(world, f"procurements/{awarded}/ocds/record")
    assert record.headers["Cache-Control"] == "public, max-age=60"
    assert record.get_json()["records"][0]["compiledRelease"]["awards"]


# Generated: nothing private reachable through any open operation.

SECRET_PEOPLE = {"display_name": "Hemliga Handläggaren Lindqvist",
                 "email": "hemlig.lindqvist@ystad.example"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
LINK = re.compile(r"""(?:https?://localhost)?(/api/open/[^\s"'<>]*)""")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _plant(world: World, ystad: Tenant, skurup: Tenant) -> tuple[dict[str, str], list[str], int]:
    markers: dict[str, str] = {}

    def marker(text: str, what: str) -> str:
        markers[text] = what
        return text

    published = world.need(ystad, title="Publicerat behov", swot=False)
    path = f"needs/{published}"
    for quadrant in ("strength", "weakness", "opportunity", "threat"):
        ystad.officer.ok("POST", f"{path}/swot", 201, json={
            "quadrant": quadrant, "text": marker(f"Hemlig SWOT {quadrant}", "its SWOT")})
    ystad.officer.ok("POST", f"{path}/workshops", 201, json={
        "held_on": "2018-02-01", "participant_count": 4, "competences_present": ["IT"],
        "notes": marker("Hemliga anteckningar från workshoppen", "its workshop notes")})
    ystad.dm.ok("POST", f"{path}/decisions", 200, json=decision(
        "prioritise", PRIORITISED_AT, scores=SCORES,
        rationale=marker("Hemlig motivering till prioriteringen", "its rationale")))
    publish(ystad, published)
    decided = world.need(ystad, "procurement_decided",
                         title=marker("Hemligt behov bakom upphandlingen", "a private need"))
    world.need(ystad, title=marker("Hemligt delat behov", "a need shared, not published"),
               shared=True)
    world.need(skurup, title=marker("Skurups hemliga behov", "another's private need"))
    tendering = world.procurement(ystad, "tendering", need_ids=[decided],
                                  bidders=({"org_number": "559943-2107",
                                            "name": marker("Hemlig Anbudsgivare AB",
                                                           "a bid before the award")},))
    world.procurement(ystad, "screened", title=marker("Opublicerad upphandling", "unpublished"))
    ystad.officer.ok("PUT", "people/ystad-officer", 200, json={
        "display_name": marker(SECRET_PEOPLE["display_name"], "a person's name"),
        "email": marker(SECRET_PEOPLE["email"], "a person's e-mail")})
    board_decision = board("publish_to_market", PROCURE_AT,
                           minutes_reference=marker("KS 2018-04-10 § 99 hemlig", "minutes"))
    other = world.need(skurup, title="Skurups publicerade behov")
    done = skurup.officer.ok("POST", f"needs/{other}/market", 200, json=board_decision)
    ids = [published, decided, other, tendering]
    return markers, ids, done["position"]


def test_no_open_operation_of_the_document_reaches_anything_private(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    markers, ids, position = _plant(world, ystad, skurup)
    document = world.anonymous().get("/api/openapi.json").get_json()
    templates = [
        path for path, item in document["paths"].items()
        if "get" in item and item["get"].get("security") == [] and path.startswith("/api/open/")
    ]
    assert len(templates) >= 6, templates
    anonymous, officer = world.anonymous(), ystad.officer
    queue: deque[str] = deque()
    for template in templates:
        names = PLACEHOLDER.findall(template)
        if not names:
            queue.append(f"{template}?position={position}")
        for value in ids if names else ():
            queue.append(PLACEHOLDER.sub(value, template))
    seen: set[str] = set()
    leaks, answered = [], 0
    while queue and len(seen) < 400:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = anonymous.get(url)
        answered += response.status_code == 200
        text = response.get_data(as_text=True) + str(response.headers)
        leaks += [f"{url}: {what}" for secret, what in markers.items() if secret in text]
        # An open answer is the same for a caller with a token (no shared cache mixes them);
        # a refusal differs only by its request id.
        signed_in = officer.get(url)
        assert signed_in.status_code == response.status_code, url
        if response.status_code == 200:
            assert signed_in.get_data() == response.get_data(), url
        for link in LINK.findall(text):
            queue.append(link.replace("&amp;", "&"))
        for found in set(UUID.findall(text)):
            for template in templates:
                if "{" in template:
                    queue.append(PLACEHOLDER.sub(found, template))
    assert not leaks, "\n".join(leaks)
    assert answered >= 8  # the published needs, the feed, the OCDS pages and records
    assert any("Publicerat behov" in open_get(world, url).get_data(as_text=True)
               for url in seen if "/needs" in url)



def test_the_list_and_the_feed_on_both_databases(make_app: Any, store_settings: Any) -> None:
    world = World(make_app(store_settings))
    ystad = world.tenant("ystad")
    first, second = (world.need(ystad, title=title) for title in ("Ett", "Två"))
    publish(ystad, first)
    publish(ystad, second)
    withdraw(ystad, first)
    done = publish(ystad, first, summary="Igen", at="2018-06-01T10:00:00+02:00")
    assert [i["title"] for i in listed(world, done["position"])["items"]] == ["Två", "Ett"]
    assert [i["title"] for i in listed(world, done["position"], limit=1)["items"]] == ["Två"]
    feed = ET.fromstring(open_get(world, "feeds/needs.atom", query={"limit": 2}).get_data())
    # Newest first: the new publication, then the withdrawal; older entries follow `next`.
    assert [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")] == ["Ett"]
    assert [t.get("ref") for t in feed.iter(TOMBSTONE)] == [f"urn:uuid:{first}"]
    older = next(link.get("href") for link in feed.findall(f"{ATOM}link")
                 if link.get("rel") == "next")
    rest = ET.fromstring(open_get(world, urlsplit(older).path + "?" + urlsplit(older).query)
                         .get_data())
    assert [e.findtext(f"{ATOM}title") for e in rest.findall(f"{ATOM}entry")] == ["Två"]


def test_the_procurements_feed_lists_published_ones_linking_to_their_records(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    world.procurement(ystad, "screened", title="Opublicerad")
    tendering = world.procurement(ystad, "tendering", title="Anbud välkomna")
    awarded = world.procurement(skurup, "awarded", title="Tilldelad")
    head = ystad.auditor.read(f"procurements/{awarded}")  # the last command's effects exist
    assert head["status"] == "awarded"
    position = world.app.extensions["innoledger"].innoledger.recorder.max_notification_id()

    def feed(**query: Any) -> ET.Element:
        response = open_get(world, "feeds/procurements.atom",
                            query={"position": position, **query})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "public, max-age=60"
        return ET.fromstring(response.get_data())

    entries = feed().findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Tilldelad", "Anbud välkomna"]
    record = next(link.get("href") for link in entries[1].findall(f"{ATOM}link"))
    assert record.endswith(f"{OPEN}/procurements/{tendering}/ocds/record")
    assert open_get(world, urlsplit(record).path).status_code == 200
    assert "Sista anbudsdag" in entries[1].findtext(f"{ATOM}summary")
    only_open = feed(status="tendering").findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in only_open] == ["Anbud välkomna"]
    first = feed(limit=1)
    assert any(link.get("rel") == "next" for link in first.findall(f"{ATOM}link"))
