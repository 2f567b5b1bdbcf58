"""The joint development project: random sequences of partners' decisions, links and phases,
checked against a small model, and the project rebuilt from its own events after each step."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.audit import Actor, acting_as
from domain.decisions import DecisionRecord
from domain.errors import DomainError, InvalidValue, NotParticipant, RuleViolation
from domain.project import PHASES, Project

COORDINATOR = "skurup"
OTHERS = ("ystad", "trelleborg", "burlov")
ESTABLISHED_AT = datetime(2018, 1, 22, 17, 0, tzinfo=UTC)
AUTHORITY = {"kind": "board", "body": "Kommunstyrelsen", "minutes_reference": "KS § 12"}


def record(kind: str, municipality: str, decided_at: datetime = ESTABLISHED_AT) -> DecisionRecord:
    return DecisionRecord(
        type=kind, rationale="Motivering", authority=AUTHORITY, decided_at=decided_at,
        decided_by=f"{municipality}-decision-maker", municipality=municipality,
    )


def actor(municipality: str) -> Actor:
    return Actor(f"{municipality}-decision-maker", municipality, ("decision_maker", "officer"))


def establish() -> Project:
    with acting_as(actor(COORDINATOR)):
        return Project.establish(
            record("establish_project", COORDINATOR), title="Arbetsmodell",
            description="Med stöd av Vinnova", starts_on="2018-01-15", ends_on="2019-12-31",
            funder={"name": "Vinnova", "granted_sek": "1900000.00"},
        )


class ProjectMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.project = establish()
        self.events: list[Any] = list(self.project.collect_events())
        self.status: dict[str, str] = {}
        self.owned = {
            (m, kind): [str(uuid.uuid4()) for _ in range(2)]
            for m in (COORDINATOR, *OTHERS) for kind in ("need", "procurement")
        }
        self.links: set[tuple[str, str]] = set()  # (municipality, object id)
        self.day = ESTABLISHED_AT

    def _run(self, municipality: str, command: Any, expected: type[Exception] | None) -> None:
        self.day += timedelta(days=1)
        before = self.project.version
        with acting_as(actor(municipality)):
            if expected is None:
                command()
            else:
                with pytest.raises(expected):
                    command()
        self.events += self.project.collect_events()
        assert self.project.version == before + (0 if expected else 1)

    def takes_part(self, municipality: str) -> bool:
        return municipality == COORDINATOR or self.status.get(municipality) == "joined"

    @rule(municipality=st.sampled_from((COORDINATOR, *OTHERS)))
    def invite(self, municipality: str) -> None:
        expected: type[Exception] | None = None
        if municipality == COORDINATOR or self.status.get(municipality) in ("invited", "joined"):
            expected = RuleViolation
        self._run(COORDINATOR, lambda: self.project.invite_municipality(
            municipality=municipality, role="partner"), expected)
        if expected is None:
            self.status[municipality] = "invited"

    @rule(municipality=st.sampled_from(OTHERS),
          kind=st.sampled_from(("join_project", "decline_project", "withdraw_from_project")))
    def decide(self, municipality: str, kind: str) -> None:
        status = self.status.get(municipality)
        expected: type[Exception] | None = None
        if status is None:
            expected = NotParticipant
        elif kind == "withdraw_from_project":
            if status != "joined" or any(m == municipality for m, _ in self.links):
                expected = RuleViolation
        elif status != "invited":
            expected = RuleViolation
        decision = record(kind, municipality, self.day)
        self._run(municipality, lambda: self.project.decide_partnership(decision), expected)
        if expected is None:
            self.status[municipality] = {"join_project": "joined", "decline_project": "declined",
                                         "withdraw_from_project": "withdrawn"}[kind]

    @rule(municipality=st.sampled_from((COORDINATOR, *OTHERS)),
          owner=st.sampled_from((COORDINATOR, *OTHERS)), index=st.integers(0, 1),
          kind=st.sampled_from(("need", "procurement")))
    def link(self, municipality: str, owner: str, index: int, kind: str) -> None:
        object_id = self.owned[(owner, kind)][index]
        expected: type[Exception] | None = None
        if owner != municipality:
            expected = NotParticipant
        elif not self.takes_part(municipality) or (municipality, object_id) in self.links:
            expected = RuleViolation
        decision = record("link_to_project", municipality, self.day)
        self._run(municipality, lambda: self.project.link(
            decision, kind=kind, object_id=object_id, owner=owner), expected)
        if expected is None:
            self.links.add((municipality, object_id))

    @rule(municipality=st.sampled_from((COORDINATOR, *OTHERS)),
          owner=st.sampled_from((COORDINATOR, *OTHERS)), index=st.integers(0, 1),
          kind=st.sampled_from(("need", "procurement")))
    def unlink(self, municipality: str, owner: str, index: int, kind: str) -> None:
        object_id = self.owned[(owner, kind)][index]
        expected: type[Exception] | None = None
        if (owner, object_id) not in self.links:
            expected = RuleViolation
        elif owner != municipality:
            expected = NotParticipant
        decision = record("unlink_from_project", municipality, self.day)
        self._run(municipality, lambda: self.project.unlink(
            decision, kind=kind, object_id=object_id), expected)
        if expected is None:
            self.links.discard((owner, object_id))

    @rule(phase=st.sampled_from((*PHASES, "launch")), offset=st.integers(-30, 400),
          length=st.integers(-5, 300))
    def plan_phase(self, phase: str, offset: int, length: int) -> None:
        starts_on = date(2018, 1, 15) + timedelta(days=offset)
        ends_on = starts_on + timedelta(days=length)
        expected = InvalidValue if phase == "launch" or offset < 0 or length < 0 else None
        current = self.project.phases.get(phase)
        if expected is None and current and (current["starts_on"], current["ends_on"]) == (
            starts_on, ends_on
        ):
            expected = RuleViolation  # no change
        self._run(COORDINATOR, lambda: self.project.plan_phase(
            phase, starts_on=starts_on, ends_on=ends_on), expected)

    @invariant()
    def agrees_with_the_model(self) -> None:
        project = self.project
        assert {p["municipality"]: p["status"] for p in project.partners} == self.status
        assert {(link["municipality"], link["id"]) for link in project.links} == self.links
        # Whatever was linked stays linked only by a municipality that takes part.
        assert all(self.takes_part(link["municipality"]) for link in project.links)

    @invariant()
    def its_events_rebuild_it(self) -> None:
        copy: Any = None
        for event in self.events:
            copy = event.mutate(copy)
        assert {k: v for k, v in vars(copy).items() if k != "_pending_events"} == {
            k: v for k, v in vars(self.project).items() if k != "_pending_events"
        }


TestProjectMachine = ProjectMachine.TestCase
TestProjectMachine.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)


def test_values_are_checked_before_anything_is_recorded() -> None:
    with acting_as(actor(COORDINATOR)):
        with pytest.raises(InvalidValue) as refused:
            Project.establish(record("establish_project", COORDINATOR), title="T",
                              description="D", starts_on="2019-01-01", ends_on="2018-12-31")
        assert refused.value.field == "ends_on"
        with pytest.raises(InvalidValue) as refused:
            Project.establish(record("establish_project", COORDINATOR), title="T",
                              description="D", starts_on="2018-01-01", funder={"name": ""})
        assert refused.value.field == "funder.name"
        with pytest.raises(InvalidValue):
            Project.establish(record("join_project", COORDINATOR), title="T", description="D",
                              starts_on="2018-01-01")
        project = establish()
        project.collect_events()
        # A personnummer is never a partner's organisation number (no personal data).
        with pytest.raises(InvalidValue) as refused:
            project.add_organisation(kind="company", name="Enskild firma", role="partner",
                                     organisation_number="121212-1212")
        assert refused.value.field == "organisation_number"
        with pytest.raises(DomainError):
            project.plan_phase("pilots", starts_on="2017-12-31", ends_on="2018-02-01")
        assert project.collect_events() == []
