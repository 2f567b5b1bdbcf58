"""The party directory: sole traders' identity numbers and names, out of the event store.

A sole trader (enskild näringsidkare) tenders and signs under their personnummer. That number and
their name are personal data, so events never hold them: a bid, an award or a contract refers to
the trader by an opaque party id, and the number and name live here, one row per municipality
that recorded them. Erasing (GDPR art. 17) clears the row's number and name and keeps the
tombstone: history and OCDS then show the party as erased, and nothing in the event store or the
ledger changes. Organisations (third digit of the number 2 or more) are not personal data and stay
in the events as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from domain.values.personal_identity import PersonalIdentityNumber
from domain.values.text import required_text
from eventstore.schema import ensure_tables
from eventstore.sql import SqlStore

PARTIES = "party_directory"
TABLES = [
    f"""CREATE TABLE IF NOT EXISTS {PARTIES} (
        party_id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        identity_number TEXT,
        name TEXT,
        recorded_at TEXT NOT NULL,
        erased_at TEXT
    )""",
    # One live entry per person and municipality; erased rows hold NULL and never collide.
    f"CREATE UNIQUE INDEX IF NOT EXISTS {PARTIES}_person ON {PARTIES} (tenant, identity_number)",
]


@dataclass(frozen=True)
class Party:
    party_id: str
    tenant: str
    identity_number: str | None  # the ten digits; None once erased
    name: str | None
    recorded_at: datetime
    erased_at: datetime | None

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    @property
    def shown_number(self) -> str | None:
        digits = self.identity_number
        return None if digits is None else f"{digits[:6]}-{digits[6:]}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "party_id": self.party_id,
            "municipality": self.tenant,
            "kind": "sole_trader",
            "identity_number": self.shown_number,
            "name": self.name,
            "recorded_at": self.recorded_at,
            "erased": self.erased,
            "erased_at": self.erased_at,
        }


def _party(row: dict[str, Any]) -> Party:
    return Party(
        party_id=row["party_id"],
        tenant=row["tenant"],
        identity_number=row["identity_number"],
        name=row["name"],
        recorded_at=datetime.fromisoformat(row["recorded_at"]),
        erased_at=None if row["erased_at"] is None else datetime.fromisoformat(row["erased_at"]),
    )


_DIRECTORIES: WeakKeyDictionary[Any, PartyDirectory] = WeakKeyDictionary()
_COLUMNS = "party_id, tenant, identity_number, name, recorded_at, erased_at"


class PartyDirectory:
    def __init__(self, store: SqlStore):
        self.store = store
        self._ready = False

    @classmethod
    def of(cls, app: Any) -> PartyDirectory:
        """The directory of an application's store, one per application (tables checked once)."""
        directory = _DIRECTORIES.get(app)
        if directory is None:
            directory = _DIRECTORIES[app] = cls(SqlStore(app.recorder))
        return directory

    def create_tables(self) -> None:
        if not self._ready:
            ensure_tables(self.store, TABLES)
            self._ready = True

    def find_person(self, tenant: str, number: PersonalIdentityNumber) -> Party | None:
        """The municipality's live entry for this person, if it has one."""
        self.create_tables()
        with self.store.reading() as cursor:
            row = cursor.execute(
                f"SELECT {_COLUMNS} FROM {PARTIES} WHERE tenant = ? AND identity_number = ?",
                (tenant, number.digits),
            ).fetchone()
        return None if row is None else _party(row)

    def record_person(
        self, tenant: str, number: PersonalIdentityNumber, name: object, *, name_field: str
    ) -> tuple[Party, bool]:
        """The municipality's entry for this person, made if it has none: (entry, made now)."""
        clean_name = required_text(name, field=name_field, max_length=200)
        self.create_tables()
        with self.store.transaction() as cursor:
            row = cursor.execute(
                f"SELECT {_COLUMNS} FROM {PARTIES} WHERE tenant = ? AND identity_number = ?",
                (tenant, number.digits),
            ).fetchone()
            if row is not None:
                return _party(row), False
            party_id = str(uuid.uuid4())
            cursor.execute(
                f"INSERT INTO {PARTIES} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL)",
                (party_id, tenant, number.digits, clean_name, datetime.now(UTC).isoformat()),
            )
        party = self.get(party_id)
        assert party is not None
        return party, True

    def forget_unused(self, party_id: str) -> None:
        """Removes an entry a refused command made: nothing refers to it."""
        self.create_tables()
        with self.store.transaction() as cursor:
            cursor.execute(f"DELETE FROM {PARTIES} WHERE party_id = ?", (party_id,))

    def get(self, party_id: str) -> Party | None:
        return self.get_many([party_id]).get(party_id)

    def get_many(self, party_ids: Iterable[str | None]) -> dict[str, Party]:
        ids = sorted({p for p in party_ids if p})
        if not ids:
            return {}
        self.create_tables()
        marks = ",".join("?" * len(ids))
        with self.store.reading() as cursor:
            rows = cursor.execute(
                f"SELECT {_COLUMNS} FROM {PARTIES} WHERE party_id IN ({marks})", ids
            ).fetchall()
        return {row["party_id"]: _party(row) for row in rows}

    def erase(self, party_id: str) -> Party | None:
        """Clears number and name for good, keeping the erasure's date; idempotent.

        Cleared for good means out of the database files too, not only out of answers: SQLite
        overwrites the freed bytes (secure_delete) and the write-ahead log is checkpointed and
        truncated; PostgreSQL rewrites the (small) table, so no dead row version keeps them.
        """
        self.create_tables()
        now = datetime.now(UTC).isoformat()
        with self.store.transaction() as cursor:
            if not self.store.is_postgres:
                cursor.execute("PRAGMA secure_delete = ON")
            cursor.execute(
                f"UPDATE {PARTIES} SET identity_number = NULL, name = NULL, erased_at = ?"
                " WHERE party_id = ? AND erased_at IS NULL",
                (now, party_id),
            )
        self._purge_old_versions()
        return self.get(party_id)

    def _purge_old_versions(self) -> None:
        with self.store.reading() as cursor:
            if self.store.is_postgres:
                # Outside a transaction (the pool's reading connections autocommit).
                cursor.execute(f"VACUUM FULL {PARTIES}")
            else:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
