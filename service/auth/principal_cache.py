"""Who a token's holder is, kept in memory per process, and revocation at once everywhere.

Authenticating a token costs two reads of the database: the token's row, and the holder's
municipality (its live roles) brought up to date from the event store. A process keeps what it
learned, keyed by the secret's hash, and before using it checks in ONE statement that nothing
it was made of changed since:

- the revocation counter (`token_revocations`), moved in the same transaction as any token's
  revocation — so a revoked token stops working on every worker and host with the next request;
- the municipality's version in the event store — so a role granted or revoked (an event of the
  municipality) takes effect at once too, with no window: the version is the record itself.

A safe request (GET, HEAD) does not pay a round trip of its own for that statement: its values
ride on the request's next read (`confirm_with_next_read`, `eventstore.companion`), and the
answer goes out only after they confirmed the holder; otherwise the request is answered again
with the token checked in full.

Expiry is checked against the clock on every request. A changed counter or version only sends
the request through the full check again; nothing is trusted that the database did not confirm
within this request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventstore.companion import CompanionCheck, send_with_next_read
from eventstore.eventlog import EventLog
from eventstore.sql import SqlStore
from service.auth.remembered import MunicipalityVersion
from service.auth.tokens import TokenRecord
from service.bounded_memory import BoundedMemory

# Enough for every token in active use on a large deployment; beyond it the oldest half goes.
MAX_ENTRIES = 20_000


class PrincipalChanged(Exception):
    """A remembered holder is not current any more: the request is answered again, with the
    token checked in full."""


@dataclass(frozen=True)
class Freshness:
    """What a cached principal was made of, as the database says now."""

    generation: int  # the revocation counter
    municipality_version: int | None  # the holder's municipality's version (None: platform)


@dataclass(frozen=True)
class KnownHolder:
    record: TokenRecord
    roles: tuple[str, ...]
    made_of: Freshness


class PrincipalCache:
    def __init__(self, store: SqlStore, events: EventLog, *, max_entries: int = MAX_ENTRIES):
        self._store = store
        self._entries: BoundedMemory[KnownHolder] = BoundedMemory(max_entries)
        self._version = MunicipalityVersion(events)
        generation = ("generation", "(SELECT generation FROM token_revocations WHERE id = 1)")
        self._platform_columns: tuple[tuple[str, str], ...] = (generation,)
        self._member_columns: tuple[tuple[str, str], ...] = (generation, self._version.column)

    def freshness(self, municipality: str | None) -> Freshness:
        """The revocation counter and the municipality's version, in one round trip."""
        columns, params = self._freshness_columns(municipality)
        rows = self._store.select(
            "SELECT " + ", ".join(f"{sql} AS {name}" for name, sql in columns), params
        )
        return self._freshness_of(municipality, rows[0] if rows else {})

    def _freshness_columns(
        self, municipality: str | None
    ) -> tuple[tuple[tuple[str, str], ...], tuple[Any, ...]]:
        if municipality is None:
            return self._platform_columns, ()
        return self._member_columns, (self._version.param(municipality),)

    @staticmethod
    def _freshness_of(municipality: str | None, row: Mapping[str, Any]) -> Freshness:
        version = None if municipality is None else int(row.get("version") or 0)
        generation = int(row.get("generation") or 0)
        return Freshness(generation=generation, municipality_version=version)

    def remembered(self, digest: str, *, now: datetime | None = None) -> KnownHolder | None:
        """The holder of the token with this secret hash as this process knows them, not yet
        confirmed by the database (expiry is checked against the clock)."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if not entry.record.is_valid_at(now or datetime.now(UTC)):
            self._forget(digest)
            return None
        return entry

    def known(self, digest: str, *, now: datetime | None = None) -> KnownHolder | None:
        """The holder of the token with this secret hash, if this process knows them and the
        database confirms now that nothing they were made of changed."""
        entry = self.remembered(digest, now=now)
        if entry is None:
            return None
        if self.freshness(entry.record.municipality) != entry.made_of:
            self._forget(digest)
            return None
        return entry

    def confirm_with_next_read(self, digest: str, entry: KnownHolder) -> CompanionCheck:
        """A check that `entry` is still current, sent with the request's next read of the
        store (one round trip for both; see `eventstore.companion`). When the database says
        otherwise the entry is forgotten and the read raises `PrincipalChanged`; whoever sent
        the check settles it (`SqlStore.settle`) before the request's answer goes out."""
        municipality = entry.record.municipality
        columns, params = self._freshness_columns(municipality)

        def receive(values: dict[str, Any]) -> None:
            if self._freshness_of(municipality, values) != entry.made_of:
                self._forget(digest)
                raise PrincipalChanged("the token's holder changed since this process knew them")

        check = CompanionCheck(self._store, columns, params, receive)
        send_with_next_read(check)
        return check

    def remember(self, digest: str, holder: KnownHolder) -> None:
        self._entries.put(digest, holder)

    def _forget(self, digest: str) -> None:
        self._entries.forget(digest)
