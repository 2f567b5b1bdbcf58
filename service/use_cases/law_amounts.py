"""The law's amounts on record: entering a new one (platform admins), reading the record as it
stands or stood, and the table decisions are checked against.

The record (`domain.law_amounts.LawAmounts`) is opened with the bundled seed the first time it
is needed — by a decision that checks an amount, or by an amount entered — in that same save,
so the amounts a decision was checked against are on record from that decision on. Before that,
reads show what the record opens with (the seed). At start the service imports seed entries
added to the bundled file since the record was opened (`import_new_seed_amounts`), once.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from eventsourcing.persistence import IntegrityError

from domain import clock
from domain.audit import Actor, acting_as
from domain.law_amounts import (
    LAW_AMOUNTS_ID,
    LawAmounts,
    seed_entries,
    seed_record,
    stale_series,
)
from domain.rules.thresholds import LawTable, law_table
from service.application import BaseApplication, CommandResult, command
from service.errors import Forbidden, NotFound
from service.principal import Principal

SEED_ACTOR = "seed:domain/data/procurement_law.json"


@cache
def bundled_seed() -> tuple[dict[str, Any], ...]:
    text = (resources.files("domain") / "data" / "procurement_law.json").read_text("utf-8")
    return tuple(seed_entries(json.loads(text)))


class LawAmountUseCases(BaseApplication):
    def _law_amounts_on_record(self, version: int | None = None) -> LawAmounts | None:
        try:
            return self._load(LAW_AMOUNTS_ID, LawAmounts, version)
        except NotFound:
            return None

    def _law_amounts_opened(self) -> LawAmounts:
        """The record, opened with the seed when it does not exist yet (the caller saves it
        with what it decides, all or nothing)."""
        record = self._law_amounts_on_record()
        if record is None:
            record = LawAmounts.open(bundled_seed(), entered_by=SEED_ACTOR)
        return record

    def _law_table_for_decisions(self) -> tuple[LawTable, list[LawAmounts]]:
        """The table a decision is checked against now, and what to save with the decision:
        the record, when this decision is the one that opens it."""
        record = self._law_amounts_on_record()
        if record is not None:
            return record.law_table(law_table()), []
        opened = LawAmounts.open(bundled_seed(), entered_by=SEED_ACTOR)
        return opened.law_table(law_table()), [opened]

    def law_table_now(self) -> LawTable:
        """The table decisions are checked against now (the seed before the record opens)."""
        record = self._law_amounts_on_record()
        return law_table() if record is None else record.law_table(law_table())

    @command
    def enter_law_amount(
        self,
        principal: Principal,
        *,
        series: str,
        effective_from: date,
        amount: object,
        source: str,
        note: str | None = None,
    ) -> CommandResult:
        if not (principal.is_platform and principal.has_role("platform_admin")):
            raise Forbidden("only a platform admin enters the law's amounts")
        record = self._law_amounts_opened()
        record.enter_amount(
            series=series,
            effective_from=effective_from,
            amount=amount,
            source=source,
            note=note,
            entered_by=principal.user_id,
        )
        return self._commit(record)

    def import_new_seed_amounts(self) -> int:
        """Imports seed entries not on record yet, when the record is open (a store that has
        none opens it on first use); none on a second run. Several processes starting at once
        import them once: the others' save clashes and finds them on record."""
        record = self._law_amounts_on_record()
        if record is None:
            return 0
        seeder = Actor(SEED_ACTOR, None, ("platform_admin",))
        with acting_as(seeder), clock.clock_in_use(self.event_clock):
            entered = record.seed(bundled_seed(), entered_by=SEED_ACTOR)
            if entered:
                try:
                    self.save(record)
                except IntegrityError:
                    return 0
        return entered

    def law_amounts(self, *, version: int | None = None) -> tuple[dict[str, Any], int]:
        """The amounts on record per series (at `version`), and the record's version (0: not
        opened yet; the entries are then the seed it opens with)."""
        record = self._law_amounts_on_record(version)
        if record is None:
            if version is not None:
                raise NotFound(f"the law's amounts have no version {version}")
            return seed_record(bundled_seed(), entered_by=SEED_ACTOR), 0
        return record.entries, record.version

    def law_amount_warnings(self, today: date | None = None) -> list[dict[str, Any]]:
        """Biennially revised amounts whose newest entry is more than two years old."""
        entries, _ = self.law_amounts()
        if today is None:
            with clock.clock_in_use(self.event_clock):
                today = clock.today()
        return stale_series(entries, today)
