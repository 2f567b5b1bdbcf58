"""Settings read from the environment once, in the composition root, never at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain.clock import Clock, system_clock


@dataclass(frozen=True)
class PostgresSettings:
    # One host, or several separated by commas (a primary and its standbys, tried in order:
    # libpq's multi-host connection string), all on `port`.
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "innoledger"
    password: str = ""
    dbname: str = "innoledger"
    schema: str = ""
    pool_size: int = 5
    connect_timeout: int = 3
    # libpq's target_session_attrs: every connection the service opens must accept writes, so
    # with several hosts it lands on the primary (a standby, or an old primary that came back
    # read-only, is skipped) and after a failover on the promoted standby.
    target_session_attrs: str = "read-write"

    def libpq_params(self) -> dict[str, str | int]:
        """Connection parameters of one connection of our own (beside the library's pool)."""
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": self.dbname,
            "connect_timeout": self.connect_timeout,
            "target_session_attrs": self.target_session_attrs,
        }


@dataclass(frozen=True)
class OidcProviderSettings:
    """One municipality's own OpenID Connect provider for the web app's sign-in."""

    municipality: str
    issuer: str
    client_id: str
    client_secret: str
    # The claim naming the member: its value is the user id the municipality granted roles to.
    user_claim: str = "sub"


@dataclass(frozen=True)
class WebSettings:
    # Signs session cookies; every worker must share it. Unset: one kept in var_dir.
    secret_key: str | None = None
    # The demo's sign-in (pick a demo person): only where the demo network is loaded.
    demo_sign_in: bool = False
    idle_timeout_minutes: int = 30
    # A session ends this long after sign-in, however active.
    session_max_hours: int = 10
    oidc_providers: tuple[OidcProviderSettings, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebSettings:
        providers = []
        for slug in filter(None, (s.strip() for s in env.get("INNOLEDGER_OIDC", "").split(","))):
            prefix = f"INNOLEDGER_OIDC_{slug.upper().replace('-', '_')}_"
            providers.append(
                OidcProviderSettings(
                    municipality=slug,
                    issuer=env[prefix + "ISSUER"],
                    client_id=env[prefix + "CLIENT_ID"],
                    client_secret=env.get(prefix + "CLIENT_SECRET", ""),
                    user_claim=env.get(prefix + "USER_CLAIM", "sub"),
                )
            )
        return cls(
            secret_key=env.get("INNOLEDGER_SECRET_KEY") or None,
            demo_sign_in=env.get("INNOLEDGER_DEMO_SIGN_IN", "").lower() in ("1", "true", "yes"),
            idle_timeout_minutes=int(env.get("INNOLEDGER_IDLE_TIMEOUT_MINUTES", "30")),
            session_max_hours=int(env.get("INNOLEDGER_SESSION_MAX_HOURS", "10")),
            oidc_providers=tuple(providers),
        )


@dataclass(frozen=True)
class Settings:
    database: str = "sqlite"  # "sqlite" (embedded default) or "postgres"
    var_dir: Path = Path("var")
    sqlite_path: Path | None = None
    postgres: PostgresSettings = field(default_factory=PostgresSettings)
    snapshot_interval: int = 50
    # Aggregates kept per process, brought up to date from the store at every load.
    aggregate_cache_size: int = 500
    # Pages of views answered again from memory while their view has not moved, per process.
    answer_cache_bytes: int = 16_000_000
    max_body_bytes: int = 1_000_000
    ocid_prefix: str = "ocds-innoledger"
    ledger_key_path: Path | None = None
    testing: bool = False
    web: WebSettings = field(default_factory=WebSettings)
    # Where events take their timestamps from: `clock` (in-process, e.g. a test's), shifted by
    # `clock_offset_s` seconds (INNOLEDGER_CLOCK_OFFSET_S, e.g. to run a host out of step).
    clock: Clock | None = field(default=None, compare=False)
    clock_offset_s: float = 0.0

    def event_clock(self) -> Clock:
        base = self.clock or system_clock
        if not self.clock_offset_s:
            return base
        offset = timedelta(seconds=self.clock_offset_s)

        def shifted() -> datetime:
            return base().astimezone(UTC) + offset

        return shifted

    @property
    def sqlite_file(self) -> Path:
        return self.sqlite_path or self.var_dir / "innoledger.sqlite3"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("INNOLEDGER_VAR_DIR", "var"))
        sqlite_path = env.get("INNOLEDGER_SQLITE_PATH")
        return cls(
            database=env.get("INNOLEDGER_DATABASE", "sqlite").strip().lower(),
            var_dir=var_dir,
            sqlite_path=Path(sqlite_path) if sqlite_path else None,
            postgres=PostgresSettings(
                host=env.get("POSTGRES_HOST", "127.0.0.1"),
                port=int(env.get("POSTGRES_PORT", "5432")),
                user=env.get("POSTGRES_USER", "innoledger"),
                password=env.get("POSTGRES_PASSWORD", ""),
                dbname=env.get("POSTGRES_DBNAME", "innoledger"),
                schema=env.get("POSTGRES_SCHEMA", ""),
                pool_size=int(env.get("POSTGRES_POOL_SIZE", "5")),
                target_session_attrs=env.get("POSTGRES_TARGET_SESSION_ATTRS", "read-write"),
            ),
            snapshot_interval=int(env.get("INNOLEDGER_SNAPSHOT_INTERVAL", "50")),
            aggregate_cache_size=int(env.get("INNOLEDGER_AGGREGATE_CACHE_SIZE", "500")),
            answer_cache_bytes=int(env.get("INNOLEDGER_ANSWER_CACHE_BYTES", "16000000")),
            max_body_bytes=int(env.get("INNOLEDGER_MAX_BODY_BYTES", "1000000")),
            clock_offset_s=float(env.get("INNOLEDGER_CLOCK_OFFSET_S", "0")),
            ocid_prefix=env.get("INNOLEDGER_OCID_PREFIX", "ocds-innoledger"),
            ledger_key_path=Path(env["INNOLEDGER_LEDGER_KEY"])
            if env.get("INNOLEDGER_LEDGER_KEY")
            else None,
            web=WebSettings.from_env(env),
        )

    def validate(self) -> None:
        if self.database not in ("sqlite", "postgres"):
            raise ValueError("INNOLEDGER_DATABASE must be 'sqlite' or 'postgres'")
