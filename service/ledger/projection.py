"""The ledger as a projection: appends one Merkle leaf per stored event, in log order.

It runs in the projection runner like every read model, but unlike them it must never skip or
reorder, so it checks the runner rather than trusting it:

* events at or below the last leaf's position were applied before (a restart, or another
  applier got there first); they must match the stored leaves exactly, and are not appended
  again;
* new events must follow in strictly increasing position, and the events table must hold
  exactly as many events between the last leaf and the batch's end as the batch brings — so a
  runner that skipped one (or was fed a filtered log) fails loudly instead of corrupting the tree.

Each applied batch ends with a tree head signed for the new size, written in the same
transaction as the leaves, so a stored head always describes a tree that is stored too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from eventstore.eventlog import EventLog
from eventstore.sql import Cursor
from service.ledger import tables
from service.ledger.encoding import event_leaf_hash
from service.ledger.merkle import MerkleAppender, frontier_nodes
from service.ledger.signing import Signer, TreeHead

if TYPE_CHECKING:
    # Only for the annotation: the ledger must load where the projections package is absent
    # (tools run from an installed copy).
    from projections.base import ProjectedEvent


def ledger_lock_key(schema: str) -> int:
    """Serialises appliers on PostgreSQL (the runner and an explicit catch-up may overlap).
    Advisory locks are per database, so the key names the schema too."""
    digest = hashlib.blake2b(f"innoledger-ledger\x1f{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


_LEAF_COLUMNS = (
    ("leaf_index", "bigint"),
    ("position", "bigint"),
    ("originator_id", "text"),
    ("originator_version", "bigint"),
    ("leaf_hash", "bytea"),
)
_NODE_COLUMNS = (("level", "integer"), ("node_index", "bigint"), ("hash", "bytea"))


class LedgerConflict(RuntimeError):
    """The log and the ledger disagree: appending would skip, repeat or reorder an event."""


class _Entry(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def originator_id(self) -> UUID | str: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...


@dataclass(frozen=True)
class _Leaf:
    position: int
    originator_id: str
    originator_version: int
    leaf_hash: bytes


def _leaf_of(entry: _Entry) -> _Leaf:
    return _Leaf(
        position=entry.id,
        originator_id=str(entry.originator_id),
        originator_version=entry.originator_version,
        leaf_hash=event_leaf_hash(
            entry.originator_id, entry.originator_version, entry.topic, entry.state
        ),
    )


def read_nodes(
    cursor: Cursor, coords: Iterable[tuple[int, int]], suffix: str = ""
) -> dict[tuple[int, int], bytes]:
    """Fetches the given (level, index) nodes in one query (leaves and interior nodes live in
    two tables; a UNION keeps it to one round trip, which is most of a proof's cost)."""
    leaf_indexes = sorted({index for level, index in coords if level == 0})
    interior = sorted({(level, index) for level, index in coords if level > 0})
    parts: list[str] = []
    params: list[int] = []
    if leaf_indexes:
        parts.append(
            f"SELECT 0 AS level, leaf_index AS node_index, leaf_hash AS hash"
            f" FROM {tables.LEAVES}{suffix}"
            f" WHERE leaf_index IN ({','.join('?' * len(leaf_indexes))})"
        )
        params.extend(leaf_indexes)
    if interior:
        where = " OR ".join("(level = ? AND node_index = ?)" for _ in interior)
        parts.append(f"SELECT level, node_index, hash FROM {tables.NODES}{suffix} WHERE {where}")
        params.extend(value for coord in interior for value in coord)
    if not parts:
        return {}
    rows = cursor.execute(" UNION ALL ".join(parts), params).fetchall()
    return {(int(r["level"]), int(r["node_index"])): bytes(r["hash"]) for r in rows}


class PrefetchedNodes:
    """A merkle.NodeSource over nodes fetched up front; a missing one is a KeyError, as the
    protocol asks, meaning the tree is not (yet) that large."""

    def __init__(self, nodes: dict[tuple[int, int], bytes]):
        self._nodes = nodes

    def get_node(self, level: int, index: int) -> bytes:
        return self._nodes[(level, index)]


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def store_tree_head(cursor: Cursor, head: TreeHead, *, origin: str) -> None:
    cursor.execute(
        f"INSERT INTO {tables.TREE_HEADS}"
        " (key_id, tree_size, root_hash, timestamp_ms, signature, origin)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (head.key_id, head.tree_size, head.root_hash, head.timestamp_ms, head.signature, origin),
    )


def store_key(cursor: Cursor, key_id: str, public_key_pem: str, *, origin: str) -> None:
    cursor.execute(
        f"INSERT INTO {tables.KEYS} (key_id, public_key_pem, origin, first_seen_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (key_id, public_key_pem, origin, now_iso()),
    )


def ledger_size(cursor: Cursor, suffix: str = "") -> tuple[int, int]:
    """(tree size, position of the last leaf); (0, 0) for an empty ledger."""
    row = cursor.execute(
        f"SELECT leaf_index, position FROM {tables.LEAVES}{suffix} ORDER BY leaf_index DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return 0, 0
    return int(row["leaf_index"]) + 1, int(row["position"])


class LedgerProjection:
    """The Merkle ledger over the application log (see the module docstring)."""

    name = "ledger"
    # Each batch costs a commit (an fsync on SQLite) and a signed tree head whatever its size;
    # following a busy log one save at a time took a quarter off the save rate. Proofs lag the
    # log by this much at most.
    min_batch_interval_s = 0.1

    @classmethod
    def for_app(cls, app: Any) -> LedgerProjection:
        """For the projection runner: `ProjectionRunner(app, LedgerProjection.for_app(app))`."""
        settings = app.settings
        return cls(EventLog(app.recorder), lambda: Signer.from_settings(settings))

    def __init__(self, event_log: EventLog, signer: Signer | Callable[[], Signer]):
        self._log = event_log
        self._signer_or_factory = signer
        self._signer: Signer | None = signer if isinstance(signer, Signer) else None

    @property
    def signer(self) -> Signer:
        # Loaded on first use: reading (or creating) the key file is needless for a process
        # that only serves proofs.
        if self._signer is None:
            factory = self._signer_or_factory
            assert callable(factory)
            self._signer = factory()
        return self._signer

    def table_names(self) -> Sequence[str]:
        return (tables.LEAVES, tables.NODES)

    def create_tables(self, cursor: Cursor, suffix: str = "") -> None:
        tables.create_projection_tables(cursor, suffix, postgres=self._log.store.is_postgres)
        # The commitments are shared by every rebuild: created here, never swapped.
        for statement in tables.shared_ddl():
            cursor.execute(statement)

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        self.append(cursor, [event.notification for event in events], suffix)

    def append(
        self, cursor: Cursor, entries: Sequence[_Entry], suffix: str = ""
    ) -> TreeHead | None:
        """Appends the entries not yet in the ledger; returns the tree head signed for the new
        size, or None when the batch held nothing new."""
        if not entries:
            return None
        store = self._log.store
        if store.is_postgres:
            cursor.execute("SELECT pg_advisory_xact_lock(?)", (ledger_lock_key(store.schema),))
        size, last_position = ledger_size(cursor, suffix)
        leaves = [_leaf_of(entry) for entry in entries]
        previous = 0
        for leaf in leaves:
            if leaf.position <= previous:
                raise LedgerConflict(
                    f"events out of log order: position {leaf.position} after {previous}"
                )
            previous = leaf.position
        seen = [leaf for leaf in leaves if leaf.position <= last_position]
        new = leaves[len(seen) :]
        if seen:
            self._check_applied(cursor, seen, suffix)
        if not new:
            return None
        between = self._log.count_between(cursor, last_position, new[-1].position)
        if between != len(new):
            raise LedgerConflict(
                f"the log holds {between} events at positions ({last_position},"
                f" {new[-1].position}] but {len(new)} were given: refusing to skip any"
            )
        coords = frontier_nodes(size)
        appender = MerkleAppender.resume(size, PrefetchedNodes(read_nodes(cursor, coords, suffix)))
        completed = appender.append([leaf.leaf_hash for leaf in new])
        leaf_rows = [
            (size + i, leaf.position, leaf.originator_id, leaf.originator_version, leaf.leaf_hash)
            for i, leaf in enumerate(new)
        ]
        node_rows = [(n.level, n.index, n.hash) for n in completed if n.level > 0]
        self._insert(cursor, f"{tables.LEAVES}{suffix}", _LEAF_COLUMNS, leaf_rows)
        self._insert(cursor, f"{tables.NODES}{suffix}", _NODE_COLUMNS, node_rows)
        signer = self.signer
        head = signer.sign(appender.tree_size, appender.root())
        store_key(cursor, signer.key_id, signer.public_key_pem, origin="signed")
        store_tree_head(cursor, head, origin="signed")
        return head

    def _insert(
        self,
        cursor: Cursor,
        table: str,
        columns: tuple[tuple[str, str], ...],
        rows: list[tuple[Any, ...]],
    ) -> None:
        if not rows:
            return
        names = ", ".join(name for name, _ in columns)
        if self._log.store.is_postgres:
            # One statement per batch: row-by-row inserts cost a round trip each.
            arrays = ", ".join(f"?::{kind}[]" for _, kind in columns)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    @staticmethod
    def _check_applied(cursor: Cursor, seen: list[_Leaf], suffix: str) -> None:
        rows = cursor.execute(
            f"SELECT position, originator_id, originator_version, leaf_hash"
            f" FROM {tables.LEAVES}{suffix} WHERE position >= ? AND position <= ?",
            (seen[0].position, seen[-1].position),
        ).fetchall()
        stored = {
            int(r["position"]): (
                r["originator_id"],
                int(r["originator_version"]),
                bytes(r["leaf_hash"]),
            )
            for r in rows
        }
        for leaf in seen:
            if stored.get(leaf.position) != (
                leaf.originator_id,
                leaf.originator_version,
                leaf.leaf_hash,
            ):
                raise LedgerConflict(
                    f"the event at position {leaf.position} differs from the leaf the ledger"
                    " recorded for it (or has none): run `innoledger audit verify`"
                )
