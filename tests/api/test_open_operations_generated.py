"""Generated from the OpenAPI document: what needs no sign-in shows nothing private, and what
needs one is never kept by anyone else's cache.

Open operations (those the document marks `security: []`, wherever they live) are found in the
served document, so an endpoint added later is covered without anyone adding it here. Each is
called with the ids of every kind of object the network holds (private, shared, published, in
every phase), with every id an open answer itself names, and every link an open answer gives
(next pages, feed entries, items) is followed; then schemathesis generates queries for each.
Every call is made without a token and again with the tokens of the objects' own people: an open
answer shows everyone the same, or a shared cache would hand one caller's answer to the next.
No answer (body or headers) may hold one of the private markers planted in the network:

- a private need, a need shared with the network but not published to the market, the private
  need a published procurement addresses;
- a procurement that is not published, and non-shareable lessons of a published one;
- bids before the award: tenderers' names and organisation numbers, a sole trader's personnummer
  and name (the party directory), and the applicant of a review filed before the award;
- people's names and e-mail addresses (the people directory), and tokens.

Every operation that needs a token answers every caller holding one `Cache-Control: private`
and `Vary: Authorization`, whatever the answer.
"""

from __future__ import annotations

import dataclasses
import html
import itertools
import re
import uuid
from collections import deque
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import hypothesis
import pytest
import schemathesis
from flask import Flask
from hypothesis import strategies as st

from domain.values.org_number import luhn_check_digit
from service.api import create_app
from service.settings import Settings
from tests.api.conftest import (
    BID_AT,
    PUBLISH_AT,
    Client,
    Tenant,
    World,
    decision,
)

WRITES = ("post", "put", "patch", "delete")
METHODS = ("get", *WRITES)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# An id an answer names: a UUID, or an OCDS ocid / release id built from one.
NAMED_ID = re.compile(
    r"(?:ocds-[a-z0-9]+-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"(?:-[0-9]+(?:-[a-z-]+)?)?"
)
# A link in an answer: an absolute URL of the service or a path (JSON, Atom, HTML, Link header).
LINK = re.compile(r"""(?:https?://localhost(?::\d+)?)?(/[^\s"'<>()\\]*)""")
MAX_CALLS = 1500
MARKET_AT = "2018-04-20T10:00:00+02:00"
FUZZ_EXAMPLES = 8


def _organisation_number(first_nine: str) -> str:
    return f"{first_nine[:6]}-{first_nine[6:]}{luhn_check_digit(first_nine)}"


SECRET_BIDDER = {"org_number": _organisation_number("559943210"), "name": "Hemlig Anbudsgivare AB"}
SOLE_TRADER = {"number": "121212-1212", "name": "Hemliga Enskilda Firman Persson"}
APPLICANT = "Hemlig Klagande AB"
PERSON = {"display_name": "Hemlig Handläggare Nilsson", "email": "hemlig.nilsson@ystad.example"}


@dataclasses.dataclass
class Network:
    app: Flask
    world: World
    ystad: Tenant
    skurup: Tenant
    ids: dict[str, list[str]]  # path parameter name -> real values
    markers: dict[str, str]  # marker -> what it is
    readers: dict[str, Client]  # callers whose own view holds the markers

    def tokens(self) -> list[str]:
        clients = [*self.ystad.clients.values(), *self.skurup.clients.values()]
        clients += [self.world.platform, self.world.platform_auditor]
        return [client.token for client in clients if client.token]


def _need(tenant: Tenant, title: str, statement: str) -> str:
    created = tenant.officer.ok(
        "POST",
        "needs",
        201,
        json={
            "title": title,
            "problem_statement": statement,
            "innovation_area_id": tenant.area_id,
            "affected_end_users": ["elever"],
            "competences": ["upphandling"],
        },
    )
    return str(created["id"])


def _plant(world: World, ystad: Tenant, skurup: Tenant) -> Network:
    markers: dict[str, str] = {}

    def marker(text: str, what: str) -> str:
        markers[text] = what
        return text

    private_need = _need(
        ystad,
        marker("Hemligt behov Tallriken", "a private need's title"),
        marker("Hemlig problembeskrivning om skolmaten", "a private need's problem statement"),
    )
    ystad.officer.ok(
        "POST",
        f"needs/{private_need}/workshops",
        201,
        json={
            "held_on": "2018-02-01",
            "participant_count": 4,
            "competences_present": ["pedagogik"],
            "notes": marker("Hemliga workshopanteckningar", "a private need's workshop notes"),
        },
    )
    shared_need = _need(
        ystad,
        marker("Nätverksbehov ej publicerat", "a need shared with the network only"),
        "Delas med nätverket men publiceras inte för marknaden.",
    )
    ystad.officer.ok("POST", f"needs/{shared_need}/share", 200)
    skurup_need = world.need(skurup, title=marker("Skurups hemliga behov", "Skurup's private need"))
    # Published to the market: its title and problem statement are public, its analysis is not.
    on_market = _need(ystad, "Marknadsbehov Skolmat", "Skolor behöver bättre matplanering.")
    for quadrant, text in (("strength", "Hemlig styrka i analysen"), ("threat", "Hemligt hot")):
        ystad.officer.ok(
            "POST",
            f"needs/{on_market}/swot",
            201,
            json={"quadrant": quadrant, "text": marker(text, "a published need's SWOT")},
        )
    ystad.officer.ok(
        "POST",
        f"needs/{on_market}/workshops",
        201,
        json={
            "held_on": "2018-02-02",
            "participant_count": 6,
            "notes": marker("Anteckningar bakom marknadsbehovet", "a published need's workshop"),
        },
    )
    ystad.dm.ok(
        "POST",
        f"needs/{on_market}/market",
        200,
        json=decision(
            "publish_to_market",
            MARKET_AT,
            rationale=marker("Intern motivering till publiceringen", "a decision's rationale"),
            summary="Vi söker dialog med leverantörer om matplanering.",
        ),
    )

    unpublished = world.procurement(
        ystad, "screened", title=marker("Opublicerad upphandling Gaffeln", "an unpublished title")
    )
    addressed = world.need(
        ystad,
        "procurement_decided",
        title=marker("Hemligt behov bakom annonsen", "the private need of a published one"),
    )
    published = world.procurement(ystad, "tendering", need_ids=[addressed])
    root = f"procurements/{published}"
    officer = ystad.officer
    officer.ok(
        "POST",
        f"{root}/bids",
        201,
        json={
            "tenderer_org_number": marker(SECRET_BIDDER["org_number"], "a tenderer's number"),
            "tenderer_name": marker(SECRET_BIDDER["name"], "a tenderer's name"),
            "received_at": BID_AT,
        },
    )
    officer.ok(
        "POST",
        f"{root}/bids",
        201,
        json={
            "tenderer_org_number": marker(SOLE_TRADER["number"], "a sole trader's personnummer"),
            "tenderer_name": marker(SOLE_TRADER["name"], "a sole trader's name"),
            "received_at": BID_AT,
        },
    )
    officer.ok(
        "POST",
        f"{root}/reviews",
        201,
        json={
            "filed_on": PUBLISH_AT[:10],
            "court": "Förvaltningsrätten i Malmö",
            "applicant": marker(APPLICANT, "a review applicant before the award"),
            "reference": "4711-18",
        },
    )
    officer.ok(
        "POST",
        f"{root}/lessons",
        201,
        json={
            "text": marker("Hemlig lärdom om anbuden", "a lesson not shared"),
            "shareable": False,
        },
    )
    evaluating = world.procurement(ystad, "evaluation", title="Upphandling under utvärdering")
    officer.ok(
        "PUT",
        "people/ystad-officer",
        200,
        json={
            "display_name": marker(PERSON["display_name"], "a person's name"),
            "email": marker(PERSON["email"], "a person's e-mail address"),
        },
    )
    read = ystad.officer.read(f"procurements/{published}")
    party_id = next(
        bid["tenderer_party_id"] for bid in read["bids"] if bid.get("tenderer_party_id")
    )
    review_id = read["reviews"][0]["id"]
    swot_item = ystad.officer.read(f"needs/{shared_need}")
    item_ids = [item["id"] for item in swot_item.get("swot", [])]
    needs = [private_need, shared_need, addressed, skurup_need, on_market]
    procurements = [unpublished, published, evaluating]
    ids = {
        "need_id": needs,
        "procurement_id": procurements,
        "ocid": [f"ocds-innoledger-{p}" for p in procurements],
        "slug": ["ystad", "skurup"],
        "user_id": ["ystad-officer", "ystad-admin"],
        "party_id": [party_id],
        "review_id": [review_id],
        "item_id": item_ids,
        "area_id": [ystad.area_id],
        "role": ["officer"],
    }
    readers = {"ystad officer": ystad.officer, "platform auditor": world.platform_auditor}
    return Network(world.app, world, ystad, skurup, ids, markers, readers)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    app = create_app(
        Settings(database="sqlite", var_dir=tmp_path_factory.mktemp("open"), testing=True)
    )
    world = World(app)
    ystad = world.tenant("ystad")
    skurup = world.tenant("skurup", area="Rena och torra golv")
    yield _plant(world, ystad, skurup)
    app.extensions["innoledger"].close()


def _document(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _needs_no_token(document: dict[str, Any], operation: dict[str, Any]) -> bool:
    """No security requirement, or one alternative that requires nothing (`{}`)."""
    requirements = operation.get("security", document.get("security", []))
    return not requirements or any(not requirement for requirement in requirements)


def _operations(document: dict[str, Any], *, open_: bool) -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS and _needs_no_token(document, operation) == open_
    ]


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


class Probe:
    """Calls open operations without a token and with the owners' tokens; collects leaks."""

    def __init__(self, network: Network, document: dict[str, Any]):
        self.network = network
        self.http = network.app.test_client()
        self.open = _operations(document, open_=True)
        self.patterns = [(m, _template_pattern(t)) for m, t in self.open]
        self.secrets = {**network.markers, **{t: "a token" for t in network.tokens()}}
        # Also in the form without the hyphen that no answer of its own people uses.
        self.secrets[SOLE_TRADER["number"].replace("-", "")] = "a sole trader's personnummer"
        self.callers: list[tuple[str, str | None]] = [("nobody", None)]
        self.callers += [(name, c.token) for name, c in network.readers.items()]
        self.named: set[str] = set()  # ids open answers named
        self.seen: set[tuple[str, str]] = set()
        self.leaks: list[str] = []
        self.calls = 0
        self.answered: dict[tuple[str, str], set[int]] = {}

    def leaked(self, text: str) -> list[str]:
        return [what for secret, what in self.secrets.items() if secret in text]

    def check(self, method: str, url: str, status: int, text: str, caller: str) -> None:
        found = self.leaked(text)
        if found:
            self.leaks.append(f"{method.upper()} {url} ({caller}, {status}): {sorted(set(found))}")

    def call(self, method: str, url: str, template: str) -> None:
        if (method, url) in self.seen or self.calls >= MAX_CALLS:
            return
        self.seen.add((method, url))
        for caller, token in self.callers:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = self.http.open(
                url, method=method.upper(), headers=headers, json={} if method in WRITES else None
            )
            self.calls += 1
            text = response.get_data(as_text=True)
            head = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
            self.check(method, url, response.status_code, f"{head}\n{text}", caller)
            if caller == "nobody":
                self.answered.setdefault((method, template), set()).add(response.status_code)
            # An open answer is the same for everyone; what any of them names is followed.
            self.named.update(NAMED_ID.findall(text))
            self.follow(text + "\n" + head)

    def follow(self, text: str) -> None:
        for raw in LINK.findall(html.unescape(text)):
            url = raw.rstrip(".,;")
            path = urlsplit(url).path
            for method, pattern in self.patterns:
                if method == "get" and pattern.match(path):
                    self.queue.append(("get", url, path))

    def bindings(self, template: str) -> Iterator[str]:
        names = PLACEHOLDER.findall(template)
        if not names:
            yield template
            return
        everything = sorted({v for values in self.network.ids.values() for v in values})
        choices = []
        for name in names:
            known = self.network.ids.get(name, [])
            named = sorted(self.named)[:40]
            # A parameter this test does not know by name gets every id there is.
            choices.append(list(dict.fromkeys(known + named + ([] if known else everything))))
        for values in itertools.islice(itertools.product(*choices), 60):
            url = template
            for name, value in zip(names, values, strict=True):
                url = url.replace(f"{{{name}}}", value)
            yield url

    def crawl(self) -> None:
        self.queue: deque[tuple[str, str, str]] = deque()
        # Lists and feeds first, so the ids they name reach the operations that take ids.
        for method, template in sorted(self.open, key=lambda op: op[1].count("{")):
            for url in self.bindings(template):
                self.queue.append((method, url, template))
            while self.queue:
                self.call(*self.queue.popleft())


def test_markers_are_planted_where_their_own_people_see_them(network: Network) -> None:
    """Without this the test below could not fail: every marker is in the record, seen by the
    people entitled to it."""
    ystad = network.ystad
    seen = ""
    for need in network.ids["need_id"]:
        seen += network.world.platform_auditor.get(f"needs/{need}").get_data(as_text=True)
    for procurement in network.ids["procurement_id"]:
        seen += ystad.officer.get(f"procurements/{procurement}").get_data(as_text=True)
    for party in network.ids["party_id"]:
        seen += ystad.officer.get(f"parties/{party}").get_data(as_text=True)
    seen += ystad.officer.get("people/ystad-officer").get_data(as_text=True)
    missing = [what for marker, what in network.markers.items() if marker not in seen]
    assert missing == []


def test_no_open_operation_shows_anything_private(network: Network) -> None:
    document = _document(network.app)
    probe = Probe(network, document)
    assert probe.open, "the document marks no operation as open"
    probe.crawl()
    assert probe.calls < MAX_CALLS, "the crawl was cut short; raise MAX_CALLS"
    assert not probe.leaks, f"{len(probe.leaks)} answers:\n" + "\n".join(probe.leaks[:30])
    # Every open operation was reached, and none failed.
    failed = {op: codes for op, codes in probe.answered.items() if max(codes) >= 500}
    assert failed == {}
    assert set(probe.answered) == set(probe.open)


def test_the_probe_finds_what_an_operation_shows_its_own_people(network: Network) -> None:
    """The probe against operations that do show the markers (to the lead's officer, one of
    the callers it tries): it must report them, and reach the ids the answers name."""
    probe = Probe(network, _document(network.app))
    probe.open = [
        ("get", "/api/v1/procurements/{procurement_id}"),
        ("get", "/api/v1/parties/{party_id}"),
    ]
    probe.patterns = [(m, _template_pattern(t)) for m, t in probe.open]
    # The sole trader's entry is reached only through the id the procurement names.
    ids = {"procurement_id": network.ids["procurement_id"]}
    probe.network = dataclasses.replace(network, ids=ids)
    probe.crawl()
    assert ("get", f"/api/v1/parties/{network.ids['party_id'][0]}") in probe.seen
    found = " ".join(probe.leaks)
    for what in ("a tenderer's name", "a sole trader's personnummer", "a review applicant"):
        assert what in found, probe.leaks


@pytest.fixture(scope="module")
def open_schema(network: Network) -> Any:
    document = _document(network.app)
    opened = set(_operations(document, open_=True))
    schema = schemathesis.openapi.from_dict(document)
    schema.config.phases.update(phases=["fuzzing"])
    schema.config.generation.update(max_examples=FUZZ_EXAMPLES, database="none", deterministic=True)
    return schema, opened


def test_generated_queries_of_open_operations_show_nothing_private(
    network: Network, open_schema: Any
) -> None:
    """Query parameters (filters, cursors, formats) chosen by schemathesis, on real ids."""
    schema, opened = open_schema
    probe = Probe(network, _document(network.app))
    checked: list[str] = []
    for (method, path), operation in _each(schema, opened):
        strategy = operation.as_strategy()

        @hypothesis.given(case=strategy, data=st.data())
        @hypothesis.settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        def run(case: schemathesis.Case, data: st.DataObject) -> None:
            for name in list(case.path_parameters or {}):
                known = network.ids.get(name) or sorted(
                    {v for values in network.ids.values() for v in values}
                )
                case.path_parameters[name] = data.draw(st.sampled_from(known))
            for caller, token in probe.callers:
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                response = case.call(app=network.app, headers=headers)
                text = response.text + "\n" + str(dict(response.headers))
                probe.check(case.method, case.formatted_path, response.status_code, text, caller)

        run()
        checked.append(f"{method.upper()} {path}")
    assert checked
    assert not probe.leaks, "\n".join(probe.leaks[:30])


def _each(schema: Any, opened: set[tuple[str, str]]) -> Iterator[tuple[tuple[str, str], Any]]:
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.lower(), operation.path)
        if key in opened:
            yield key, operation


def test_every_operation_that_needs_a_token_is_private_to_its_caller(
    network: Network,
) -> None:
    """Each caller's answer is theirs alone: no shared cache may keep it, every cache keys it by
    the credentials. Reads are made by several roles of two municipalities on real ids; commands
    by a viewer (refused) and without If-Match (so nothing is written). None of them is a 5xx."""
    document = _document(network.app)
    http = network.app.test_client()
    readers = [
        network.ystad.officer,
        network.ystad.viewer,
        network.skurup.officer,
        network.world.platform_auditor,
    ]
    wrong: list[str] = []
    probes = 0
    for method, template in _operations(document, open_=False):
        names = PLACEHOLDER.findall(template)
        values = {name: (network.ids.get(name) or [str(uuid.uuid4())])[0] for name in names}
        path = template
        for name, value in values.items():
            path = path.replace(f"{{{name}}}", value)
        callers = readers if method == "get" else [network.ystad.viewer, network.ystad.officer]
        for client in callers:
            headers = {"Authorization": f"Bearer {client.token}"}
            body: dict[str, Any] | None = {} if method in WRITES else None
            response = http.open(path, method=method.upper(), headers=headers, json=body)
            probes += 1
            if response.status_code >= 500:
                wrong.append(f"{client.name} {method.upper()} {template}: {response.status_code}")
            cache = response.headers.get("Cache-Control", "")
            vary = {v.strip().lower() for v in response.headers.get("Vary", "").split(",")}
            if not cache.startswith("private") or "public" in cache or "authorization" not in vary:
                wrong.append(
                    f"{client.name} {method.upper()} {template}: {response.status_code} "
                    f"Cache-Control={cache!r} Vary={response.headers.get('Vary')!r}"
                )
    assert probes > 100
    assert wrong == [], "\n".join(wrong[:30])
