"""Rebuild rate of the views against merely reading and decoding the same events.

    python -m bench.network_generator --events 20000 [--database sqlite|postgres]

Fills an empty store with a synthetic network (municipalities, needs, procurements from
planning to closed, in bulk through the domain model), then measures, on the same store:

* read + decode: every event selected in batches, as the projections read the log, and decoded
  by the application's mapper, the least any rebuild has to do;
* the rebuild of each view, and of all views one after the other;

and prints events per second (events in the log / seconds) and the ratio to read + decode.
Target (spec §8): each rebuild at least 0.5 × read + decode.

SQLite uses a fresh file in a temporary directory; PostgreSQL uses the INNOLEDGER_TEST_POSTGRES_*
cluster (scripts/with-test-postgres) in a fresh schema, or else POSTGRES_* settings as they are.
Not a test: nothing here is collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from domain.audit import Actor, acting_as
from domain.decisions import DecisionRecord
from domain.municipality import Municipality
from domain.need import QUADRANTS, Need
from domain.procurement import Procurement
from domain.values.org_number import luhn_check_digit
from service.innoledger import Innoledger
from service.settings import PostgresSettings, Settings

AREAS = (
    "Ökat samutnyttjande", "Samutnyttjade lokaler", "Privat mark", "Överskottsenergi",
    "Delningstjänst för transporter, boende och LSS", "Rena och torra golv",
    "Lärprocess för AI", "AR i stadsplanering", "Delningstjänst mellan kommuner",
)  # fmt: skip
WORDS = (
    "digital", "tjänst", "energi", "lokaler", "transport", "skola", "golv", "karta", "data",
    "delning", "omsorg", "mark", "planering", "lärande", "sensorer", "fordon",
)  # fmt: skip
DECIDED_AT = datetime(2019, 3, 14, 10, 0, tzinfo=UTC)
PUBLISH_AT = datetime(2019, 9, 2, 10, 0, tzinfo=UTC)
TENDER_DEADLINE = datetime(2019, 10, 14, 10, 0, tzinfo=UTC)
BID_AT = datetime(2019, 10, 10, 10, 0, tzinfo=UTC)
EVALUATION_AT = datetime(2019, 10, 15, 10, 0, tzinfo=UTC)
AWARD_AT = datetime(2019, 11, 20, 10, 0, tzinfo=UTC)
PLATFORM = Actor("bench-platform-admin", None, ("platform_admin",), "req-bench")


def org_number(n: int) -> str:
    first = f"2120{n % 100000:05d}"
    return f"{first[:6]}-{first[6:]}{luhn_check_digit(first)}"


def supplier(n: int) -> dict[str, str]:
    first = f"5560{n % 100000:05d}"
    return {"org_number": f"{first[:6]}-{first[6:]}{luhn_check_digit(first)}",
            "name": f"Leverantör {n} AB"}


class NetworkGenerator:
    """A deterministic synthetic network, saved in bulk: every event passes the domain's rules;
    decisions are taken by board decisions recorded by the decision maker (no delegation
    lookup), which the views treat like any other decision."""

    def __init__(self, app: Innoledger, seed: int = 4):
        self.app = app
        self.random = random.Random(seed)
        # Its own stream, so adding market publications left the rest of the network as it was.
        self.market_random = random.Random(seed + 1)
        self.municipalities: list[Municipality] = []
        self.areas: dict[str, list[str]] = {}
        self._counter = 0

    def actor(self, slug: str, role: str) -> Actor:
        return Actor(f"{slug}-{role}", slug, (role,), f"req-{uuid.uuid4().hex[:8]}")

    def decision(self, slug: str, kind: str, at: datetime = DECIDED_AT,
                 value: Decimal | None = None) -> DecisionRecord:
        return DecisionRecord(
            type=kind,
            rationale=f"Motivering för {kind}",
            authority={"kind": "board", "body": "Kommunstyrelsen",
                       "minutes_reference": f"KS {at.date().isoformat()} § 12"},
            decided_at=at,
            decided_by=f"{slug}-decision_maker",
            municipality=slug,
            value_sek=value,
        )

    def add_municipalities(self, count: int) -> None:
        batch = []
        for index in range(count):
            slug = f"kommun-{len(self.municipalities) + index + 1:03d}"
            with acting_as(PLATFORM):
                municipality = Municipality.register(
                    slug=slug, name=f"Kommun {slug[-3:]}",
                    organisation_number=org_number(len(self.municipalities) + index + 1),
                    county="Skåne",
                )
                municipality.grant_role(f"{slug}-tenant_admin", "tenant_admin")
            with acting_as(self.actor(slug, "tenant_admin")):
                for role in ("officer", "decision_maker", "auditor"):
                    municipality.grant_role(f"{slug}-{role}", role)
                self.areas[slug] = [
                    municipality.add_innovation_area(name)
                    for name in self.random.sample(AREAS, 3)
                ]
            batch.append(municipality)
        self.app.save(*batch)
        self.municipalities.extend(batch)

    def title(self) -> str:
        return " ".join(self.random.sample(WORDS, 3)).capitalize()

    def need_story(self, slug: str) -> Need | _Saved:
        """A need of `slug` walked along a random path: the need itself when a procurement
        should follow, else wrapped to be saved as it is."""
        rnd = self.random
        officer = self.actor(slug, "officer")
        with acting_as(officer):
            need = Need.identify(
                owner=slug, title=self.title(),
                problem_statement=f"Problem {self._next()}: {' '.join(rnd.sample(WORDS, 6))}",
                innovation_area_id=rnd.choice(self.areas[slug]),
                affected_end_users=["invånare"], competences=["IT", "upphandling"],
            )
            for quadrant in QUADRANTS:
                need.add_swot_item(quadrant=quadrant, text=f"{quadrant} {rnd.choice(WORDS)}",
                                   author=officer.user_id)
            if rnd.random() < 0.5:
                need.record_workshop(held_on=date(2019, 2, 1), competences_present=["IT"],
                                     participant_count=rnd.randint(3, 20))
            title = self.title()
            if rnd.random() < 0.3 and title != need.title:
                need.edit(title=title)
            if rnd.random() < 0.6:
                need.share()
        if need.is_shared and rnd.random() < 0.3:
            other = rnd.choice(self.municipalities).slug
            if other != slug:
                with acting_as(self.actor(other, "officer")) as actor:
                    need.join_as_co_owner(actor)
        with acting_as(self.actor(slug, "decision_maker")):
            roll = rnd.random()
            if roll < 0.1:
                need.reject(self.decision(slug, "reject"), reason="duplicate")
                return _Saved(need)
            if roll < 0.2:
                need.park(self.decision(slug, "park"))
                need.reopen(self.decision(slug, "reopen"))
            need.prioritise(
                self.decision(slug, "prioritise"),
                scores={c: rnd.randint(1, 5) for c in (
                    "impact", "feasibility", "market_readiness", "cost_viability",
                    "organisational_readiness")},
            )
            if self.market_random.random() < 0.2:
                need.publish_to_market(self.decision(slug, "publish_to_market"),
                                       summary="Leverantörsdialog")
                if self.market_random.random() < 0.3:
                    need.withdraw_from_market(self.decision(slug, "withdraw_from_market"))
            if rnd.random() < 0.6:
                need.decide_to_procure(self.decision(slug, "decide_to_procure"))
                return need
        if need.is_shared and not need.co_owners and rnd.random() < 0.2:
            with acting_as(officer):
                need.unshare()
        return need if need.status == "procurement_decided" else _Saved(need)

    def procurement_story(self, need: Need) -> list[Any]:
        """A procurement for `need`, walked to a random end; returns what to save."""
        rnd = self.random
        slug = need.owner
        direct = rnd.random() < 0.2
        value = Decimal(rnd.choice(("350000", "650000", "1500000", "2200000", "4800000")))
        if direct:
            value = Decimal("450000")
        with acting_as(self.actor(slug, "officer")):
            procurement = Procurement.start(
                lead=slug, title=f"Upphandling: {need.title}", description="Beskrivning",
                estimated_value_sek=str(value), need_ids=[str(need.id)],
                case_number=f"KS 2019/{self._next()}",
            )
            need.attach_to_procurement(str(procurement.id))
            partner = rnd.choice(self.municipalities).slug
            if partner != slug and rnd.random() < 0.4:
                procurement.invite_participant(municipality=partner, role="participant")
        if procurement.participants:
            with acting_as(self.actor(partner, "decision_maker")):
                procurement.decide_participation(self.decision(partner, rnd.choice(
                    ("join", "decline"))))
        stop = rnd.random()
        with acting_as(self.actor(slug, "decision_maker")):
            innovation = rnd.random() < 0.4
            procurement.screen(self.decision(slug, "screen"), innovation=innovation,
                               kind="functional_requirements" if innovation else None)
            procurement.choose_procedure(self.decision(slug, "choose_procedure", value=value),
                                         procedure="direct_award" if direct else "open")
            if stop < 0.1:
                procurement.cancel(self.decision(slug, "cancel"))
                with acting_as(self.actor(slug, "officer")):
                    need.release_from_procurement(str(procurement.id))
                return [procurement, need]
            if not direct:
                procurement.publish(self.decision(slug, "publish", PUBLISH_AT, value),
                                    notice_id=f"TED-2019/S-{self._next()}",
                                    tender_deadline=TENDER_DEADLINE)
        if stop < 0.25:
            return [procurement, need]
        winners = [supplier(self._next()) for _ in range(3)]
        with acting_as(self.actor(slug, "officer")):
            if not direct:
                for bidder in winners:
                    procurement.record_bid(tenderer_org_number=bidder["org_number"],
                                           tenderer_name=bidder["name"], received_at=BID_AT)
                procurement.start_evaluation(at=EVALUATION_AT)
        with acting_as(self.actor(slug, "decision_maker")):
            procurement.award_contract(
                self.decision(slug, "award", AWARD_AT, value), suppliers=[winners[0]],
                evaluation_summary="Bäst pris och kvalitet", notification_sent_at=AWARD_AT,
                sent_electronically=True,
            )
            if stop < 0.4:
                return [procurement, need]
            assert procurement.award is not None
            signed_on = procurement.award.earliest_signing_day + timedelta(days=2)
            contract_value = value - Decimal("10000")
            procurement.sign_contract(
                self.decision(slug, "sign_contract", AWARD_AT + timedelta(days=20),
                              contract_value),
                supplier_org_number=winners[0]["org_number"],
                contract_value_sek=str(contract_value), signed_on=signed_on)
        with acting_as(self.actor(slug, "officer")):
            procurement.record_milestone(title="Driftstart", reached_on=signed_on)
            procurement.record_follow_up(need_id=str(need.id), followed_up_on=signed_on,
                                         effect="Bättre", measurement="Enkät")
            procurement.record_lesson(text=f"Lärdom {self._next()}",
                                      shareable=rnd.random() < 0.7)
        if stop < 0.7:
            return [procurement, need]
        with acting_as(self.actor(slug, "decision_maker")):
            procurement.close(self.decision(slug, "close", AWARD_AT + timedelta(days=60)),
                              outcome="completed")
            need.mark_realised(self.decision(slug, "mark_realised",
                                             AWARD_AT + timedelta(days=61)), procurement)
        return [procurement, need]

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def fill(self, events: int, *, municipalities: int = 12) -> int:
        """Adds stories until the log holds at least `events` events; returns the head."""
        if not self.municipalities:
            self.add_municipalities(municipalities)
        head = self.app.recorder.max_notification_id() or 0
        while head < events:
            pending: list[Any] = []
            for _ in range(20):
                slug = self.random.choice(self.municipalities).slug
                story = self.need_story(slug)
                if isinstance(story, Need):
                    pending.extend(self.procurement_story(story))
                else:
                    pending.append(story.need)
            self.app.save(*pending)
            head = self.app.recorder.max_notification_id() or 0
        return head


class _Saved:
    """A need to save as it is (no procurement follows)."""

    def __init__(self, need: Need):
        self.need = need


# Measuring


def read_and_decode(app: Innoledger, batch_size: int = 1000) -> tuple[int, float]:
    """Every event of the log read in batches and decoded into its domain event: the least a
    rebuild does. Read the fastest way the project has (`eventstore.log.select_stored`, as the
    projections read), each row made into the Notification, with the UUID, that the mapper
    decodes."""
    from eventsourcing.persistence import Notification

    from eventstore.log import select_stored
    from eventstore.sql import SqlStore

    store, to_domain_event = SqlStore(app.recorder), app.mapper.to_domain_event
    started = time.perf_counter()
    head = app.recorder.max_notification_id() or 0
    position, count = 0, 0
    while position < head:
        rows = select_stored(store, app.recorder, after=position, upto=head, limit=batch_size)
        if not rows:
            break
        for row_id, originator_id, version, topic, state in rows:
            to_domain_event(Notification(id=row_id, originator_id=uuid.UUID(originator_id),
                                         originator_version=version, topic=topic, state=state))
        count += len(rows)
        position = rows[-1][0]
    return count, time.perf_counter() - started


@contextmanager
def bench_settings(database: str) -> Iterator[Settings]:
    if database == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield Settings(database="sqlite", var_dir=Path(tmp))
        return
    host = os.environ.get("INNOLEDGER_TEST_POSTGRES_HOST")
    if not host:
        yield Settings.from_env()
        return
    import psycopg

    pg = PostgresSettings(
        host=host,
        port=int(os.environ["INNOLEDGER_TEST_POSTGRES_PORT"]),
        user=os.environ["INNOLEDGER_TEST_POSTGRES_USER"],
        password=os.environ["INNOLEDGER_TEST_POSTGRES_PASSWORD"],
        dbname=os.environ["INNOLEDGER_TEST_POSTGRES_DB"],
        schema=f"bench_{uuid.uuid4().hex[:12]}",
    )
    dsn = f"host={pg.host} port={pg.port} user={pg.user} password={pg.password} dbname={pg.dbname}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {pg.schema}")
    try:
        yield Settings(database="postgres", postgres=pg)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {pg.schema} CASCADE")


def main(argv: list[str] | None = None) -> None:
    from projections.rebuild import rebuild
    from projections.registry import all_projections

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measurement; the fastest counts")
    args = parser.parse_args(argv)
    with bench_settings(args.database) as settings:
        app = Innoledger(settings)
        try:
            started = time.perf_counter()
            head = NetworkGenerator(app).fill(args.events)
            print(f"{args.database}: {head} events generated in"
                  f" {time.perf_counter() - started:.1f} s")
            print(f"{'':<24} {'read+decode':>12} {'rebuild':>12}   ratio")
            total_base = total_rebuild = 0.0
            for projection in all_projections():
                # Alternating the two measurements keeps a busy machine from favouring one.
                base, seconds = float("inf"), float("inf")
                for _ in range(args.repeat):
                    base = min(base, read_and_decode(app, args.batch_size)[1])
                    seconds = min(seconds, rebuild(app, projection,
                                                   batch_size=args.batch_size).seconds)
                total_base += base
                total_rebuild += seconds
                print(f"{projection.name:<24} {head / base:>8,.0f} ev/s {head / seconds:>8,.0f}"
                      f" ev/s   {base / seconds:.2f}")
            print(f"{'all six, one by one':<24} {len(all_projections()) * head / total_base:>8,.0f}"
                  f" ev/s {head / total_rebuild:>8,.0f} ev/s"
                  f"   {total_base / len(all_projections()) / total_rebuild:.2f}")
        finally:
            app.close()


if __name__ == "__main__":
    main()
