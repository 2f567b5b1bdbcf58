"""Putting the demo network into a store so that it is there in full or not at all, with its tokens.

A first start can be killed while the demo loads. Loaded straight into the store, that left a
half-loaded network that the next start would never finish (the store holds events) and no tokens
file (it was written at the end). So, on SQLite, the demo is loaded into a store of its own beside
the real one; when it is complete, its tokens file is written (atomically) and only then is the
loaded store renamed into place — the rename is the moment the demo exists. Killed at any point
before it, the next start finds an empty store, throws the unfinished copy away and loads again.
A store is never there without its tokens.

On PostgreSQL (one database, no file to rename) the tokens file is written first, marked
incomplete, and completed at the end: a later start that finds the mark explains what to do.

Demo tokens expire like any other. On later starts the expired ones (or those about to expire)
are renewed: a new token for the same person, municipality and roles, written to the tokens file
before the old one is forgotten. Revoked tokens stay revoked.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from service.auth.tokens import TOKEN_PREFIX, TokenRecord
from service.demo.scenario import DemoResult, load_demo
from service.ledger.signing import key_path_for
from service.settings import Settings

STAGING_DIR_NAME = ".demo-loading"
# A token that would expire within this long is renewed too: a demo session should not break
# half-way through the walkthrough.
RENEW_AHEAD = timedelta(days=2)


class DemoStateError(RuntimeError):
    """The store holds events, but not a demo this command can look after; says what to do."""


def tokens_document(result: DemoResult, *, complete: bool = True) -> dict[str, Any]:
    return {
        "complete": complete,
        "platform": result.platform_tokens,
        "municipalities": result.tokens,
        "procurements": result.procurements,
        "needs": result.needs,
    }


def write_json_atomically(path: Path, document: dict[str, Any]) -> None:
    """Readers see the old file or the new one, never a part; only the owner can read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=2, ensure_ascii=False)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_tokens_file(path: Path) -> dict[str, Any] | None:
    try:
        document: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    return document


def load_demo_completely(
    settings: Settings,
    tokens_file: Path | None,
    *,
    create_app: Callable[[Settings], Flask],
    progress: Callable[[str], None] = lambda _: None,
) -> DemoResult:
    """Loads the demo into the (empty) store of `settings`: all of it, or nothing visible."""
    if settings.database != "sqlite":
        return _load_in_place(settings, tokens_file, create_app=create_app, progress=progress)
    target = settings.sqlite_file.resolve()
    staging = target.parent / STAGING_DIR_NAME
    # What an earlier, interrupted load left behind is of no use: it starts again from nothing.
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    staged_store = staging / target.name
    staged = dataclasses.replace(
        settings,
        var_dir=staging,
        sqlite_path=staged_store,
        # Sign with the real store's key: tree heads made while loading stay valid afterwards.
        ledger_key_path=key_path_for(settings),
    )
    app = create_app(staged)
    try:
        result = load_demo(app, progress=progress)
    finally:
        app.extensions["innoledger"].close()
    _make_self_contained(staged_store)
    if tokens_file is not None:
        write_json_atomically(tokens_file, tokens_document(result))
    # The empty store's journal files belong to the file being replaced.
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{target}{suffix}")
    os.replace(staged_store, target)
    _fsync_directory(target.parent)
    shutil.rmtree(staging, ignore_errors=True)
    return result


def _make_self_contained(store: Path) -> None:
    """Folds the write-ahead log into the file, so that one rename moves the whole store."""
    connection = sqlite3.connect(store)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()
    for suffix in ("-wal", "-shm"):
        if Path(f"{store}{suffix}").exists():
            raise RuntimeError(f"{store}{suffix} is still in use; the demo store cannot be moved")


def _load_in_place(
    settings: Settings,
    tokens_file: Path | None,
    *,
    create_app: Callable[[Settings], Flask],
    progress: Callable[[str], None],
) -> DemoResult:
    if tokens_file is not None:
        write_json_atomically(tokens_file, tokens_document(DemoResult(), complete=False))
    app = create_app(settings)
    try:
        result = load_demo(app, progress=progress)
    finally:
        app.extensions["innoledger"].close()
    if tokens_file is not None:
        write_json_atomically(tokens_file, tokens_document(result))
    return result


def check_loaded_demo(document: dict[str, Any] | None, tokens_file: Path) -> None:
    """Raises DemoStateError, saying what to do, unless the tokens file is of a complete demo."""
    if document is None:
        raise DemoStateError(
            f"the store holds events, but there is no demo tokens file {tokens_file}.\n"
            "  - If an earlier first start was stopped while it loaded the demo, the store is "
            "half-loaded: run `make clean` (it deletes var/: store, tokens, ledger key), then "
            "`make run` again.\n"
            "  - If the store holds your own data, make yourself a token: "
            "`.venv/bin/innoledger token create --user <you>`."
        )
    if document.get("complete") is False:
        raise DemoStateError(
            f"loading the demo into this database was interrupted ({tokens_file} is marked "
            "incomplete): empty the database (or point POSTGRES_DBNAME/POSTGRES_SCHEMA at an "
            "empty one) and start again."
        )


@dataclass
class Renewal:
    renewed: list[str] = field(default_factory=list)  # "skurup officer", "platform auditor"
    revoked: list[str] = field(default_factory=list)
    without_roles: list[str] = field(default_factory=list)
    valid_until: datetime | None = None

    @property
    def changed(self) -> bool:
        return bool(self.renewed)


def renew_demo_tokens(
    app: Flask, tokens_file: Path, *, now: datetime | None = None
) -> Renewal:
    """Replaces the tokens file's expired (or nearly expired) tokens with new ones."""
    document = read_tokens_file(tokens_file)
    check_loaded_demo(document, tokens_file)
    assert document is not None
    moment = now or datetime.now(UTC)
    services = app.extensions["innoledger"]
    renewal = Renewal()
    holders: list[tuple[str, dict[str, str], str]] = [
        ("platform", document.get("platform", {}), role) for role in document.get("platform", {})
    ]
    for slug, tokens in document.get("municipalities", {}).items():
        holders += [(slug, tokens, role) for role in tokens]
    for owner, tokens, role in holders:
        name = f"{owner} {role}"
        record = _record_of(services.tokens, tokens[role])
        if record is None:
            # Not a token of this store (the file belongs to another one): nothing to renew.
            continue
        if record.revoked_at is not None:
            renewal.revoked.append(name)
            continue
        if record.expires_at - RENEW_AHEAD > moment:
            continue
        if record.municipality is not None and not services.innoledger.roles_in(
            record.municipality, record.user_id
        ):
            renewal.without_roles.append(name)
            continue
        lifetime = record.expires_at - record.created_at
        issued = services.tokens.issue(
            user_id=record.user_id,
            municipality=record.municipality,
            platform_roles=record.platform_roles,
            label=record.label,
            created_by="demo renewal",
            lifetime=lifetime,
            now=moment,
        )
        tokens[role] = issued.secret
        renewal.renewed.append(name)
        until = issued.record.expires_at
        if renewal.valid_until is None or until < renewal.valid_until:
            renewal.valid_until = until
    if renewal.changed:
        # Written as soon as the new tokens exist: the old, expired ones are of no use to lose.
        write_json_atomically(tokens_file, document)
    return renewal


def _record_of(tokens: Any, secret: str) -> TokenRecord | None:
    if not isinstance(secret, str) or not secret.startswith(TOKEN_PREFIX):
        return None
    token_id = secret[len(TOKEN_PREFIX) :].split("_", 1)[0]
    record: TokenRecord | None = tokens.get(token_id)
    return record
