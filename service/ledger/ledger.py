"""The ledger's service functions: signed tree heads, RFC 9162 proofs, leaf lookups, catch-up.

Proofs are answered from stored perfect-subtree nodes with a handful of indexed point lookups,
so their cost grows with log2 of the tree size, never with the number of events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from eventsourcing.persistence import ApplicationRecorder

from domain.errors import InvalidValue
from eventstore.eventlog import EventLog
from eventstore.schema import SCHEMA_LOCK_KEY
from eventstore.sql import Cursor, SqlStore
from service.ledger import tables
from service.ledger.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    consistency_proof_nodes,
    frontier_nodes,
    inclusion_proof,
    inclusion_proof_nodes,
    tree_root,
)
from service.ledger.projection import (
    LedgerProjection,
    PrefetchedNodes,
    ledger_size,
    read_nodes,
    store_key,
    store_tree_head,
)
from service.ledger.signing import Signer, TreeHead, load_public_key
from service.settings import Settings

Progress = Callable[[int, int], None]
# How long a catch-up waits for saves in flight to end before appending what is safe.
SAFE_HEAD_WAIT_S = 5.0

_LEDGERS: WeakKeyDictionary[Any, Ledger] = WeakKeyDictionary()


@dataclass(frozen=True)
class LeafRecord:
    leaf_index: int
    position: int
    originator_id: str
    originator_version: int
    leaf_hash: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf_index,
            "position": self.position,
            "originator_id": self.originator_id,
            "originator_version": self.originator_version,
            "leaf_hash": self.leaf_hash.hex(),
        }


@dataclass(frozen=True)
class InclusionProof:
    """RFC 9162 §4.12 InclusionProofDataV2, plus what the leaf stands for."""

    leaf: LeafRecord
    tree_size: int
    inclusion_path: list[bytes]
    root_hash: bytes
    tree_head: TreeHead | None  # the head signed for exactly this size, if there is one

    def to_json(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf.leaf_index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf.leaf_hash.hex(),
            "inclusion_path": [node.hex() for node in self.inclusion_path],
            "root_hash": self.root_hash.hex(),
            "event": {
                "position": self.leaf.position,
                "originator_id": self.leaf.originator_id,
                "originator_version": self.leaf.originator_version,
            },
            "tree_head": None if self.tree_head is None else self.tree_head.to_json(),
        }


@dataclass(frozen=True)
class ConsistencyProof:
    """RFC 9162 §4.11 ConsistencyProofDataV2, with both roots it connects."""

    first: int
    second: int
    consistency_path: list[bytes]
    first_root_hash: bytes
    second_root_hash: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "second": self.second,
            "consistency_path": [node.hex() for node in self.consistency_path],
            "first_root_hash": self.first_root_hash.hex(),
            "second_root_hash": self.second_root_hash.hex(),
        }


@dataclass(frozen=True)
class LedgerConsistency:
    tree_size: int
    last_position: int
    events: int  # events stored at positions up to last_position

    @property
    def consistent(self) -> bool:
        return self.events == self.tree_size


def _tree_head_from_row(row: dict[str, Any]) -> TreeHead:
    return TreeHead(
        tree_size=int(row["tree_size"]),
        root_hash=bytes(row["root_hash"]),
        timestamp_ms=int(row["timestamp_ms"]),
        signature=bytes(row["signature"]),
        key_id=row["key_id"],
    )


def _whole_number(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(f"{field}: a whole number from 0", field=field)
    return value


class Ledger:
    """The ledger of one application's event store."""

    def __init__(
        self,
        recorder: ApplicationRecorder,
        settings: Settings,
        *,
        store: SqlStore | None = None,
        signer: Signer | None = None,
    ):
        self.store = store or SqlStore(recorder)
        self.log = EventLog(recorder, self.store)
        self.settings = settings
        self.projection = LedgerProjection(
            self.log, signer if signer is not None else lambda: Signer.from_settings(settings)
        )
        self._tables_ready = False
        # (last leaf's position, tree size) of the last consistent check.
        self._checked = (0, 0)

    @classmethod
    def of(cls, app: Any) -> Ledger:
        """The ledger of an `Innoledger` (any application with `recorder` and `settings`),
        one per application, so its tables are checked once, not on every request."""
        ledger = _LEDGERS.get(app)
        if ledger is None:
            ledger = _LEDGERS[app] = cls(app.recorder, app.settings)
        return ledger

    @property
    def signer(self) -> Signer:
        return self.projection.signer

    def ensure_tables(self) -> None:
        if not self._tables_ready:
            with self.store.transaction() as cursor:
                if self.store.is_postgres:
                    # Concurrent CREATE ... IF NOT EXISTS can still collide in the catalogue.
                    cursor.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK_KEY,))
                self.projection.create_tables(cursor)
            self._tables_ready = True

    # Keeping up with the log

    def catch_up(self, *, batch_size: int = 1000, progress: Progress | None = None) -> int:
        """Appends every event not yet in the ledger; returns how many were appended.

        The projection runner does this continuously; this is for tools (import, the CLI,
        tests) that need the ledger complete now.  Safe alongside the runner: whichever applies
        an event first wins, and the other sees it as applied already.
        """
        self.ensure_tables()
        total = self.log.count()
        upto = self.log.safe_position(wait_s=SAFE_HEAD_WAIT_S)
        appended = 0
        while True:
            with self.store.reading() as cursor:
                size, after = ledger_size(cursor)
            batch = self.log.notifications(after, batch_size, upto=upto)
            if not batch:
                return appended
            with self.store.transaction() as cursor:
                self.projection.append(cursor, batch)
            appended += len(batch)
            if progress is not None:
                progress(size + len(batch), max(total, size + len(batch)))

    # Checking

    def check_consistency(self) -> LedgerConsistency:
        """Whether the events up to the last leaf's position are exactly as many as the tree's
        leaves: a skipped event (or one that became visible below the ledger after it moved
        on) shows as one more event than leaves.

        Cheap enough for a readiness probe: the first check in a process counts the whole
        range (an index range count), later ones only the events since the last good check.
        `innoledger audit verify` is the full check of every leaf's content.
        """
        self.ensure_tables()
        with self.store.reading() as cursor:
            size, last = ledger_size(cursor)
            checked_position, checked_size = self._checked
            if last < checked_position or size < checked_size:
                checked_position, checked_size = 0, 0  # rebuilt or restored since
            events = checked_size + self.log.count_between(cursor, checked_position, last)
        result = LedgerConsistency(tree_size=size, last_position=last, events=events)
        if result.consistent:
            self._checked = (last, size)
        return result

    # Reading the tree

    def tree_size(self) -> int:
        self.ensure_tables()
        with self.store.reading() as cursor:
            return ledger_size(cursor)[0]

    def leaf(self, leaf_index: int) -> LeafRecord | None:
        self.ensure_tables()
        with self.store.reading() as cursor:
            rows = self._leaves(cursor, "leaf_index = ?", (leaf_index,))
        return rows[0] if rows else None

    def leaf_index_of(self, position: int) -> int | None:
        """The leaf of the event at this log position; None while the ledger has not reached it."""
        return self.leaf_indexes_of([position]).get(position)

    def leaf_indexes_of(self, positions: Sequence[int]) -> dict[int, int]:
        if not positions:
            return {}
        self.ensure_tables()
        marks = ",".join("?" * len(positions))
        with self.store.reading() as cursor:
            rows = cursor.execute(
                f"SELECT position, leaf_index FROM {tables.LEAVES} WHERE position IN ({marks})",
                list(positions),
            ).fetchall()
        return {int(r["position"]): int(r["leaf_index"]) for r in rows}

    def leaves_of(self, originator_id: UUID | str, first: int, last: int) -> dict[int, LeafRecord]:
        """Leaves of one aggregate's versions first..last, by version (indexed by event)."""
        self.ensure_tables()
        with self.store.reading() as cursor:
            rows = self._leaves(
                cursor,
                "originator_id = ? AND originator_version >= ? AND originator_version <= ?",
                (str(originator_id), first, last),
            )
        return {leaf.originator_version: leaf for leaf in rows}

    @staticmethod
    def _leaves(cursor: Cursor, where: str, params: Sequence[Any]) -> list[LeafRecord]:
        rows = cursor.execute(
            "SELECT leaf_index, position, originator_id, originator_version, leaf_hash"
            f" FROM {tables.LEAVES} WHERE {where} ORDER BY leaf_index",
            params,
        ).fetchall()
        return [
            LeafRecord(
                leaf_index=int(r["leaf_index"]),
                position=int(r["position"]),
                originator_id=r["originator_id"],
                originator_version=int(r["originator_version"]),
                leaf_hash=bytes(r["leaf_hash"]),
            )
            for r in rows
        ]

    # Tree heads

    def public_key_pem(self) -> str:
        return self.signer.public_key_pem

    def public_keys(self) -> dict[str, str]:
        """Every key that signed a stored tree head (ours, earlier ones, imported ones)."""
        self.ensure_tables()
        with self.store.reading() as cursor:
            rows = cursor.execute(f"SELECT key_id, public_key_pem FROM {tables.KEYS}").fetchall()
        keys = {r["key_id"]: r["public_key_pem"] for r in rows}
        keys.setdefault(self.signer.key_id, self.signer.public_key_pem)
        return keys

    def tree_heads(self, *, key_id: str | None = None) -> list[TreeHead]:
        """Every stored tree head, smallest first."""
        self.ensure_tables()
        sql = (
            f"SELECT key_id, tree_size, root_hash, timestamp_ms, signature FROM {tables.TREE_HEADS}"
        )
        params: list[Any] = []
        if key_id is not None:
            sql += " WHERE key_id = ?"
            params.append(key_id)
        sql += " ORDER BY tree_size, timestamp_ms"
        with self.store.reading() as cursor:
            return [_tree_head_from_row(r) for r in cursor.execute(sql, params).fetchall()]

    def tree_head(self) -> TreeHead:
        """The latest tree head, signed with the current key for the ledger's current size.

        The projection signs one per batch, so this is normally a lookup; after a key rotation
        or on an empty ledger it signs one now (tree heads are append-only commitments, so
        adding one is always safe).
        """
        self.ensure_tables()
        signer = self.signer
        with self.store.reading() as cursor:
            size, _ = ledger_size(cursor)
            head = self._signed_head(cursor, signer.key_id, size)
        if head is not None:
            return head
        with self.store.transaction() as cursor:
            size, _ = ledger_size(cursor)
            root = self._root(cursor, size)
            head = signer.sign(size, root)
            store_key(cursor, signer.key_id, signer.public_key_pem, origin="signed")
            store_tree_head(cursor, head, origin="signed")
            stored = self._signed_head(cursor, signer.key_id, size)
        return stored or head

    @staticmethod
    def _signed_head(cursor: Cursor, key_id: str, size: int) -> TreeHead | None:
        row = cursor.execute(
            "SELECT key_id, tree_size, root_hash, timestamp_ms, signature"
            f" FROM {tables.TREE_HEADS} WHERE key_id = ? AND tree_size = ?",
            (key_id, size),
        ).fetchone()
        return None if row is None else _tree_head_from_row(row)

    @staticmethod
    def _root(cursor: Cursor, size: int) -> bytes:
        if size == 0:
            return EMPTY_ROOT
        coords = frontier_nodes(size)
        return tree_root(size, PrefetchedNodes(read_nodes(cursor, coords)))

    def root_hash(self, tree_size: int | None = None) -> bytes:
        self.ensure_tables()
        with self.store.reading() as cursor:
            size = ledger_size(cursor)[0] if tree_size is None else tree_size
            return self._root(cursor, size)

    # Proofs

    @staticmethod
    def _source(
        cursor: Cursor, coords: list[tuple[int, int]], tree_size: int, field: str
    ) -> PrefetchedNodes:
        """The nodes for a proof; the frontier of `tree_size` among them exists only once the
        ledger has reached that size, which spares a query for the size."""
        frontier = frontier_nodes(tree_size)
        nodes = read_nodes(cursor, coords + frontier)
        if any(coord not in nodes for coord in frontier):
            current = ledger_size(cursor)[0]
            raise InvalidValue(
                f"{field}: the ledger holds {current} leaves, not {tree_size} (yet)", field=field
            )
        return PrefetchedNodes(nodes)

    def inclusion(self, leaf_index: int, tree_size: int) -> InclusionProof:
        """PATH(leaf_index, D[0:tree_size]) (RFC 9162 §2.1.3.1)."""
        leaf_index = _whole_number(leaf_index, "leaf_index")
        tree_size = _whole_number(tree_size, "tree_size")
        if leaf_index >= tree_size:
            raise InvalidValue("leaf_index: must be below tree_size", field="leaf_index")
        self.ensure_tables()
        with self.store.reading() as cursor:
            coords = inclusion_proof_nodes(leaf_index, tree_size)
            source = self._source(cursor, coords, tree_size, "tree_size")
            path = inclusion_proof(leaf_index, tree_size, source)
            root = tree_root(tree_size, source)
            leaf = self._leaves(cursor, "leaf_index = ?", (leaf_index,))[0]
            head = self._signed_head(cursor, self.signer.key_id, tree_size)
        return InclusionProof(leaf, tree_size, path, root, head)

    def consistency(self, first: int, second: int) -> ConsistencyProof:
        """PROOF(first, D[0:second]) (RFC 9162 §2.1.4.1); empty if first is 0 or second."""
        first = _whole_number(first, "first")
        second = _whole_number(second, "second")
        if first > second:
            raise InvalidValue("first: must not exceed second", field="first")
        self.ensure_tables()
        if second == 0:
            return ConsistencyProof(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
        with self.store.reading() as cursor:
            coords = consistency_proof_nodes(first, second) + frontier_nodes(first)
            source = self._source(cursor, coords, second, "second")
            path = consistency_proof(first, second, source)
            first_root = tree_root(first, source)
            second_root = tree_root(second, source)
        return ConsistencyProof(first, second, path, first_root, second_root)

    def verify_tree_head_signature(self, head: TreeHead) -> bool:
        pem = self.public_keys().get(head.key_id)
        return pem is not None and head.verify(load_public_key(pem))
