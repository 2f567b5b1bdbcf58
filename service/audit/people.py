"""The people directory: names and e-mail addresses for the user ids that events carry.

Events hold user ids only, so erasing a person (GDPR art. 17) is an UPDATE of one row here and
never touches the event store or the ledger: history then shows the person as "erased".  The row
stays as a tombstone (``erased_at``) so the erasure itself is on record and the id cannot quietly
be given a name again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from domain.errors import InvalidValue, RuleViolation
from eventstore.schema import ensure_tables
from eventstore.sql import SqlStore

PEOPLE = "people"
ERASED = "erased"
TABLES = [
    f"""CREATE TABLE IF NOT EXISTS {PEOPLE} (
        user_id TEXT PRIMARY KEY,
        display_name TEXT,
        email TEXT,
        updated_at TEXT NOT NULL,
        erased_at TEXT
    )""",
]


@dataclass(frozen=True)
class Person:
    user_id: str
    display_name: str | None
    email: str | None
    updated_at: datetime
    erased_at: datetime | None

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    @property
    def shown_name(self) -> str | None:
        """What history shows for this person."""
        return ERASED if self.erased else self.display_name

    def to_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "display_name": self.display_name,
            "email": self.email,
            "updated_at": self.updated_at.isoformat(),
            "erased": self.erased,
            "erased_at": None if self.erased_at is None else self.erased_at.isoformat(),
        }


def _clean(value: object, field: str, max_length: int, *, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidValue(f"{field}: required", field=field)
        return None
    if not isinstance(value, str):
        raise InvalidValue(f"{field}: text", field=field)
    value = value.strip()
    if len(value) > max_length:
        raise InvalidValue(f"{field}: at most {max_length} characters", field=field)
    return value


def _person(row: dict[str, Any]) -> Person:
    return Person(
        user_id=row["user_id"],
        display_name=row["display_name"],
        email=row["email"],
        updated_at=datetime.fromisoformat(row["updated_at"]),
        erased_at=None if row["erased_at"] is None else datetime.fromisoformat(row["erased_at"]),
    )


_DIRECTORIES: WeakKeyDictionary[Any, PeopleDirectory] = WeakKeyDictionary()


class PeopleDirectory:
    def __init__(self, store: SqlStore):
        self.store = store
        self._ready = False

    @classmethod
    def of(cls, app: Any) -> PeopleDirectory:
        """The directory of an application's store, one per application (tables checked once)."""
        directory = _DIRECTORIES.get(app)
        if directory is None:
            directory = _DIRECTORIES[app] = cls(SqlStore(app.recorder))
        return directory

    def create_tables(self) -> None:
        if not self._ready:
            ensure_tables(self.store, TABLES)
            self._ready = True

    def upsert(self, user_id: str, *, display_name: str, email: str | None = None) -> Person:
        """Records or corrects a person's name and e-mail; refused once they are erased."""
        self.create_tables()
        user_id = _clean(user_id, "user_id", 128, required=True) or ""
        name = _clean(display_name, "display_name", 200, required=True)
        mail = _clean(email, "email", 320, required=False)
        if mail is not None and "@" not in mail:
            raise InvalidValue("email: an e-mail address", field="email")
        now = datetime.now(UTC).isoformat()
        with self.store.transaction() as cursor:
            row = cursor.execute(
                f"SELECT erased_at FROM {PEOPLE} WHERE user_id = ?", (user_id,)
            ).fetchone()
            if row is not None and row["erased_at"] is not None:
                raise RuleViolation(
                    f"{user_id} was erased; an erased person's data is not recorded again",
                    rule="person_erased",
                )
            if row is None:
                cursor.execute(
                    f"INSERT INTO {PEOPLE} (user_id, display_name, email, updated_at, erased_at)"
                    " VALUES (?, ?, ?, ?, NULL)",
                    (user_id, name, mail, now),
                )
            else:
                cursor.execute(
                    f"UPDATE {PEOPLE} SET display_name = ?, email = ?, updated_at = ?"
                    " WHERE user_id = ?",
                    (name, mail, now, user_id),
                )
        person = self.get(user_id)
        assert person is not None
        return person

    def get(self, user_id: str) -> Person | None:
        return self.get_many([user_id]).get(user_id)

    def get_many(self, user_ids: Iterable[str]) -> dict[str, Person]:
        ids = sorted({u for u in user_ids if u})
        if not ids:
            return {}
        self.create_tables()
        marks = ",".join("?" * len(ids))
        with self.store.reading() as cursor:
            rows = cursor.execute(
                "SELECT user_id, display_name, email, updated_at, erased_at"
                f" FROM {PEOPLE} WHERE user_id IN ({marks})",
                ids,
            ).fetchall()
        return {row["user_id"]: _person(row) for row in rows}

    def display_names(self, user_ids: Iterable[str]) -> dict[str, str | None]:
        """user id -> name, "erased", or None when the directory does not know the person."""
        people = self.get_many(user_ids)
        return {u: (people[u].shown_name if u in people else None) for u in user_ids}

    def erase(self, user_id: str) -> Person:
        """Clears name and e-mail for good, keeping the erasure's date.  Idempotent; erasing an
        unknown id records the tombstone, so the id can never be given a name later."""
        self.create_tables()
        user_id = _clean(user_id, "user_id", 128, required=True) or ""
        now = datetime.now(UTC).isoformat()
        with self.store.transaction() as cursor:
            row = cursor.execute(
                f"SELECT erased_at FROM {PEOPLE} WHERE user_id = ?", (user_id,)
            ).fetchone()
            if row is None:
                cursor.execute(
                    f"INSERT INTO {PEOPLE} (user_id, display_name, email, updated_at, erased_at)"
                    " VALUES (?, NULL, NULL, ?, ?)",
                    (user_id, now, now),
                )
            elif row["erased_at"] is None:
                cursor.execute(
                    f"UPDATE {PEOPLE} SET display_name = NULL, email = NULL, updated_at = ?,"
                    " erased_at = ? WHERE user_id = ?",
                    (now, now, user_id),
                )
        person = self.get(user_id)
        assert person is not None
        return person
