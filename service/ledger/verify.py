"""`verify`: recompute the ledger from the stored events and check it against every commitment.

One pass over the log, in order, in constant memory:

1. each stored event is re-encoded (service.ledger.encoding) and hashed, and the Merkle tree is
   rebuilt from those leaf hashes;
2. its root at the size of every stored tree head — and of the head an auditor saved — is
   compared with the signed root, whose signature is checked; so is the root of the ledger's
   own stored tree (which proofs are served from);
3. at the first size whose root differs, the events since the last size that agreed are read
   again and compared with the ledger's leaves, to name the first bad event: *altered* (same
   event, other bytes), *removed* (the ledger's event is no longer in the store), *inserted*
   (the store's event was never in the ledger) or *reordered* (both exist, in another order).

The projection signs a tree head with every batch it appends, so step 3 re-reads at most one
batch.  With ``deep=True`` verify also compares every leaf (hash and log position — so it also
finds an event *renumbered* to another position) and every interior node of the ledger's tables
with the recomputed tree while streaming: slower, and it checks the proof tables themselves, not
just the events.

Events after the ledger's last leaf are *pending* (the projection has not reached them yet),
not an error.  An event removed from the end of the log, together with its leaves, is caught by
any tree head that covered it — which is why auditors keep one.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import Notification

from service.ledger import tables
from service.ledger.encoding import event_leaf_hash
from service.ledger.ledger import Ledger
from service.ledger.merkle import EMPTY_ROOT, MerkleAppender, Node
from service.ledger.projection import ledger_size
from service.ledger.signing import TreeHead, load_public_key

Progress = Callable[[int, int], None]
NODE_CHUNK = 1024
MAX_FINDINGS = 50


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    leaf_index: int | None = None
    position: int | None = None
    originator_id: str | None = None
    originator_version: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}

    def __str__(self) -> str:
        where = []
        if self.leaf_index is not None:
            where.append(f"leaf {self.leaf_index}")
        if self.position is not None:
            where.append(f"position {self.position}")
        if self.originator_id is not None:
            where.append(f"event {self.originator_id} v{self.originator_version}")
        return f"{self.kind}: {self.message}" + (f" ({', '.join(where)})" if where else "")


@dataclass
class VerifyReport:
    events: int = 0  # events in the store
    leaves: int = 0  # leaves in the ledger
    pending: int = 0  # events after the ledger's last leaf
    root_hash: bytes = b""  # recomputed over every stored event
    ledger_root_hash: bytes = b""  # recomputed over the first `leaves` events
    tree_heads_checked: int = 0
    saved_tree_head_checked: bool = False
    bytes_hashed: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first_problem(self) -> Finding | None:
        """The bad event with the lowest leaf index if any is named, else the first finding."""
        named = [f for f in self.findings if f.leaf_index is not None]
        if named:
            return min(named, key=lambda f: f.leaf_index or 0)
        return self.findings[0] if self.findings else None

    def add(self, finding: Finding) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)

    def to_json(self) -> dict[str, Any]:
        first = self.first_problem
        return {
            "ok": self.ok,
            "events": self.events,
            "leaves": self.leaves,
            "pending": self.pending,
            "root_hash": self.root_hash.hex(),
            "ledger_root_hash": self.ledger_root_hash.hex(),
            "tree_heads_checked": self.tree_heads_checked,
            "saved_tree_head_checked": self.saved_tree_head_checked,
            "first_problem": None if first is None else first.to_json(),
            "findings": [f.to_json() for f in self.findings],
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class _StoredLeaf:
    position: int
    originator_id: str
    originator_version: int
    leaf_hash: bytes


class _NodeChecker:
    """Compares recomputed interior nodes with the stored ones, a chunk per level at a time, so
    memory stays bounded and the stored nodes are read in index order."""

    def __init__(self, ledger: Ledger, report: VerifyReport):
        self._ledger = ledger
        self._report = report
        self._pending: dict[int, list[tuple[int, bytes]]] = {}
        self.checked = 0

    def add(self, nodes: list[Node], limit: int) -> None:
        """Queues the interior nodes among `nodes` whose subtree ends within `limit` leaves."""
        pending = self._pending
        for level, index, digest in nodes:
            if level and (index + 1) << level <= limit:
                bucket = pending.get(level)
                if bucket is None:
                    bucket = pending[level] = []
                bucket.append((index, digest))
                if len(bucket) >= NODE_CHUNK:
                    self._flush(level)

    def finish(self) -> None:
        for level in list(self._pending):
            self._flush(level)

    def _flush(self, level: int) -> None:
        bucket = self._pending.pop(level, [])
        if not bucket:
            return
        # Nodes of one level complete in index order, so a bucket is a contiguous range and
        # the stored range, read in index order, must equal it element for element.
        with self._ledger.store.reading() as cursor:
            rows = cursor.execute(
                f"SELECT node_index, hash FROM {tables.NODES}"
                " WHERE level = ? AND node_index >= ? AND node_index <= ? ORDER BY node_index",
                (level, bucket[0][0], bucket[-1][0]),
            ).fetchall()
        self.checked += len(bucket)
        if [(r["node_index"], r["hash"]) for r in rows] == bucket:
            return
        stored = {r["node_index"]: r["hash"] for r in rows}
        for index, expected in bucket:
            if stored.get(index) != expected:
                first_leaf = index << level
                self._report.add(
                    Finding(
                        "ledger_node",
                        f"the ledger's node (level {level}, index {index}) over leaves"
                        f" {first_leaf}..{((index + 1) << level) - 1} is missing or wrong;"
                        " proofs that use it would fail",
                    )
                )


class _Verifier:
    def __init__(
        self,
        ledger: Ledger,
        saved: TreeHead | None,
        progress: Progress | None,
        batch_size: int,
        deep: bool,
    ):
        self.ledger = ledger
        self.saved = saved
        self.progress = progress
        self.batch_size = batch_size
        self.deep = deep
        self.report = VerifyReport()
        self.heads = ledger.tree_heads()
        self.keys = ledger.public_keys()
        self.checkpoints: list[int] = []
        self.roots: dict[int, bytes] = {}
        # Log position of the last event inside each checkpoint's prefix, to re-read from.
        self.boundaries: dict[int, int] = {0: 0}
        self.mismatch_at: int | None = None
        # Sizes whose recomputed root was compared: with a signed head (or the ledger's stored
        # tree), and whether it agreed.
        self.passed_sizes: set[int] = set()
        self.failed_heads: set[int] = set()
        self.failed_stored_root: int | None = None

    def run(self) -> VerifyReport:
        started = time.perf_counter()
        report = self.report
        with self.ledger.store.reading() as cursor:
            report.leaves, _ = ledger_size(cursor)
            row = cursor.execute(f"SELECT COUNT(*) AS n FROM {tables.LEAVES}").fetchone()
            stored_leaves = int(row["n"]) if row else 0
        if stored_leaves != report.leaves:
            report.add(
                Finding(
                    "ledger_leaves",
                    f"the ledger's leaf indexes are not contiguous: {stored_leaves} rows for a"
                    f" tree of {report.leaves}",
                )
            )
        total = self.ledger.log.count()
        sizes = {head.tree_size for head in self.heads} | {report.leaves}
        if self.saved is not None:
            sizes.add(self.saved.tree_size)
        self.checkpoints = sorted(s for s in sizes if s > 0)
        appender = MerkleAppender()
        nodes = _NodeChecker(self.ledger, report) if self.deep else None
        index = 0
        for batch in self.ledger.log.iterate(batch_size=self.batch_size):
            hashes = [
                event_leaf_hash(n.originator_id, n.originator_version, n.topic, n.state)
                for n in batch
            ]
            report.bytes_hashed += sum(len(n.state) for n in batch)
            if self.deep and self.mismatch_at is None and index < report.leaves:
                self._compare(index, batch, hashes)
            self._grow(appender, batch, hashes, nodes, report.leaves)
            index += len(batch)
            if self.progress is not None:
                self.progress(index, max(total, index))
        if nodes is not None:
            nodes.finish()
            self._check_node_count(report.leaves)
        report.events = index
        report.pending = max(0, index - report.leaves)
        report.root_hash = appender.root()
        report.ledger_root_hash = self.roots.get(report.leaves, appender.root())
        self._check_stored_root()
        self._check_heads()
        self._check_coverage()
        if self.mismatch_at is None:
            self._pinpoint()
        report.seconds = time.perf_counter() - started
        return report

    # Leaves

    def _stored_leaves(self, first: int, count: int) -> list[_StoredLeaf]:
        with self.ledger.store.reading() as cursor:
            rows = cursor.execute(
                "SELECT leaf_index, position, originator_id, originator_version, leaf_hash"
                f" FROM {tables.LEAVES} WHERE leaf_index >= ? AND leaf_index < ?"
                " ORDER BY leaf_index",
                (first, first + count),
            ).fetchall()
        return [
            _StoredLeaf(
                int(r["position"]),
                r["originator_id"],
                int(r["originator_version"]),
                bytes(r["leaf_hash"]),
            )
            for r in rows
        ]

    def _compare(self, first: int, batch: Sequence[Notification], hashes: list[bytes]) -> None:
        count = min(len(batch), self.report.leaves - first)
        with self.ledger.store.reading() as cursor:
            rows = cursor.execute(
                f"SELECT position, leaf_hash FROM {tables.LEAVES}"
                " WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index",
                (first, first + count),
            ).fetchall()
        stored = [(row["position"], row["leaf_hash"]) for row in rows]
        if stored == [(n.id, h) for n, h in zip(batch[:count], hashes, strict=False)]:
            return
        for offset in range(count):
            # Equal hashes imply the same id and version (both are hashed), so the common case
            # costs one bytes comparison and one int comparison.
            if offset < len(stored) and stored[offset] == (batch[offset].id, hashes[offset]):
                continue
            leaves = self._stored_leaves(first + offset, 1)
            leaf = leaves[0] if leaves else None
            self.mismatch_at = first + offset
            self.report.add(self._classify(first + offset, leaf, batch[offset], hashes[offset]))
            return

    def _classify(
        self, leaf_index: int, leaf: _StoredLeaf | None, event: Notification, digest: bytes
    ) -> Finding:
        event_id = str(event.originator_id)

        def at_event(kind: str, message: str) -> Finding:
            return Finding(kind, message, leaf_index, event.id, event_id, event.originator_version)

        if leaf is None:
            return at_event("ledger_leaves", "the ledger has no leaf here")
        if (leaf.originator_id, leaf.originator_version) == (event_id, event.originator_version):
            if leaf.leaf_hash != digest:
                return at_event(
                    "altered", "the stored event's bytes differ from those the ledger recorded"
                )
            return at_event(
                "renumbered", f"the event moved from log position {leaf.position} to {event.id}"
            )
        with self.ledger.store.reading() as cursor:
            leaf_event_stored = self.ledger.log.exists(
                cursor, leaf.originator_id, leaf.originator_version
            )
            row = cursor.execute(
                f"SELECT leaf_index FROM {tables.LEAVES}"
                " WHERE originator_id = ? AND originator_version = ?",
                (event_id, event.originator_version),
            ).fetchone()
        if not leaf_event_stored:
            return Finding(
                "removed",
                "the event the ledger recorded here is no longer in the store",
                leaf_index=leaf_index,
                position=leaf.position,
                originator_id=leaf.originator_id,
                originator_version=leaf.originator_version,
            )
        if row is None:
            return at_event("inserted", "this stored event was never recorded in the ledger")
        return at_event(
            "reordered",
            f"the ledger recorded this event as leaf {int(row['leaf_index'])}, and this leaf"
            f" as event {leaf.originator_id} v{leaf.originator_version}",
        )

    def _removed_at_end(self, index: int, committed: int) -> None:
        leaf = self._stored_leaves(index, 1)
        self.mismatch_at = index
        self.report.add(
            Finding(
                "removed",
                f"the store ends after {index} events, but {committed} were committed to",
                leaf_index=index,
                position=leaf[0].position if leaf else None,
                originator_id=leaf[0].originator_id if leaf else None,
                originator_version=leaf[0].originator_version if leaf else None,
            )
        )

    # The tree

    def _grow(
        self,
        appender: MerkleAppender,
        batch: Sequence[Notification],
        hashes: list[bytes],
        nodes: _NodeChecker | None,
        leaves: int,
    ) -> None:
        """Appends the batch, stopping at every checkpoint size to record the root there."""
        start, end = 0, len(hashes)
        while start < end:
            size = appender.tree_size
            at = bisect_right(self.checkpoints, size)  # the first checkpoint beyond `size`
            stop = end
            if at < len(self.checkpoints):
                stop = min(end, start + self.checkpoints[at] - size)
            completed = appender.append(
                hashes if start == 0 and stop == end else hashes[start:stop]
            )
            if nodes is not None:
                # Stored nodes exist only inside the ledger, and after the first bad leaf every
                # node above it differs anyway: that leaf is the finding, not its ancestors.
                nodes.add(
                    completed, leaves if self.mismatch_at is None else min(leaves, self.mismatch_at)
                )
            if at < len(self.checkpoints) and appender.tree_size == self.checkpoints[at]:
                self.roots[appender.tree_size] = appender.root()
                self.boundaries[appender.tree_size] = batch[stop - 1].id
            start = stop

    def _check_node_count(self, leaves: int) -> None:
        expected = sum(leaves >> level for level in range(1, leaves.bit_length()))
        with self.ledger.store.reading() as cursor:
            row = cursor.execute(f"SELECT COUNT(*) AS n FROM {tables.NODES}").fetchone()
        stored = int(row["n"]) if row else 0
        if stored != expected:
            self.report.add(
                Finding(
                    "ledger_node",
                    f"the ledger stores {stored} interior nodes; a tree of {leaves} has {expected}",
                )
            )

    def _check_stored_root(self) -> None:
        """The ledger's own tree (proofs come from it) must have the recomputed root."""
        leaves = self.report.leaves
        if leaves == 0 or leaves > self.report.events:
            return  # an empty ledger has nothing to compare; a longer one is found by heads
        try:
            stored = self.ledger.root_hash(leaves)
        except KeyError:
            stored = None
        if stored == self.roots.get(leaves):
            self.passed_sizes.add(leaves)
        else:
            self.failed_stored_root = leaves
            self.report.add(
                Finding(
                    "ledger_root",
                    f"the root of the ledger's stored tree of {leaves} leaves is not the root"
                    " recomputed from the stored events",
                )
            )

    def _check_coverage(self) -> None:
        covered = max((head.tree_size for head in self.heads), default=0)
        if covered < self.report.leaves:
            self.report.add(
                Finding(
                    "tree_head",
                    f"leaves {covered}..{self.report.leaves - 1} are covered by no signed tree"
                    " head (tree heads were removed?)",
                )
            )

    def _pinpoint(self) -> None:
        """Names the first bad event inside the first window whose root disagreed: re-reads
        the events of that window only and compares them with the ledger's leaves."""
        failed = set(self.failed_heads)
        if self.failed_stored_root is not None:
            failed.add(self.failed_stored_root)
        if not failed:
            return
        bad = min(failed)
        if self.deep and bad not in self.failed_heads:
            return  # only the stored tree disagrees, and deep mode has named its nodes
        # The prefix up to `good` is known to agree with what was committed.
        good = max((s for s in self.passed_sizes if s < bad), default=0)
        after = self.boundaries[good]
        end = min(bad, self.report.leaves, self.report.events)
        index = good
        while index < end:
            batch = list(self.ledger.log.notifications(after, min(self.batch_size, end - index)))
            if not batch:
                break
            hashes = [
                event_leaf_hash(n.originator_id, n.originator_version, n.topic, n.state)
                for n in batch
            ]
            self._compare(index, batch, hashes)
            if self.mismatch_at is not None:
                return
            index += len(batch)
            after = batch[-1].id
        if self.report.events < bad:
            self._removed_at_end(self.report.events, bad)
            return
        if bad in self.failed_heads:
            self.report.add(
                Finding(
                    "tree_head",
                    f"an event among leaves {good}..{bad - 1} differs from what was signed,"
                    " though it matches the ledger's leaves: the leaves were rewritten too",
                )
            )
        else:
            self.report.add(
                Finding(
                    "ledger_node",
                    "the events match the ledger's leaves but not its stored tree: its interior"
                    " nodes are wrong (`verify --deep` names them)",
                )
            )

    # Tree heads

    def _check_head(self, head: TreeHead, label: str) -> None:
        pem = self.keys.get(head.key_id)
        if pem is None:
            self.report.add(Finding("signature", f"{label}: signed by unknown key {head.key_id}"))
        elif not head.verify(load_public_key(pem)):
            self.report.add(Finding("signature", f"{label}: the signature is not valid"))
        if head.tree_size > self.report.events:
            self.failed_heads.add(head.tree_size)
            self.report.add(
                Finding(
                    "tree_head",
                    f"{label} covers {head.tree_size} events; the store holds only"
                    f" {self.report.events}",
                )
            )
            return
        root = self.roots.get(head.tree_size) if head.tree_size else EMPTY_ROOT
        if root == head.root_hash:
            self.passed_sizes.add(head.tree_size)
        else:
            self.failed_heads.add(head.tree_size)
            self.report.add(
                Finding(
                    "tree_head",
                    f"{label}: its root {head.root_hash.hex()} is not the root recomputed from"
                    " the stored events",
                )
            )

    def _check_heads(self) -> None:
        for head in self.heads:
            self._check_head(
                head, f"tree head of size {head.tree_size} ({head.timestamp:%Y-%m-%d %H:%M:%S}Z)"
            )
            self.report.tree_heads_checked += 1
        if self.saved is not None:
            self._check_head(self.saved, f"the saved tree head of size {self.saved.tree_size}")
            self.report.saved_tree_head_checked = True


def verify(
    ledger: Ledger | Any,
    saved_tree_head: TreeHead | None = None,
    progress: Progress | None = None,
    *,
    deep: bool = False,
    batch_size: int = 2000,
) -> VerifyReport:
    """Recomputes the ledger from the stored events and reports every disagreement (see the
    module docstring; `deep` also checks every stored leaf and node).  `ledger` may also be the
    application itself."""
    if not isinstance(ledger, Ledger):
        ledger = Ledger.of(ledger)
    ledger.ensure_tables()
    return _Verifier(ledger, saved_tree_head, progress, batch_size, deep).run()
