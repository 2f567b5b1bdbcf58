"""`import_store`: loads an export (format.py) into an empty store, all or nothing.

1. *Validate* the whole file before writing anything: every line must parse and carry the right
   fields; events must come in leaf order, each aggregate's versions contiguous from 1, each
   line's leaf hash must match its own event, every tree head must be validly signed by a key in
   the file, and the tree rebuilt from the leaf hashes must have each head's root at its size and
   the trailer's root at the end.  The first wrong line is reported by number.
2. *Write* in one transaction: the events in file order (the store assigns new notification ids,
   in the same order), the source's public keys and tree heads (kept as "imported", so verify
   checks them against the imported events).  The file is hashed again while writing, and a file
   that changed since it was validated rolls the transaction back.
3. *Rebuild the ledger* from the imported events; its root must equal the exported one (it can
   only differ through a bug, since both are the same leaves).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from cryptography.exceptions import UnsupportedAlgorithm

from service.ledger import tables
from service.ledger.encoding import ENCODING_NAME, EncodingError, event_leaf_hash
from service.ledger.ledger import Ledger
from service.ledger.merkle import EMPTY_ROOT, MerkleAppender
from service.ledger.projection import store_key, store_tree_head
from service.ledger.signing import TreeHead, TreeHeadFormatError, key_id_of, load_public_key
from service.transfer.format import FORMAT, FORMAT_VERSION

Progress = Callable[[str, int, int], None]
WRITE_BATCH = 1000


class ImportRefused(Exception):
    """The file is damaged (then `line` names the first wrong line) or the store not empty."""

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(f"line {line}: {message}" if line is not None else message)
        self.line = line
        self.reason = message


@dataclass
class _Plan:
    """What validation learnt, for the writing pass."""

    events: int = 0
    root_hash: bytes = EMPTY_ROOT
    keys: dict[str, str] = field(default_factory=dict)
    heads: list[TreeHead] = field(default_factory=list)
    file_sha256: str = ""


def _lines(path: Path, digest: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as raw:
        for number, data in enumerate(raw, start=1):
            digest.update(data)
            try:
                record = json.loads(data)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise ImportRefused(f"not a JSON line ({exc})", line=number) from None
            if not isinstance(record, dict):
                raise ImportRefused("not a JSON object", line=number)
            yield number, record


def _int(record: dict[str, Any], name: str, line: int, *, minimum: int = 0) -> int:
    value = record.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ImportRefused(f"{name}: a whole number from {minimum}", line=line)
    return value


def _text(record: dict[str, Any], name: str, line: int) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value:
        raise ImportRefused(f"{name}: required text", line=line)
    return value


def _event(record: dict[str, Any], line: int) -> tuple[UUID, int, str, bytes, bytes]:
    """Parses an event line: (originator id, version, topic, state, leaf hash)."""
    try:
        originator_id = UUID(_text(record, "originator_id", line))
    except ValueError:
        raise ImportRefused("originator_id: not a UUID", line=line) from None
    version = _int(record, "originator_version", line, minimum=1)
    topic = _text(record, "topic", line)
    try:
        state = base64.b64decode(_text(record, "state", line), validate=True)
    except (binascii.Error, ValueError):
        raise ImportRefused("state: not valid base64", line=line) from None
    try:
        claimed = bytes.fromhex(_text(record, "leaf_hash", line))
    except ValueError:
        raise ImportRefused("leaf_hash: not hex", line=line) from None
    try:
        digest = event_leaf_hash(originator_id, version, topic, state)
    except EncodingError as exc:
        raise ImportRefused(str(exc), line=line) from None
    if digest != claimed:
        raise ImportRefused(
            "leaf_hash does not match the event on this line: the event was altered", line=line
        )
    return originator_id, version, topic, state, digest


def _check_header(number: int, record: dict[str, Any]) -> int:
    if record.get("type") != "header" or record.get("format") != FORMAT:
        raise ImportRefused(f"not an {FORMAT} file (no header)", line=number)
    if record.get("format_version") != FORMAT_VERSION:
        raise ImportRefused(
            f"format_version {record.get('format_version')!r}; this version reads {FORMAT_VERSION}",
            line=number,
        )
    if record.get("leaf_encoding") != ENCODING_NAME:
        raise ImportRefused(f"leaf_encoding must be {ENCODING_NAME!r}", line=number)
    return _int(record, "events", number)


def validate_export(path: Path, progress: Progress | None = None) -> _Plan:
    """Checks the whole file (see the module docstring); raises ImportRefused at the first
    wrong line."""
    plan = _Plan()
    digest = hashlib.sha256()
    declared = 0
    last_version: dict[UUID, int] = {}
    last_position = 0
    appender = MerkleAppender()
    head_lines: list[tuple[int, TreeHead]] = []
    section = "header"
    number = 0
    end_line: tuple[int, dict[str, Any]] = (0, {})
    pending: list[bytes] = []
    with tempfile.TemporaryFile() as leaf_file:
        for number, record in _lines(path, digest):
            kind = record.get("type")
            if section == "header":
                declared = _check_header(number, record)
                section = "events"
                continue
            if section == "end":
                raise ImportRefused("nothing may follow the end line", line=number)
            if kind == "event":
                if section != "events":
                    raise ImportRefused("an event after the keys and tree heads", line=number)
                if _int(record, "leaf_index", number) != plan.events:
                    raise ImportRefused(
                        f"leaf_index must be {plan.events} (events are in leaf order, no gaps)",
                        line=number,
                    )
                position = _int(record, "position", number, minimum=1)
                if position <= last_position:
                    raise ImportRefused("position must increase (log order)", line=number)
                last_position = position
                originator_id, version, _, _, leaf = _event(record, number)
                expected = last_version.get(originator_id, 0) + 1
                if version != expected:
                    raise ImportRefused(
                        f"originator_version {version} of {originator_id}: expected {expected}"
                        " (an aggregate's versions are contiguous from 1)",
                        line=number,
                    )
                last_version[originator_id] = version
                leaf_file.write(leaf)
                pending.append(leaf)
                if len(pending) >= 1000:
                    appender.append(pending)
                    pending = []
                plan.events += 1
                if progress is not None and plan.events % 5000 == 0:
                    progress("validate", plan.events, declared)
            elif kind == "public_key":
                section = "trailer"
                appender.append(pending)
                pending = []
                plan.keys[_text(record, "key_id", number)] = _key(record, number)
            elif kind == "tree_head":
                section = "trailer"
                try:
                    head = TreeHead.from_json(record)
                except TreeHeadFormatError as exc:
                    raise ImportRefused(str(exc), line=number) from None
                pem = plan.keys.get(head.key_id)
                if pem is None:
                    raise ImportRefused(
                        f"tree head signed by unknown key {head.key_id}", line=number
                    )
                if not head.verify(load_public_key(pem)):
                    raise ImportRefused("tree head signature is not valid", line=number)
                head_lines.append((number, head))
            elif kind == "end":
                section = "end"
                appender.append(pending)
                pending = []
                end_line = (number, record)
            else:
                raise ImportRefused(f"unknown line type {kind!r}", line=number)
        if section == "header":
            raise ImportRefused("the file is empty", line=1)
        if section != "end":
            raise ImportRefused("the file ends without its end line: truncated", line=number + 1)
        if plan.events != declared:
            raise ImportRefused(
                f"the header announces {declared} events, the file holds {plan.events}", line=1
            )
        leaf_file.seek(0)
        # The heads come before the end line in the file, and name a narrower range of events.
        _check_heads(leaf_file, head_lines, plan.events, first_event_line=2)
    _check_end(end_line[1], end_line[0], plan.events, appender.root())
    plan.root_hash = appender.root()
    plan.heads = [head for _, head in head_lines]
    plan.file_sha256 = digest.hexdigest()
    if progress is not None:
        progress("validate", plan.events, declared)
    return plan


def _key(record: dict[str, Any], line: int) -> str:
    pem = _text(record, "public_key_pem", line)
    try:
        key = load_public_key(pem)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ImportRefused(f"public_key_pem: {exc}", line=line) from None
    if key_id_of(key) != record.get("key_id"):
        raise ImportRefused("key_id is not the SHA-256 of this public key", line=line)
    return pem


def _check_end(record: dict[str, Any], line: int, events: int, root: bytes) -> None:
    if _int(record, "events", line) != events or _int(record, "tree_size", line) != events:
        raise ImportRefused(f"the end line must count {events} events", line=line)
    if record.get("root_hash") != root.hex():
        raise ImportRefused(
            "root_hash is not the root of the events in this file: an event was changed,"
            " added or removed together with its leaf hash",
            line=line,
        )


def _check_heads(
    leaf_file: IO[bytes], head_lines: list[tuple[int, TreeHead]], events: int, first_event_line: int
) -> None:
    """Rebuilds the tree from the saved leaf hashes, checking each head's root at its size."""
    appender = MerkleAppender()
    previous = 0
    for number, head in sorted(head_lines, key=lambda item: item[1].tree_size):
        if head.tree_size > events:
            raise ImportRefused(
                f"tree head of size {head.tree_size} covers more than the {events} events",
                line=number,
            )
        missing = head.tree_size - appender.tree_size
        if missing:
            data = leaf_file.read(32 * missing)
            appender.append([data[i : i + 32] for i in range(0, len(data), 32)])
        root = appender.root() if head.tree_size else EMPTY_ROOT
        if root != head.root_hash:
            raise ImportRefused(
                f"tree head of size {head.tree_size} does not match the events: one of the"
                f" events on lines {first_event_line + previous}"
                f"..{first_event_line + head.tree_size - 1} was changed",
                line=number,
            )
        previous = head.tree_size


def _store_is_empty(ledger: Ledger, cursor: Any) -> bool:
    if not ledger.log.is_empty(cursor):
        return False
    row = cursor.execute(f"SELECT COUNT(*) AS n FROM {tables.LEAVES}").fetchone()
    return not (row and int(row["n"]))


def import_store(
    app: Any, path: Path, progress: Progress | None = None, *, ledger_batch: int = 2000
) -> dict[str, Any]:
    """Imports the export at `path` into the (empty) store of `app`; see the module docstring.

    Returns the import's summary: events, the exported root and the rebuilt ledger's root.
    """
    path = Path(path)
    plan = validate_export(path, progress)
    ledger = Ledger.of(app)
    ledger.ensure_tables()
    store = ledger.store
    log = ledger.log
    with store.transaction() as cursor:
        # Positions follow the file's order.
        log.lock_for_import(cursor)
        if not _store_is_empty(ledger, cursor):
            raise ImportRefused("the store is not empty: import only into an empty store")
        digest = hashlib.sha256()
        rows: list[tuple[Any, int, str, bytes]] = []
        written = 0
        for number, record in _lines(path, digest):
            if record.get("type") != "event":
                continue
            originator_id, version, topic, state, _ = _event(record, number)
            rows.append((originator_id, version, topic, state))
            if len(rows) >= WRITE_BATCH:
                log.insert_verbatim(cursor, rows)
                written += len(rows)
                rows = []
                if progress is not None:
                    progress("write", written, plan.events)
        if rows:
            log.insert_verbatim(cursor, rows)
            written += len(rows)
        if digest.hexdigest() != plan.file_sha256:
            raise ImportRefused("the file changed while it was being imported; nothing written")
        for key_id, pem in plan.keys.items():
            store_key(cursor, key_id, pem, origin="imported")
        for head in plan.heads:
            store_tree_head(cursor, head, origin="imported")
        if progress is not None:
            progress("write", written, plan.events)
    ledger.catch_up(
        batch_size=ledger_batch,
        progress=None if progress is None else lambda done, total: progress("ledger", done, total),
    )
    root = ledger.root_hash()
    if root != plan.root_hash:
        raise RuntimeError(
            f"the rebuilt ledger's root {root.hex()} differs from the exported"
            f" {plan.root_hash.hex()}: run `innoledger audit verify`"
        )
    return {"events": plan.events, "root_hash": root.hex(), "tree_heads_imported": len(plan.heads)}
