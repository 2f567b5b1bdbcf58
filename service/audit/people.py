"""The people directory: names and e-mail addresses for the user ids that events carry.

Each municipality keeps its own entries: an entry is (municipality, user id), and the platform's
own people are kept under the empty municipality "".  A person who works for two municipalities
(a joint purchasing unit, a shared official) has one entry in each; each municipality is the
controller of what it records about its staff (GDPR art. 4(7)), so only it (or the person,
acting as its member) changes or erases its entry, and no municipality can change or erase what
another municipality's members are known by.  Histories name an actor by the entry of the
municipality they acted for (the event's `actor_municipality`).

Events hold user ids only, so erasing a person (GDPR art. 17) is an UPDATE of one row here and
never touches the event store or the ledger: history then shows the person as "erased".  The row
stays as a tombstone (``erased_at``) so the erasure itself is on record and the id cannot quietly
be given a name again.

Stores written before entries were kept per municipality have the single table `people`; its
rows are read as entries of the platform ("") until a municipality records its own.
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

PEOPLE = "people_entries"
LEGACY = "people"  # one row per user id, from before entries were kept per municipality
PLATFORM = ""  # the municipality under which the platform's own people are kept
ERASED = "erased"
TABLES = [
    f"""CREATE TABLE IF NOT EXISTS {PEOPLE} (
        municipality TEXT NOT NULL,
        user_id TEXT NOT NULL,
        display_name TEXT,
        email TEXT,
        updated_at TEXT NOT NULL,
        erased_at TEXT,
        PRIMARY KEY (municipality, user_id)
    )""",
    f"""CREATE TABLE IF NOT EXISTS {LEGACY} (
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
    municipality: str  # whose entry this is ("" for the platform's)
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
            "municipality": self.municipality or None,
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


def _person(row: dict[str, Any], municipality: str) -> Person:
    return Person(
        user_id=row["user_id"],
        municipality=municipality,
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

    def upsert(
        self,
        user_id: str,
        *,
        municipality: str = PLATFORM,
        display_name: str,
        email: str | None = None,
    ) -> Person:
        """Records or corrects a person's name and e-mail in `municipality`'s entry; refused
        once that entry is erased."""
        self.create_tables()
        user_id = _clean(user_id, "user_id", 128, required=True) or ""
        name = _clean(display_name, "display_name", 200, required=True)
        mail = _clean(email, "email", 320, required=False)
        if mail is not None and "@" not in mail:
            raise InvalidValue("email: an e-mail address", field="email")
        now = datetime.now(UTC).isoformat()
        with self.store.transaction() as cursor:
            row = cursor.execute(
                f"SELECT erased_at FROM {PEOPLE} WHERE municipality = ? AND user_id = ?",
                (municipality, user_id),
            ).fetchone()
            if row is None:
                row = self._legacy_row(cursor, municipality, user_id)
            if row is not None and row["erased_at"] is not None:
                raise RuleViolation(
                    f"{user_id} was erased; an erased person's data is not recorded again",
                    rule="person_erased",
                )
            cursor.execute(
                f"INSERT INTO {PEOPLE} (municipality, user_id, display_name, email, updated_at,"
                " erased_at) VALUES (?, ?, ?, ?, ?, NULL)"
                " ON CONFLICT (municipality, user_id) DO UPDATE SET"
                " display_name = excluded.display_name, email = excluded.email,"
                " updated_at = excluded.updated_at",
                (municipality, user_id, name, mail, now),
            )
        person = self.get(user_id, municipality=municipality)
        assert person is not None
        return person

    @staticmethod
    def _legacy_row(cursor: Any, municipality: str, user_id: str) -> Any:
        if municipality != PLATFORM:
            return None
        return cursor.execute(
            f"SELECT erased_at FROM {LEGACY} WHERE user_id = ?", (user_id,)
        ).fetchone()

    def get(self, user_id: str, *, municipality: str = PLATFORM) -> Person | None:
        return self.get_many([(municipality, user_id)]).get((municipality, user_id))

    def get_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Person]:
        """(municipality, user id) -> the entry, for the entries that exist."""
        wanted = sorted({(m or PLATFORM, u) for m, u in keys if u})
        if not wanted:
            return {}
        self.create_tables()
        ids = sorted({u for _, u in wanted})
        marks = ",".join("?" * len(ids))
        found: dict[tuple[str, str], Person] = {}
        with self.store.reading() as cursor:
            rows = cursor.execute(
                "SELECT municipality, user_id, display_name, email, updated_at, erased_at"
                f" FROM {PEOPLE} WHERE user_id IN ({marks})",
                ids,
            ).fetchall()
            for row in rows:
                found[(row["municipality"], row["user_id"])] = _person(row, row["municipality"])
            legacy = [u for m, u in wanted if m == PLATFORM and (m, u) not in found]
            if legacy:
                marks = ",".join("?" * len(legacy))
                for row in cursor.execute(
                    "SELECT user_id, display_name, email, updated_at, erased_at"
                    f" FROM {LEGACY} WHERE user_id IN ({marks})",
                    legacy,
                ).fetchall():
                    found[(PLATFORM, row["user_id"])] = _person(row, PLATFORM)
        return {key: found[key] for key in wanted if key in found}

    def state(self, municipalities: Iterable[str] | None = None) -> str:
        """What changes whenever an entry (of `municipalities`, else any) is recorded,
        corrected or erased — each of those writes stamps `updated_at` with its moment: the
        directory's part of the validator of an answer that shows people's names."""
        self.create_tables()
        scope, params = "", list[str]()
        if municipalities is not None:
            params = sorted(set(municipalities))
            scope = f" WHERE municipality IN ({','.join('?' * len(params))})"
        with self.store.reading() as cursor:
            row = cursor.execute(
                f"SELECT COUNT(*) AS n, MAX(updated_at) AS latest FROM {PEOPLE}{scope}", params
            ).fetchone()
            assert row is not None  # an aggregate always answers one row
            state = f"{row['n']}:{row['latest']}"
            if municipalities is None or PLATFORM in params:
                row = cursor.execute(
                    f"SELECT COUNT(*) AS n, MAX(updated_at) AS latest FROM {LEGACY}"
                ).fetchone()
                assert row is not None
                state += f"|{row['n']}:{row['latest']}"
        return state

    def display_names(self, keys: Iterable[tuple[str | None, str]]) -> dict[str, str | None]:
        """(municipality acted for, user id) -> name, "erased", or None when that
        municipality's directory does not know the person; keyed "municipality/user id"."""
        pairs = [(m or PLATFORM, u) for m, u in keys]
        people = self.get_many(pairs)
        return {
            f"{m}/{u}": (people[(m, u)].shown_name if (m, u) in people else None)
            for m, u in pairs
        }

    def erase(self, user_id: str, *, municipality: str = PLATFORM) -> Person:
        """Clears name and e-mail of `municipality`'s entry for good, keeping the erasure's
        date.  Idempotent; erasing an unknown id records the tombstone, so the id can never be
        given a name there later."""
        self.create_tables()
        user_id = _clean(user_id, "user_id", 128, required=True) or ""
        now = datetime.now(UTC).isoformat()
        with self.store.transaction() as cursor:
            row = cursor.execute(
                f"SELECT erased_at FROM {PEOPLE} WHERE municipality = ? AND user_id = ?",
                (municipality, user_id),
            ).fetchone()
            if row is None:
                cursor.execute(
                    f"INSERT INTO {PEOPLE} (municipality, user_id, display_name, email,"
                    " updated_at, erased_at) VALUES (?, ?, NULL, NULL, ?, ?)",
                    (municipality, user_id, now, now),
                )
            elif row["erased_at"] is None:
                cursor.execute(
                    f"UPDATE {PEOPLE} SET display_name = NULL, email = NULL, updated_at = ?,"
                    " erased_at = ? WHERE municipality = ? AND user_id = ?",
                    (now, now, municipality, user_id),
                )
            if municipality == PLATFORM:
                cursor.execute(
                    f"UPDATE {LEGACY} SET display_name = NULL, email = NULL, updated_at = ?,"
                    " erased_at = COALESCE(erased_at, ?) WHERE user_id = ?",
                    (now, now, user_id),
                )
        person = self.get(user_id, municipality=municipality)
        assert person is not None
        return person
