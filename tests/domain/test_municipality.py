"""Municipality (the tenant): registration, roles, innovation areas, delegation order, suspension.

Decisions checked against the delegation order are in test_delegation.py.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from domain.audit import Actor, acting_as
from domain.errors import InvalidValue, MissingAuditContext, RuleViolation
from domain.innovation_areas import SHARED_AREAS, shared_area_named
from domain.municipality import Municipality, municipality_id
from tests.builders import (
    LUHN_INVALID_ORG_NUMBER,
    ORG_NUMBERS,
    PLATFORM_ADMIN,
    PRIORITISED_AT,
    Team,
    adopt_order,
    authorise,
    full_delegation,
    registered_municipality,
    rule,
)

YSTAD = Team("ystad")


def register(**overrides: object) -> Municipality:
    fields: dict[str, object] = {
        "slug": "ystad",
        "name": "Ystads kommun",
        "organisation_number": ORG_NUMBERS["ystad"],
        "county": "Skåne",
    }
    fields.update(overrides)
    with acting_as(PLATFORM_ADMIN.as_actor()):
        return Municipality.register(**fields)  # type: ignore[arg-type]


# Registration


def test_registration_records_the_municipality():
    municipality = register()

    assert municipality.slug == "ystad"
    assert municipality.name == "Ystads kommun"
    assert municipality.organisation_number == "212000-1181"
    assert municipality.county == "Skåne"
    assert municipality.suspended is False
    assert municipality.members == {}
    assert municipality.innovation_areas == []
    assert municipality.delegation_orders == []
    assert municipality.version == 1
    assert municipality.tenant == "ystad"


def test_the_id_is_derived_from_the_slug():
    assert register().id == municipality_id("ystad") == register().id
    assert municipality_id("ystad") != municipality_id("skurup")


def test_an_undashed_organisation_number_is_stored_dashed():
    assert register(organisation_number="2120001181").organisation_number == "212000-1181"


@pytest.mark.parametrize(
    "organisation_number",
    [
        LUHN_INVALID_ORG_NUMBER,  # last digit should be 1
        "212000-1180",
        "5566778890",  # undashed, Luhn digit should be 9
        "556677-889",  # too short
        "21200-01181",  # dash in the wrong place
        "",
    ],
)
def test_a_luhn_invalid_or_malformed_organisation_number_is_refused(organisation_number):
    with pytest.raises(InvalidValue) as refusal:
        register(organisation_number=organisation_number)

    assert refusal.value.field == "organisation_number"
    assert refusal.value.rule == "invalid_value"


@pytest.mark.parametrize("slug", ["Ystad", "y", "1ystad", "ys tad", "ystad_", "-ystad", "å" * 3])
def test_a_bad_slug_is_refused(slug):
    with pytest.raises(InvalidValue) as refusal:
        register(slug=slug)
    assert refusal.value.field == "slug"


def test_a_county_that_is_no_swedish_county_is_refused():
    with pytest.raises(InvalidValue) as refusal:
        register(county="Själland")
    assert refusal.value.field == "county"


def test_an_empty_name_is_refused():
    with pytest.raises(InvalidValue) as refusal:
        register(name="   ")
    assert refusal.value.field == "name"


# Members and roles


def test_granting_and_revoking_roles():
    municipality = register()
    with acting_as(YSTAD.actor("tenant_admin")):
        municipality.grant_role("anna", "officer")
        municipality.grant_role("anna", "decision_maker")
        municipality.grant_role("bo", "viewer")
        assert municipality.roles_of("anna") == ("officer", "decision_maker")

        municipality.revoke_role("anna", "officer")
        assert municipality.roles_of("anna") == ("decision_maker",)

        municipality.revoke_role("bo", "viewer")
    assert "bo" not in municipality.members
    assert municipality.roles_of("bo") == ()
    assert municipality.version == 6


def test_granting_a_role_held_already_is_refused():
    municipality = register()
    with acting_as(YSTAD.actor("tenant_admin")):
        municipality.grant_role("anna", "officer")
        with pytest.raises(RuleViolation) as refusal:
            municipality.grant_role("anna", "officer")
    assert refusal.value.rule == "role_held"
    assert municipality.version == 2


def test_revoking_a_role_not_held_is_refused():
    municipality = register()
    with acting_as(YSTAD.actor("tenant_admin")):
        municipality.grant_role("anna", "officer")
        with pytest.raises(RuleViolation) as refusal:
            municipality.revoke_role("anna", "viewer")
    assert refusal.value.rule == "role_not_held"
    assert municipality.version == 2


@pytest.mark.parametrize("role", ["auditor", "tenant_admin", "viewer"])
def test_nobody_grants_a_role_to_themself(role):
    """Separation of duties: a tenant admin granting itself `auditor` would read bids."""
    municipality = register()
    admin = YSTAD.actor("tenant_admin")
    with acting_as(admin), pytest.raises(RuleViolation) as refusal:
        municipality.grant_role(admin.user_id, role)
    assert refusal.value.rule == "self_grant"
    assert municipality.version == 1
    with acting_as(YSTAD.actor("officer")):
        municipality.grant_role(admin.user_id, role)  # another admin's grant is fine
    assert role in municipality.roles_of(admin.user_id)


@pytest.mark.parametrize("role", ["platform_admin", "admin", ""])
def test_only_tenant_roles_can_be_granted(role):
    municipality = register()
    with acting_as(YSTAD.actor("tenant_admin")), pytest.raises(InvalidValue) as refusal:
        municipality.grant_role("anna", role)
    assert refusal.value.field == "role"
    assert municipality.version == 1


# Innovation areas


def test_innovation_areas_are_added_and_retired():
    municipality = register()
    with acting_as(YSTAD.actor("tenant_admin")):
        area_id = municipality.add_innovation_area(
            "Rena och torra golv", "Halkolyckor i äldreomsorgen"
        )
        other_id = municipality.add_innovation_area("Överskottsenergi")
        municipality.retire_innovation_area(area_id)

    assert municipality.innovation_area(area_id) == {
        "id": area_id,
        "name": "Rena och torra golv",
        "description": "Halkolyckor i äldreomsorgen",
        "visibility": "municipality",
        "retired": True,
    }
    assert municipality.innovation_area(other_id)["retired"] is False
    municipality.require_active_area(other_id)
    with pytest.raises(RuleViolation) as refusal:
        municipality.require_active_area(area_id)
    assert refusal.value.rule == "area_retired"


def test_the_shared_catalogue_is_every_municipality_s_without_adding_anything():
    municipality = register()
    assert municipality.innovation_areas == []
    names = [area.name for area in SHARED_AREAS]
    assert len(names) == 9 and len(set(names)) == 9
    assert [a["name"] for a in municipality.areas_to_file_under()] == names
    for area in SHARED_AREAS:
        municipality.require_active_area(area.id)
        assert municipality.area_name(area.id) == area.name
    # The ids are fixed: the same in every store, whenever it was made.
    assert shared_area_named("Lärprocess för AI").id == "e8496be4-e4d3-55db-ab1d-5b7e96a745bd"
    with pytest.raises(InvalidValue) as refusal:
        municipality.require_active_area("00000000-0000-4000-8000-000000000000")
    assert refusal.value.field == "innovation_area_id"


def test_an_own_area_is_listed_to_the_municipality_unless_it_lists_it_for_the_network():
    municipality = register()
    with acting_as(YSTAD.actor("tenant_admin")):
        own = municipality.add_innovation_area("Trygg skolväg")
        network = municipality.add_innovation_area("Hållbara måltider", visibility="network")
        with pytest.raises(InvalidValue) as refusal:
            municipality.add_innovation_area("Annat", visibility="everyone")
    assert refusal.value.field == "visibility"
    assert municipality.innovation_area(own)["visibility"] == "municipality"
    assert municipality.innovation_area(network)["visibility"] == "network"
    assert [a["name"] for a in municipality.areas_to_file_under()][9:] == [
        "Trygg skolväg", "Hållbara måltider"
    ]


def test_areas_added_before_they_had_a_visibility_read_as_the_municipality_s_own():
    """Stored events and snapshots of before are upcast, never rewritten."""
    app = Application[Any](env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    municipality = register()
    with acting_as(YSTAD.actor("tenant_admin")):
        area_id = municipality.add_innovation_area("Privat mark", visibility="network")
    app.save(municipality)
    [_, stored] = app.recorder.select_events(municipality.id)
    state = json.loads(stored.state)
    del state["visibility"], state["class_version"]
    old = StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                      json.dumps(state).encode())
    assert app.mapper.to_domain_event(old).visibility == "municipality"

    snapshot = Municipality.Snapshot.take(municipality)
    stored_snapshot = app.mapper.to_stored_event(snapshot)
    state = json.loads(stored_snapshot.state)
    del state["state"]["class_version"]
    del state["state"]["innovation_areas"][0]["visibility"]
    old_snapshot = StoredEvent(stored_snapshot.originator_id, stored_snapshot.originator_version,
                               stored_snapshot.topic, json.dumps(state).encode())
    restored = app.mapper.to_domain_event(old_snapshot).mutate(None)
    assert restored.innovation_area(area_id)["visibility"] == "municipality"


def test_an_active_area_with_the_same_name_is_refused_whatever_the_case():
    municipality = register()
    with acting_as(YSTAD.actor("tenant_admin")):
        municipality.add_innovation_area("Lärprocess för AI")
        with pytest.raises(RuleViolation) as refusal:
            municipality.add_innovation_area("LÄRPROCESS FÖR AI")
    assert refusal.value.rule == "area_exists"
    assert municipality.version == 2


def test_a_retired_area_name_can_be_used_again():
    municipality = register()
    with acting_as(YSTAD.actor("tenant_admin")):
        old = municipality.add_innovation_area("Lärprocess för AI")
        municipality.retire_innovation_area(old)
        new = municipality.add_innovation_area("Lärprocess för AI")
    assert new != old
    assert [a["retired"] for a in municipality.innovation_areas] == [True, False]


def test_retiring_twice_is_refused():
    municipality = register()
    with acting_as(YSTAD.actor("tenant_admin")):
        area_id = municipality.add_innovation_area("Privat mark")
        municipality.retire_innovation_area(area_id)
        with pytest.raises(RuleViolation) as refusal:
            municipality.retire_innovation_area(area_id)
    assert refusal.value.rule == "area_retired"
    assert municipality.version == 3


def test_an_unknown_area_is_refused():
    municipality = register()
    with acting_as(YSTAD.actor("tenant_admin")), pytest.raises(InvalidValue) as refusal:
        municipality.retire_innovation_area("no-such-area")
    assert refusal.value.field == "innovation_area_id"


# Delegation order


def test_delegation_orders_are_versioned_with_their_effective_date():
    municipality = register()
    with acting_as(YSTAD.actor("tenant_admin")):
        first = adopt_order(
            municipality, date(2018, 1, 1), [rule("R1", "award", "decision_maker", "1000000")]
        )
        second = adopt_order(municipality, date(2019, 1, 1), full_delegation())

    assert (first, second) == (1, 2)
    assert municipality.delegation_orders[0] == {
        "version": 1,
        "effective_from": date(2018, 1, 1),
        "rules": [
            {
                "rule_id": "R1",
                "decision_type": "award",
                "role": "decision_maker",
                "max_value_sek": Decimal("1000000.00"),
            }
        ],
        "decision": {
            "type": "adopt_delegation_order",
            "rationale": "Delegationsordning antagen",
            "authority": {
                "kind": "board",
                "body": "Kommunstyrelsen",
                "meeting_date": date(2018, 1, 1),
                "minutes_reference": "Kommunstyrelsen 2018-01-01 § 12",
            },
            "decided_at": datetime(2018, 1, 1, 17, 0, tzinfo=UTC),
            "decided_by": "ystad-tenant-admin",
            "municipality": "ystad",
        },
    }
    assert municipality.delegation_order_on(date(2017, 12, 31)) is None
    assert municipality.delegation_order_on(date(2018, 12, 31))["version"] == 1
    assert municipality.delegation_order_on(date(2019, 1, 1))["version"] == 2


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ([], "rules"),
        (None, "rules"),
        ([rule("R1", "award"), rule("R1", "cancel")], "rules"),
        ([rule("R1", "buy_coffee")], "rules[0].decision_type"),
        ([rule("R1", "award", role="viewer")], "rules[0].role"),
        ([rule("R1", "award", role="auditor")], "rules[0].role"),
        ([rule("", "award")], "rules[0].rule_id"),
        ([rule("R1", "award", max_value_sek=1000000.0)], "rules[0].max_value_sek"),
        ([rule("R1", "award", max_value_sek="-1")], "rules[0].max_value_sek"),
        (["award"], "rules[0]"),
    ],
)
def test_a_malformed_delegation_order_is_refused(rules, field):
    municipality = register()
    with acting_as(YSTAD.actor("tenant_admin")), pytest.raises(InvalidValue) as refusal:
        adopt_order(municipality, date(2018, 1, 1), rules)
    assert refusal.value.field == field
    assert municipality.delegation_orders == []
    assert municipality.version == 1


def test_the_effective_date_must_be_a_calendar_date():
    municipality = register()
    with acting_as(YSTAD.actor("tenant_admin")), pytest.raises(InvalidValue) as refusal:
        adopt_order(
            municipality,
            datetime(2018, 1, 1, tzinfo=UTC),  # type: ignore[arg-type]
            full_delegation(),
            meeting=date(2018, 1, 1),
        )
    assert refusal.value.field == "effective_from"


# Suspension


def test_suspension_and_reactivation():
    municipality = registered_municipality()
    version = municipality.version
    with acting_as(PLATFORM_ADMIN.as_actor()):
        municipality.suspend("Avtalet med plattformen är uppsagt")
        assert municipality.suspended is True
        with pytest.raises(RuleViolation) as refusal:
            municipality.require_active()
        assert refusal.value.rule == "municipality_suspended"

        municipality.reactivate("Nytt avtal tecknat")
    assert municipality.suspended is False
    assert municipality.version == version + 2
    municipality.require_active()


def test_suspending_twice_and_reactivating_an_active_municipality_are_refused():
    municipality = register()
    with acting_as(PLATFORM_ADMIN.as_actor()):
        with pytest.raises(RuleViolation) as refusal:
            municipality.reactivate("fel")
        assert refusal.value.rule == "not_suspended"
        municipality.suspend("uppsagt")
        with pytest.raises(RuleViolation) as refusal:
            municipality.suspend("igen")
        assert refusal.value.rule == "already_suspended"
    assert municipality.version == 2


def test_a_suspended_municipality_takes_no_decisions():
    municipality = registered_municipality()
    with acting_as(PLATFORM_ADMIN.as_actor()):
        municipality.suspend("uppsagt")
    with pytest.raises(RuleViolation) as refusal:
        authorise(municipality, YSTAD.actor("decision_maker"), "prioritise", PRIORITISED_AT)
    assert refusal.value.rule == "municipality_suspended"


def test_a_suspension_needs_a_rationale():
    municipality = register()
    with acting_as(PLATFORM_ADMIN.as_actor()), pytest.raises(InvalidValue):
        municipality.suspend("  ")
    assert municipality.suspended is False


# Audit metadata


def test_every_event_carries_the_audit_metadata():
    platform = Actor("platform-admin", None, ("platform_admin",), "req-1")
    admin = Actor("ystad-admin", "ystad", ("tenant_admin", "auditor"), "req-2")
    with acting_as(platform):
        municipality = Municipality.register(
            slug="ystad", name="Ystads kommun", organisation_number="2120001181", county="Skåne"
        )
    with acting_as(admin):
        municipality.grant_role("anna", "officer")
        area = municipality.add_innovation_area("Lärprocess för AI")
        municipality.retire_innovation_area(area)
        adopt_order(municipality, date(2018, 1, 1), full_delegation())
        municipality.revoke_role("anna", "officer")
    with acting_as(platform):
        municipality.suspend("uppsagt")
        municipality.reactivate("åter")

    events = municipality.collect_events()
    assert len(events) == 8
    by_platform = [events[0], events[6], events[7]]
    for event in by_platform:
        assert event.audit == {
            "tenant": "ystad",
            "actor": "platform-admin",
            "actor_municipality": None,
            "actor_roles": ["platform_admin"],
            "request_id": "req-1",
        }
    for event in events[1:6]:
        assert event.audit == {
            "tenant": "ystad",
            "actor": "ystad-admin",
            "actor_municipality": "ystad",
            "actor_roles": ["auditor", "tenant_admin"],
            "request_id": "req-2",
        }


def test_an_event_without_an_acting_context_is_refused():
    with pytest.raises(MissingAuditContext):
        Municipality.register(
            slug="ystad", name="Ystads kommun", organisation_number="212000-1181", county="Skåne"
        )
    municipality = register()
    with pytest.raises(MissingAuditContext):
        municipality.grant_role("anna", "officer")
    with pytest.raises(MissingAuditContext):
        municipality.suspend("uppsagt")
    assert municipality.version == 1
    assert municipality.members == {}
    assert municipality.suspended is False
    assert len(municipality.collect_events()) == 1
