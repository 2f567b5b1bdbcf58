"""Merkle tree hashing, proofs and proof verification as specified by RFC 9162 §2.1.

Terminology used throughout:

* A *leaf hash* is ``leaf_hash(entry)``; the library never sees raw entries otherwise, so
  callers decide how an entry is serialised.
* A *node* ``(level, index)`` is the root of the perfect subtree over the leaves
  ``[index * 2**level, (index + 1) * 2**level)``.  Level 0 nodes are the leaf hashes.
  Only such perfect, aligned subtrees are ever stored or looked up: every other subtree
  root the RFC needs is derived from O(log n) of them, which is what lets a store with
  millions of leaves answer a proof with a handful of point lookups.

The module is pure computation: no I/O, no persistence.  A persistent store only has to
implement :class:`NodeSource`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import NamedTuple, Protocol

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MemoryNodeStore",
    "MerkleAppender",
    "Node",
    "NodeSource",
    "consistency_proof",
    "consistency_proof_nodes",
    "frontier_nodes",
    "inclusion_proof",
    "inclusion_proof_nodes",
    "leaf_hash",
    "node_hash",
    "root_hash",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32

# Distinct prefixes give leaves and interior nodes disjoint preimage domains, so a leaf can
# never be passed off as an interior node (second-preimage resistance, RFC 9162 §2.1.1).
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""MTH({}) — the root of the empty tree (RFC 9162 §2.1.1)."""

# A node coordinate (level, index); see the module docstring.
Coord = tuple[int, int]


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d): the hash of a single entry."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


class Node(NamedTuple):
    """A completed perfect subtree: ``hash`` is the root over leaves
    ``[index * 2**level, (index + 1) * 2**level)``."""

    level: int
    # Named like the persistent table's column; shadowing tuple.index() is deliberate, as
    # nodes are never searched by value.
    index: int  # type: ignore[assignment]
    hash: bytes


class NodeSource(Protocol):
    """Read access to stored perfect-subtree roots.

    Nodes are immutable once their subtree is complete, so a source that has grown past a
    given tree size still answers correctly for that size.
    """

    def get_node(self, level: int, index: int) -> bytes:
        """Return the root of the perfect subtree over leaves
        ``[index * 2**level, (index + 1) * 2**level)``.

        Must raise ``KeyError`` if that subtree is not (yet) complete in the store.
        """
        ...


# ---------------------------------------------------------------------------------------
# Internal helpers
# ---------------------------------------------------------------------------------------


def _check_hash(value: bytes, what: str) -> None:
    # Catch the easy mistake of handing raw entries (or hex strings) where leaf hashes are
    # expected; such a tree would be internally consistent and silently useless.
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes, got {value!r:.80}")


def _check_size(value: int, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{what} must be a non-negative int, got {value!r}")


def _largest_pow2_below(n: int) -> int:
    """The RFC's split point k: the largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _range_coords(start: int, end: int) -> list[Coord]:
    """Decompose leaves [start, end) into perfect aligned subtrees, largest (leftmost) first.

    Every range that arises in the RFC's recursion starts at a multiple of the smallest
    power of two >= its size (the left part of a split is a power of two and the right part
    is no larger), so taking the set bits of the size from the top down yields aligned
    pieces — exactly the left spine of MTH(D[start:end]).
    """
    coords: list[Coord] = []
    pos = start
    size = end - start
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            # Guards against a caller-side logic error producing a range that no stored
            # node can represent; silently mis-aligned lookups would return wrong hashes.
            if pos & ((1 << level) - 1):
                raise AssertionError(f"range [{start}, {end}) is not aligned")
            coords.append((level, pos >> level))
            pos += 1 << level
    return coords


def _fold_right(pieces: Sequence[bytes]) -> bytes:
    """Root of a range from its aligned pieces (largest first).

    MTH splits at the largest power of two below the size, which is precisely the first
    piece, so the root is HASH(p0, HASH(p1, ... HASH(p_{r-2}, p_{r-1}))).
    """
    acc = pieces[-1]
    for piece in reversed(pieces[:-1]):
        acc = node_hash(piece, acc)
    return acc


def _resolve(plan: list[list[Coord]], hashes: NodeSource) -> list[bytes]:
    return [_fold_right([hashes.get_node(level, index) for level, index in item]) for item in plan]


def _flatten(plan: list[list[Coord]]) -> list[Coord]:
    seen: dict[Coord, None] = {}
    for item in plan:
        for coord in item:
            seen.setdefault(coord, None)
    return list(seen)


def _inclusion_plan(leaf_index: int, tree_size: int) -> list[list[Coord]]:
    """PATH(m, D[n]) (RFC 9162 §2.1.3.1) as node coordinates, one list per proof element.

    Walks the RFC recursion top-down and reverses, since PATH lists the sibling nearest the
    leaf first.  Only the first left turn can have a non-perfect sibling (the right edge);
    every sibling below it is a single perfect node, so the plan has O(log n) coordinates.
    """
    _check_size(leaf_index, "leaf_index")
    _check_size(tree_size, "tree_size")
    if leaf_index >= tree_size:
        raise ValueError(f"leaf_index {leaf_index} is outside a tree of size {tree_size}")
    plan: list[list[Coord]] = []
    start, end = 0, tree_size
    while end - start > 1:
        mid = start + _largest_pow2_below(end - start)
        if leaf_index < mid:
            # m < k: PATH(m, D[0:k]) : MTH(D[k:n])
            plan.append(_range_coords(mid, end))
            end = mid
        else:
            # m >= k: PATH(m - k, D[k:n]) : MTH(D[0:k])
            plan.append(_range_coords(start, mid))
            start = mid
    plan.reverse()
    return plan


def _consistency_plan(first: int, second: int) -> list[list[Coord]]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) (RFC 9162 §2.1.4.1) as node coordinates.

    ``first`` is kept as an absolute leaf position, so "m <= k" within the current range
    [start, end) becomes ``first <= start + k`` and "m == size" becomes ``first == end``.
    """
    _check_size(first, "first")
    _check_size(second, "second")
    if first > second:
        raise ValueError(f"first ({first}) must not exceed second ({second})")
    # The RFC defines PROOF only for 0 < m < n; the empty tree and an unchanged tree are
    # trivially consistent and, as in RFC 6962 implementations, have an empty proof.
    if first == 0 or first == second:
        return []
    plan: list[list[Coord]] = []
    start, end = 0, second
    complete_subtree = True  # the RFC's flag b
    while first != end:
        mid = start + _largest_pow2_below(end - start)
        if first <= mid:
            # m <= k: SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            plan.append(_range_coords(mid, end))
            end = mid
        else:
            # m > k: SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            plan.append(_range_coords(start, mid))
            start = mid
            complete_subtree = False
    # SUBPROOF(m, D[m], true) = {} because the verifier already holds MTH(D[0:m]);
    # SUBPROOF(m, D[m], false) = {MTH(D[m])}.
    if not complete_subtree:
        plan.append(_range_coords(start, end))
    plan.reverse()
    return plan


# ---------------------------------------------------------------------------------------
# Tree hashes and proofs
# ---------------------------------------------------------------------------------------


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) (RFC 9162 §2.1.1) over already-hashed leaves, in O(n) time."""
    if not leaf_hashes:
        return EMPTY_ROOT
    for i, h in enumerate(leaf_hashes):
        _check_hash(h, f"leaf_hashes[{i}]")
    level = list(leaf_hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        # Carrying an unpaired last node up unchanged is the same as MTH's largest-power-of-
        # two split: the node is the root of the right-edge remainder, which MTH only joins
        # once it meets the perfect subtree immediately to its left.
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def frontier_nodes(tree_size: int) -> list[Coord]:
    """Coordinates of the perfect subtrees on the right edge of a tree of ``tree_size``
    leaves, left to right (one per set bit of the size); they determine its root."""
    _check_size(tree_size, "tree_size")
    return _range_coords(0, tree_size)


def tree_root(tree_size: int, hashes: NodeSource) -> bytes:
    """MTH(D[0:tree_size]) from stored nodes, with at most log2(n) + 1 lookups.

    Works for any historical size the store has reached, since nodes never change.
    """
    coords = frontier_nodes(tree_size)
    if not coords:
        return EMPTY_ROOT
    return _fold_right([hashes.get_node(level, index) for level, index in coords])


def inclusion_proof_nodes(leaf_index: int, tree_size: int) -> list[Coord]:
    """The distinct node coordinates :func:`inclusion_proof` will look up, so a persistent
    store can fetch them in one round trip."""
    return _flatten(_inclusion_plan(leaf_index, tree_size))


def inclusion_proof(leaf_index: int, tree_size: int, hashes: NodeSource) -> list[bytes]:
    """PATH(leaf_index, D[0:tree_size]) (RFC 9162 §2.1.3.1), leaf side first."""
    return _resolve(_inclusion_plan(leaf_index, tree_size), hashes)


def consistency_proof_nodes(first: int, second: int) -> list[Coord]:
    """The distinct node coordinates :func:`consistency_proof` will look up."""
    return _flatten(_consistency_plan(first, second))


def consistency_proof(first: int, second: int, hashes: NodeSource) -> list[bytes]:
    """PROOF(first, D[0:second]) (RFC 9162 §2.1.4.1); empty when first is 0 or equals second."""
    return _resolve(_consistency_plan(first, second), hashes)


# ---------------------------------------------------------------------------------------
# Node storage and incremental construction
# ---------------------------------------------------------------------------------------


class MemoryNodeStore:
    """An in-memory :class:`NodeSource`, keyed like the persistent ``(level, index)`` table.

    Sparse contents are allowed, so it also serves as a prefetch cache for the coordinates
    returned by :func:`inclusion_proof_nodes` / :func:`consistency_proof_nodes`.
    """

    __slots__ = ("_nodes",)

    def __init__(self, nodes: Iterable[tuple[int, int, bytes]] = ()) -> None:
        self._nodes: dict[Coord, bytes] = {}
        self.put_nodes(nodes)

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Iterable[bytes]) -> MemoryNodeStore:
        """A store holding every perfect subtree of the tree over ``leaf_hashes``."""
        return cls(MerkleAppender().append(leaf_hashes))

    def get_node(self, level: int, index: int) -> bytes:
        return self._nodes[(level, index)]

    def put_node(self, level: int, index: int, hash: bytes) -> None:
        """Store a node.  Re-putting the same value is a no-op; a different value raises
        ``ValueError`` because a completed subtree's root can never legitimately change."""
        _check_size(level, "level")
        _check_size(index, "index")
        _check_hash(hash, "hash")
        existing = self._nodes.setdefault((level, index), hash)
        if existing != hash:
            raise ValueError(f"node ({level}, {index}) already stored with a different hash")

    def put_nodes(self, nodes: Iterable[tuple[int, int, bytes]]) -> None:
        for level, index, h in nodes:
            self.put_node(level, index, h)

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, coord: object) -> bool:
        return coord in self._nodes


class MerkleAppender:
    """Incrementally grows a tree, keeping only its frontier.

    The frontier is the list of perfect subtree roots on the right edge — one per set bit
    of the tree size — which is all that is needed both to extend the tree and to compute
    its root.  Appending works like binary increment: a new leaf merges with equal-sized
    pending subtrees until it finds an empty slot.
    """

    __slots__ = ("_frontier", "_size")

    def __init__(self) -> None:
        self._size = 0
        # Indexed by level; set exactly where bit `level` of the size is set.
        self._frontier: list[bytes | None] = []

    @classmethod
    def resume(cls, tree_size: int, hashes: NodeSource) -> MerkleAppender:
        """Continue a tree of ``tree_size`` leaves whose nodes are in ``hashes``, reading only
        its log2(n) frontier nodes."""
        appender = cls()
        for level, index in frontier_nodes(tree_size):
            h = hashes.get_node(level, index)
            _check_hash(h, f"stored node ({level}, {index})")
            appender._set_slot(level, h)
        appender._size = tree_size
        return appender

    @property
    def tree_size(self) -> int:
        return self._size

    @property
    def frontier(self) -> list[Node]:
        """The pending perfect subtrees, left (largest) to right."""
        nodes: list[Node] = []
        pos = 0
        for level in range(len(self._frontier) - 1, -1, -1):
            h = self._frontier[level]
            if h is not None:
                nodes.append(Node(level, pos >> level, h))
                pos += 1 << level
        return nodes

    def _set_slot(self, level: int, h: bytes | None) -> None:
        while len(self._frontier) <= level:
            self._frontier.append(None)
        self._frontier[level] = h

    def append(self, leaf_hashes: Iterable[bytes]) -> list[Node]:
        """Add leaves; return every node completed by them, including the leaves themselves,
        each level in increasing index order.

        Validates all input before changing state, so a rejected batch leaves the appender
        in step with whatever has been persisted from earlier batches.
        """
        batch = list(leaf_hashes)
        for i, h in enumerate(batch):
            _check_hash(h, f"leaf_hashes[{i}]")
        completed: list[Node] = []
        for h in batch:
            index = self._size
            completed.append(Node(0, index, h))
            level = 0
            # Each trailing 1-bit of the old size is a pending subtree of that level which
            # the new leaf completes into one twice as large.
            while index >> level & 1:
                left = self._frontier[level]
                assert left is not None  # invariant: slot set iff the size bit is set
                self._frontier[level] = None
                h = node_hash(left, h)
                level += 1
                completed.append(Node(level, index >> level, h))
            self._set_slot(level, h)
            self._size = index + 1
        return completed

    def root(self) -> bytes:
        """MTH of the current tree, folded from the frontier in O(log n)."""
        pending = [h for h in reversed(self._frontier) if h is not None]
        if not pending:
            return EMPTY_ROOT
        return _fold_right(pending)


# ---------------------------------------------------------------------------------------
# Verification (RFC 9162 §2.1.3.2 and §2.1.4.2, step by step)
# ---------------------------------------------------------------------------------------


def verify_inclusion(
    leaf_hash: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows ``leaf_hash`` at ``leaf_index`` in the tree of ``tree_size``
    leaves with root ``root`` (RFC 9162 §2.1.3.2)."""
    # 1. leaf_index must lie inside the tree.
    if leaf_index < 0 or leaf_index >= tree_size:
        return False
    # 2. fn walks the leaf's position, sn the last position, up the tree.
    fn = leaf_index
    sn = tree_size - 1
    # 3.
    r = leaf_hash
    # 4.
    for p in proof:
        if sn == 0:
            # More proof elements than levels: padding could hide a forgery.
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                # fn is on the right edge with no right sibling at these levels: skip them.
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    # 5. sn == 0 proves the proof was long enough to reach the root.
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree (``first``, ``first_root``) is a prefix of the tree
    (``second``, ``second_root``) (RFC 9162 §2.1.4.2).

    The RFC covers 0 < first < second; the edge cases follow RFC 6962 practice with an
    empty proof: first == second needs equal roots, and first == 0 needs ``first_root`` to be
    the empty-tree root (the only valid root of size 0).
    """
    if first < 0 or second < first:
        return False
    if first == 0:
        return not proof and first_root == EMPTY_ROOT and (second > 0 or second_root == EMPTY_ROOT)
    if first == second:
        return not proof and first_root == second_root
    # 1.
    if not proof:
        return False
    path = list(proof)
    # 2. A power-of-two first tree is a complete subtree the prover omits (b = true).
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    # 3.
    fn = first - 1
    sn = second - 1
    # 4. While the old tree's last node is a right child, its parent is still inside the
    #    complete subtree the proof starts from, so those levels contribute no hashes.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # 7.
    return fr == first_root and sr == second_root and sn == 0
