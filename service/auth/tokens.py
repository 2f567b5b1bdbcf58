"""Opaque bearer tokens: random, shown once, stored only as a hash, expirable and revocable.

A token reads `il_<token_id>_<secret>`. The secret has 256 bits of entropy, so one SHA-256
is enough to make the stored hash useless to a thief (no password stretching needed).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eventstore.schema import ensure_tables
from eventstore.sql import SqlStore

TOKEN_PREFIX = "il_"
MAX_LIFETIME = timedelta(days=366)

TABLES = [
    """CREATE TABLE IF NOT EXISTS api_tokens (
        token_id TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL,
        user_id TEXT NOT NULL,
        municipality TEXT,
        platform_roles TEXT,
        label TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        revoked_at TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS api_tokens_by_user ON api_tokens (municipality, user_id)",
    # One counter moved by every revocation, in the revoking transaction: a process that keeps
    # principals in memory reads it (with what it reads anyway) and drops them when it moved.
    """CREATE TABLE IF NOT EXISTS token_revocations (
        id INTEGER PRIMARY KEY,
        generation BIGINT NOT NULL
    )""",
    "INSERT INTO token_revocations (id, generation) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
]
REVOKED = "UPDATE token_revocations SET generation = generation + 1 WHERE id = 1"


@dataclass(frozen=True)
class TokenRecord:
    token_id: str
    user_id: str
    municipality: str | None
    platform_roles: tuple[str, ...]
    label: str | None
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def is_valid_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and moment < self.expires_at

    def to_json(self, *, now: datetime | None = None) -> dict[str, object]:
        """What an admin may know of a token: never its secret or its hash."""
        return {
            "token_id": self.token_id,
            "user_id": self.user_id,
            "municipality": self.municipality,
            "label": self.label,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "revoked_at": None if self.revoked_at is None else self.revoked_at.isoformat(),
            "active": self.is_valid_at(now or datetime.now(UTC)),
        }


@dataclass(frozen=True)
class TokenCheck:
    record: TokenRecord | None  # set when the token is genuine, unexpired and unrevoked
    genuine: bool  # the secret is one this store issued (perhaps expired or revoked since)
    known_token_id: str | None  # the id named, when a token with that id exists


@dataclass(frozen=True)
class IssuedToken:
    record: TokenRecord
    secret: str  # the full bearer token: returned once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_digest(secret: str) -> str:
    """What a secret is known by in memory and in the table: its SHA-256."""
    return _hash(secret)


def _record(row: dict[str, object]) -> TokenRecord:
    def moment(value: object) -> datetime | None:
        return None if value is None else datetime.fromisoformat(str(value))

    roles = str(row["platform_roles"] or "")
    return TokenRecord(
        token_id=str(row["token_id"]),
        user_id=str(row["user_id"]),
        municipality=None if row["municipality"] is None else str(row["municipality"]),
        platform_roles=tuple(r for r in roles.split(",") if r),
        label=None if row["label"] is None else str(row["label"]),
        created_by=str(row["created_by"]),
        created_at=moment(row["created_at"]),  # type: ignore[arg-type]
        expires_at=moment(row["expires_at"]),  # type: ignore[arg-type]
        revoked_at=moment(row["revoked_at"]),
    )


class TokenStore:
    def __init__(self, store: SqlStore):
        self._store = store

    def create_tables(self) -> None:
        ensure_tables(self._store, TABLES)

    def issue(
        self,
        *,
        user_id: str,
        municipality: str | None,
        platform_roles: tuple[str, ...] = (),
        label: str | None,
        created_by: str,
        lifetime: timedelta,
        now: datetime | None = None,
    ) -> IssuedToken:
        if lifetime <= timedelta(0) or lifetime > MAX_LIFETIME:
            raise ValueError("token lifetime must be between 1 second and 366 days")
        created_at = now or datetime.now(UTC)
        token_id = secrets.token_hex(8)
        secret = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        record = TokenRecord(
            token_id=token_id,
            user_id=user_id,
            municipality=municipality,
            platform_roles=platform_roles,
            label=label,
            created_by=created_by,
            created_at=created_at,
            expires_at=created_at + lifetime,
            revoked_at=None,
        )
        with self._store.transaction() as cursor:
            cursor.execute(
                "INSERT INTO api_tokens (token_id, secret_hash, user_id, municipality,"
                " platform_roles, label, created_by, created_at, expires_at, revoked_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                (
                    token_id,
                    _hash(secret),
                    user_id,
                    municipality,
                    ",".join(platform_roles) or None,
                    label,
                    created_by,
                    created_at.isoformat(),
                    record.expires_at.isoformat(),
                ),
            )
        return IssuedToken(record=record, secret=secret)

    def authenticate(self, secret: str, *, now: datetime | None = None) -> TokenRecord | None:
        """The token's record if the secret is genuine, unexpired and unrevoked; else None."""
        return self.check(secret, now=now).record

    def check(self, secret: str, *, now: datetime | None = None) -> TokenCheck:
        """Whether the secret is genuine, and its record if it is also unexpired and unrevoked."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return TokenCheck(record=None, genuine=False, known_token_id=None)
        token_id = secret[len(TOKEN_PREFIX) :].split("_", 1)[0]
        with self._store.reading() as cursor:
            row = cursor.execute(
                "SELECT * FROM api_tokens WHERE token_id = ?", (token_id,)
            ).fetchone()
        if row is None:
            return TokenCheck(record=None, genuine=False, known_token_id=None)
        if not hmac.compare_digest(str(row["secret_hash"]), _hash(secret)):
            return TokenCheck(record=None, genuine=False, known_token_id=token_id)
        record = _record(row)
        valid = record.is_valid_at(now or datetime.now(UTC))
        return TokenCheck(record=record if valid else None, genuine=True, known_token_id=token_id)

    def get(self, token_id: str) -> TokenRecord | None:
        with self._store.reading() as cursor:
            row = cursor.execute(
                "SELECT * FROM api_tokens WHERE token_id = ?", (token_id,)
            ).fetchone()
        return None if row is None else _record(row)

    def revoke(self, token_id: str, *, now: datetime | None = None) -> bool:
        with self._store.transaction() as cursor:
            cursor.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
                ((now or datetime.now(UTC)).isoformat(), token_id),
            )
            revoked = cursor.rowcount == 1
            if revoked:
                cursor.execute(REVOKED)
            return revoked

    def of_member(self, *, user_id: str, municipality: str) -> list[TokenRecord]:
        """A member's tokens in one municipality, newest first (never a secret or its hash)."""
        with self._store.reading() as cursor:
            rows = cursor.execute(
                "SELECT * FROM api_tokens WHERE municipality = ? AND user_id = ?"
                " ORDER BY created_at DESC, token_id",
                (municipality, user_id),
            ).fetchall()
        return [_record(row) for row in rows]

    def revoke_all_of(
        self, *, user_id: str, municipality: str, now: datetime | None = None
    ) -> int:
        """Revokes every active token of a member in one municipality; how many were."""
        with self._store.transaction() as cursor:
            cursor.execute(
                "UPDATE api_tokens SET revoked_at = ?"
                " WHERE municipality = ? AND user_id = ? AND revoked_at IS NULL",
                ((now or datetime.now(UTC)).isoformat(), municipality, user_id),
            )
            revoked = int(cursor.rowcount)
            if revoked:
                cursor.execute(REVOKED)
            return revoked
