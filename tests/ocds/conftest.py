"""Fixtures of the OCDS export tests: the demo network, and checks against the official schemas.

The packages are validated with the official OCDS 1.1.5 schemas and codelists the repository
ships (`service/ocds/schema/`), never fetched: the package schemas' `$ref`s to the release
schema's canonical URL resolve to the local files.
What is validated is the wire form (`jsonio` text read back), not the Python objects.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from service.api import create_app
from service.demo.scenario import Api, DemoResult, decision, load_demo
from service.innoledger import Innoledger
from service.ocds import jsonio
from service.principal import Principal
from service.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SCHEMA_BASE = "https://standard.open-contracting.org/schema/1__1__5/"
SCHEMA_FILES = (
    "release-schema.json",
    "release-package-schema.json",
    "record-package-schema.json",
    "versioned-release-validation-schema.json",
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
API = "/api/v1"


def ocds_dir() -> Path:
    """The repository's copy of the official schemas and codelists (see its NOTICE.md)."""
    return REPO / "service" / "ocds" / "schema"


# Validation


def _format_checker() -> FormatChecker:
    # jsonschema checks date-time and uri only with optional packages; these are explicit.
    checker = FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not RFC3339.match(value):
            return False
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    @checker.checks("uri")
    def uri(value: object) -> bool:
        return not isinstance(value, str) or bool(urlsplit(value).scheme)

    return checker


@cache
def validators() -> dict[str, Draft4Validator]:
    directory = ocds_dir()
    schemas = {name: json.loads((directory / name).read_text("utf-8")) for name in SCHEMA_FILES}
    registry: Registry = Registry().with_resources(
        (SCHEMA_BASE + name, Resource.from_contents(schema, default_specification=DRAFT4))
        for name, schema in schemas.items()
    )
    checker = _format_checker()
    return {
        kind: Draft4Validator(
            schemas[f"{kind}-schema.json"], registry=registry, format_checker=checker
        )
        for kind in ("release", "release-package", "record-package")
    }


@cache
def codelist(name: str) -> frozenset[str]:
    with (ocds_dir() / "codelists" / f"{name}.csv").open(encoding="utf-8") as file:
        return frozenset(row["Code"] for row in csv.DictReader(file))


def wire(document: dict[str, Any]) -> dict[str, Any]:
    """The document as a client reads it: written by jsonio, amounts back as Decimal."""
    read: dict[str, Any] = jsonio.loads(jsonio.dumps(document))
    return read


def assert_valid(kind: str, document: dict[str, Any]) -> None:
    errors = sorted(validators()[kind].iter_errors(wire(document)), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def _codes_of_milestones(milestones: list[dict[str, Any]]) -> None:
    for milestone in milestones:
        assert milestone.get("type") in codelist("milestoneType") | {None}
        assert milestone.get("status") in codelist("milestoneStatus") | {None}


def assert_codelists(release: dict[str, Any]) -> None:
    """Every coded value of a release (or compiled release) is in its OCDS codelist."""
    assert set(release["tag"]) <= codelist("releaseTag"), release["tag"]
    assert release["initiationType"] in codelist("initiationType")
    for party in release.get("parties", []):
        assert set(party.get("roles") or ()) <= codelist("partyRole"), party
    tender = release.get("tender", {})
    for field, name in (
        ("procurementMethod", "method"),
        ("status", "tenderStatus"),
        ("mainProcurementCategory", "procurementCategory"),
    ):
        if tender.get(field) is not None:
            assert tender[field] in codelist(name), (field, tender[field])
    for item in tender.get("items", []):
        scheme = item.get("classification", {}).get("scheme")
        assert scheme is None or scheme in codelist("itemClassificationScheme")
    for document in tender.get("documents", []):
        assert document["documentType"] in codelist("documentType")
    _codes_of_milestones(release.get("planning", {}).get("milestones", []))
    for award in release.get("awards", []):
        assert award["status"] in codelist("awardStatus"), award["status"]
    for contract in release.get("contracts", []):
        assert contract["status"] in codelist("contractStatus")
        _codes_of_milestones(contract.get("implementation", {}).get("milestones", []))
    for value in _values(release):
        assert value["currency"] in codelist("currency")


def _values(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "amount" in node and "currency" in node:
            yield node
        for child in node.values():
            yield from _values(child)
    elif isinstance(node, list):
        for child in node:
            yield from _values(child)


def assert_release_package(
    package: dict[str, Any], ocid_prefix: str = "ocds-innoledger"
) -> list[dict[str, Any]]:
    """A valid release package of one process: returns its releases (wire form)."""
    assert_valid("release-package", package)
    releases: list[dict[str, Any]] = wire(package)["releases"]
    assert len({r["id"] for r in releases}) == len(releases), "release ids must be unique"
    ocids = {r["ocid"] for r in releases}
    assert len(ocids) == 1 and next(iter(ocids)).startswith(f"{ocid_prefix}-")
    dates = [r["date"] for r in releases]
    assert dates == sorted(dates), "releases oldest first"
    for release in releases:
        assert re.fullmatch(
            rf"{re.escape(release['ocid'])}-\d+(-standstill-ended)?", release["id"]
        ), release["id"]
        assert_codelists(release)
    return releases


def tenderer_leaks(release: dict[str, Any]) -> list[str]:
    """Everything in a release that names or counts tenderers."""
    tender = release.get("tender", {})
    found = [f"tender.{key}" for key in ("tenderers", "numberOfTenderers") if key in tender]
    found += [
        f"party {p['id']}"
        for p in release.get("parties", [])
        if "tenderer" in (p.get("roles") or ())
    ]
    return found


# The network


def principal(slug: str | None, role: str) -> Principal:
    return Principal(user_id=f"{slug or 'platform'}-{role}", municipality=slug, roles=(role,))


PLATFORM_AUDITOR = principal(None, "auditor")


def register_ocds(app: Flask) -> None:
    """The OCDS blueprint, where the app factory does not register it (yet)."""
    if "ocds" not in app.blueprints:
        from service.api.resources import ocds

        api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
        api.register_blueprint(ocds.blp)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


@dataclasses.dataclass
class Network:
    """The demo network (loaded through the API), and a driver for more procurements."""

    app: Flask
    demo: DemoResult
    api: Api

    @property
    def innoledger(self) -> Innoledger:
        ledger: Innoledger = self.app.extensions["innoledger"].innoledger
        return ledger

    def token(self, slug: str, role: str) -> str:
        return self.demo.tokens[slug][role]

    def call(
        self,
        method: str,
        path: str,
        slug: str,
        role: str,
        body: Any = None,
        versioned: str | None = None,
    ) -> dict[str, Any]:
        return self.api.call(
            method, f"{API}/{path}", self.token(slug, role), body, versioned=versioned
        )

    def decide(self, pid: str, body: dict[str, Any], slug: str) -> None:
        self.call(
            "POST", f"procurements/{pid}/decisions", slug, "decision_maker", body, versioned=pid
        )

    def fact(self, pid: str, fact: str, body: dict[str, Any], slug: str) -> dict[str, Any]:
        return self.call("POST", f"procurements/{pid}/{fact}", slug, "officer", body, versioned=pid)

    def procurement(
        self,
        slug: str,
        need_title: str,
        *,
        procedure: str = "open",
        value: str = "1500000.00",
        cpv: str | None = "72000000-5",
    ) -> str:
        """A procurement of `slug` for one of its demo needs, screened, its procedure chosen;
        dated after everything the demo decides on its needs (two are published to the market in
        April 2018), since a need's decisions are kept in valid-time order."""
        need = self.demo.needs[need_title]
        path = f"needs/{need}/decisions"
        scores = {
            "impact": 4,
            "feasibility": 4,
            "market_readiness": 3,
            "cost_viability": 4,
            "organisational_readiness": 3,
        }
        self.call(
            "POST",
            path,
            slug,
            "decision_maker",
            decision("prioritise", "2018-04-20T09:00:00+02:00", "Viktigt", scores=scores),
            versioned=need,
        )
        self.call(
            "POST",
            path,
            slug,
            "decision_maker",
            decision("decide_to_procure", "2018-04-23T09:00:00+02:00", "Anskaffa"),
            versioned=need,
        )
        body: dict[str, Any] = {
            "title": f"Upphandling: {need_title}",
            "description": "Funktionsupphandling för att möta behovet",
            "estimated_value_sek": value,
            "need_ids": [need],
        }
        if cpv:
            body["cpv_code"] = cpv
        pid: str = self.call("POST", "procurements", slug, "officer", body)["id"]
        self.decide(
            pid,
            decision(
                "screen",
                "2018-04-24T09:00:00+02:00",
                "Nytt för marknaden",
                innovation=True,
                kind="functional_requirements",
            ),
            slug,
        )
        self.decide(
            pid,
            decision(
                "choose_procedure",
                "2018-04-25T09:00:00+02:00",
                "Passar behovet",
                procedure=procedure,
            ),
            slug,
        )
        return pid

    def to_evaluation(self, pid: str, slug: str, bidders: list[dict[str, str]]) -> None:
        self.decide(
            pid,
            decision(
                "publish",
                "2018-05-02T09:00:00+02:00",
                "Dokumenten godkänns",
                notice_id=f"TEST-{pid[:8]}",
                tender_deadline="2018-06-15T12:00:00+02:00",
            ),
            slug,
        )
        for bidder in bidders:
            self.fact(
                pid,
                "bids",
                {
                    "tenderer_org_number": bidder["org_number"],
                    "tenderer_name": bidder["name"],
                    "received_at": "2018-06-10T10:00:00+02:00",
                },
                slug,
            )
        self.fact(pid, "evaluation", {"at": "2018-06-16T09:00:00+02:00"}, slug)

    def award_now(self, pid: str, slug: str, supplier: dict[str, str]) -> None:
        """Award with the notice sent a minute ago: the standstill runs into the future."""
        moment = datetime.now(UTC) - timedelta(minutes=1)
        self.decide(
            pid,
            decision(
                "award",
                iso(moment),
                "Bäst pris och kvalitet",
                suppliers=[supplier],
                evaluation_summary="Högst poäng",
                notification_sent_at=iso(moment),
                sent_electronically=True,
            ),
            slug,
        )


def make_network(tmp_path: Path, **settings: Any) -> Network:
    app = create_app(Settings(database="sqlite", var_dir=tmp_path, testing=True, **settings))
    register_ocds(app)
    demo = load_demo(app)
    return Network(app=app, demo=demo, api=Api(app.test_client()))


@pytest.fixture(scope="module")
def demo_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    """The demo network as loaded: tests of this fixture only read."""
    network = make_network(tmp_path_factory.mktemp("ocds-demo"))
    yield network
    network.app.extensions["innoledger"].close()


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Network]:
    """A demo network of the test's own, to take further."""
    network = make_network(tmp_path)
    yield network
    network.app.extensions["innoledger"].close()
