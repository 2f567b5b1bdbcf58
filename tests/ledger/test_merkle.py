"""Tests for service.ledger.merkle against RFC 9162 §2.1.

The oracles here are deliberately independent of the library: a reference MTH/PATH/PROOF
written straight from the recursive definitions (§2.1.1, §2.1.3.1, §2.1.4.1), a verifier
transcribed from the algorithm text (§2.1.3.2, §2.1.4.2), and published RFC 6962 test vectors
from the certificate-transparency reference implementation.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.ledger.merkle import (
    EMPTY_ROOT,
    MemoryNodeStore,
    MerkleAppender,
    Node,
    consistency_proof,
    consistency_proof_nodes,
    frontier_nodes,
    inclusion_proof,
    inclusion_proof_nodes,
    leaf_hash,
    node_hash,
    root_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

# ---------------------------------------------------------------------------------------
# Reference implementation, from the RFC 9162 §2.1 definitions.  It works on raw entries
# and its own SHA-256 calls, so it shares nothing with the code under test.  Functions take
# (lo, hi) meaning D[lo:hi] of the global DATA and are memoised purely for speed.
# ---------------------------------------------------------------------------------------

MAX_LEAVES = 5000
DATA: list[bytes] = [f"innoledger entry {i}".encode() for i in range(MAX_LEAVES)]


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_k(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def ref_mth(lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi])."""
    n = hi - lo
    if n == 0:
        return sha256(b"")
    if n == 1:
        return sha256(b"\x00" + DATA[lo])
    k = ref_k(n)
    return sha256(b"\x01" + ref_mth(lo, lo + k) + ref_mth(lo + k, hi))


def ref_path(m: int, lo: int, hi: int) -> list[bytes]:
    """PATH(m, D[lo:hi])."""
    n = hi - lo
    if n == 1:
        return []
    k = ref_k(n)
    if m < k:
        return [*ref_path(m, lo, lo + k), ref_mth(lo + k, hi)]
    return [*ref_path(m - k, lo + k, hi), ref_mth(lo, lo + k)]


def ref_subproof(m: int, lo: int, hi: int, b: bool) -> list[bytes]:
    """SUBPROOF(m, D[lo:hi], b)."""
    n = hi - lo
    if m == n:
        return [] if b else [ref_mth(lo, hi)]
    k = ref_k(n)
    if m <= k:
        return [*ref_subproof(m, lo, lo + k, b), ref_mth(lo + k, hi)]
    return [*ref_subproof(m - k, lo + k, hi, False), ref_mth(lo, lo + k)]


def ref_proof(m: int, n: int) -> list[bytes]:
    """PROOF(m, D[0:n]), extended with the usual empty proof for m == 0 and m == n."""
    if m in (0, n):
        return []
    return ref_subproof(m, 0, n, True)


def ref_leaf(i: int) -> bytes:
    return ref_mth(i, i + 1)


# ---------------------------------------------------------------------------------------
# Independent verifier, transcribed from the RFC 9162 algorithm text.
# ---------------------------------------------------------------------------------------


def rfc_hash_children(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def lsb(x: int) -> bool:
    return x % 2 == 1


def rfc_verify_inclusion(
    hash_: bytes, leaf_index: int, tree_size: int, inclusion_path: Sequence[bytes], root: bytes
) -> bool:
    """§2.1.3.2."""
    # 1. Compare leaf_index against tree_size; fail if leaf_index >= tree_size.
    if leaf_index >= tree_size:
        return False
    # 2. Set fn to leaf_index and sn to tree_size - 1.
    fn, sn = leaf_index, tree_size - 1
    # 3. Set r to hash.
    r = hash_
    # 4. For each value p in the inclusion_path array:
    for p in inclusion_path:
        # If sn is 0, stop the iteration and fail the proof verification.
        if sn == 0:
            return False
        # If LSB(fn) is set, or if fn is equal to sn, then:
        if lsb(fn) or fn == sn:
            # 1. Set r to HASH(0x01 || p || r).
            r = rfc_hash_children(p, r)
            # 2. If LSB(fn) is not set, right-shift fn and sn equally until either LSB(fn)
            #    is set or fn is 0.
            if not lsb(fn):
                while not (lsb(fn) or fn == 0):
                    fn, sn = fn // 2, sn // 2
        # Otherwise: set r to HASH(0x01 || r || p).
        else:
            r = rfc_hash_children(r, p)
        # Finally, right-shift both fn and sn one time.
        fn, sn = fn // 2, sn // 2
    # 5. Compare sn to 0 and r against root_hash.
    return sn == 0 and r == root


def rfc_verify_consistency(
    first: int, second: int, first_hash: bytes, second_hash: bytes, proof: Sequence[bytes]
) -> bool:
    """§2.1.4.2, defined for 0 < first < second."""
    assert 0 < first < second
    consistency_path = list(proof)
    # 1. If consistency_path is an empty array, stop and fail the proof verification.
    if not consistency_path:
        return False
    # 2. If first is an exact power of 2, then prepend first_hash to consistency_path.
    if first in {2**i for i in range(64)}:
        consistency_path = [first_hash, *consistency_path]
    # 3. Set fn to first - 1 and sn to second - 1.
    fn, sn = first - 1, second - 1
    # 4. If LSB(fn) is set, right-shift both fn and sn equally until LSB(fn) is not set.
    while lsb(fn):
        fn, sn = fn // 2, sn // 2
    # 5. Set both fr and sr to the first value in the consistency_path array.
    fr = sr = consistency_path[0]
    # 6. For each subsequent value c in the consistency_path array:
    for c in consistency_path[1:]:
        # If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0:
            return False
        # If LSB(fn) is set, or if fn is equal to sn, then:
        if lsb(fn) or fn == sn:
            # 1. Set fr to HASH(0x01 || c || fr).  2. Set sr to HASH(0x01 || c || sr).
            fr = rfc_hash_children(c, fr)
            sr = rfc_hash_children(c, sr)
            # 3. If LSB(fn) is not set, right-shift both fn and sn equally until either
            #    LSB(fn) is set or fn is 0.
            if not lsb(fn):
                while not (lsb(fn) or fn == 0):
                    fn, sn = fn // 2, sn // 2
        # Otherwise: set sr to HASH(0x01 || sr || c).
        else:
            sr = rfc_hash_children(sr, c)
        # Finally, right-shift both fn and sn one time.
        fn, sn = fn // 2, sn // 2
    # 7. Verify fr == first_hash, sr == second_hash and sn == 0.
    return fr == first_hash and sr == second_hash and sn == 0


# ---------------------------------------------------------------------------------------
# Shared fixtures: one appender run over all leaves, recording every intermediate root.
# ---------------------------------------------------------------------------------------

LEAVES: list[bytes] = [ref_leaf(i) for i in range(MAX_LEAVES)]


def _build_full() -> tuple[MemoryNodeStore, list[bytes], list[list[Node]]]:
    appender = MerkleAppender()
    store = MemoryNodeStore()
    roots = [appender.root()]
    emitted: list[list[Node]] = []
    for h in LEAVES:
        nodes = appender.append([h])
        store.put_nodes(nodes)
        emitted.append(nodes)
        roots.append(appender.root())
    return store, roots, emitted


# FULL_STORE holds all MAX_LEAVES leaves; ROOTS[n] is the appender's root after n leaves;
# EMITTED[i] are the nodes returned when leaf i was appended.
FULL_STORE, ROOTS, EMITTED = _build_full()


@cache
def exact_store(n: int) -> MemoryNodeStore:
    """A store holding exactly the first n leaves, so any lookup past n raises KeyError."""
    return MemoryNodeStore.from_leaf_hashes(LEAVES[:n])


def check_tree(n: int, store: MemoryNodeStore) -> None:
    root = ref_mth(0, n)
    assert ROOTS[n] == root
    assert tree_root(n, store) == root
    assert root_hash(LEAVES[:n]) == root


def check_inclusion(m: int, n: int, store: MemoryNodeStore) -> None:
    proof = inclusion_proof(m, n, store)
    assert proof == ref_path(m, 0, n), (m, n)
    root = ref_mth(0, n)
    assert verify_inclusion(LEAVES[m], m, n, proof, root)
    assert rfc_verify_inclusion(LEAVES[m], m, n, proof, root)


def check_consistency(m: int, n: int, store: MemoryNodeStore) -> None:
    proof = consistency_proof(m, n, store)
    assert proof == ref_proof(m, n), (m, n)
    first_root, second_root = ref_mth(0, m), ref_mth(0, n)
    assert verify_consistency(m, n, first_root, second_root, proof)
    if 0 < m < n:
        assert rfc_verify_consistency(m, n, first_root, second_root, proof)


# ---------------------------------------------------------------------------------------
# Known answers
# ---------------------------------------------------------------------------------------

# certificate-transparency merkle_tree_test.cc: inputs, roots of the first n inputs, and the
# nodes of the 8-leaf tree by level.
CT_INPUTS = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_NODES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
# (leaf_index, tree_size, path) — the C++ file numbers leaves from 1.
CT_PATHS = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def ct_store() -> MemoryNodeStore:
    return MemoryNodeStore.from_leaf_hashes(leaf_hash(d) for d in CT_INPUTS)


def test_empty_tree_and_empty_leaf_vectors() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root_hash([]) == EMPTY_ROOT
    assert MerkleAppender().root() == EMPTY_ROOT
    assert tree_root(0, MemoryNodeStore()) == EMPTY_ROOT
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )


def test_node_hash_is_prefixed_concatenation() -> None:
    left, right = sha256(b"l"), sha256(b"r")
    assert node_hash(left, right) == sha256(b"\x01" + left + right)
    assert leaf_hash(b"x") == sha256(b"\x00x")


def test_ct_root_vectors() -> None:
    leaves = [leaf_hash(d) for d in CT_INPUTS]
    appender = MerkleAppender()
    store = ct_store()
    for n in range(1, 9):
        appender.append([leaves[n - 1]])
        assert root_hash(leaves[:n]).hex() == CT_ROOTS[n - 1]
        assert appender.root().hex() == CT_ROOTS[n - 1]
        assert tree_root(n, store).hex() == CT_ROOTS[n - 1]


def test_ct_node_vectors() -> None:
    store = ct_store()
    assert len(store) == 15
    for level, hashes in enumerate(CT_NODES):
        for index, expected in enumerate(hashes):
            assert store.get_node(level, index).hex() == expected


@pytest.mark.parametrize(("leaf_index", "tree_size", "expected"), CT_PATHS)
def test_ct_inclusion_vectors(leaf_index: int, tree_size: int, expected: list[str]) -> None:
    proof = inclusion_proof(leaf_index, tree_size, ct_store())
    assert [p.hex() for p in proof] == expected
    root = bytes.fromhex(CT_ROOTS[tree_size - 1])
    leaf = leaf_hash(CT_INPUTS[leaf_index])
    assert verify_inclusion(leaf, leaf_index, tree_size, proof, root)
    assert rfc_verify_inclusion(leaf, leaf_index, tree_size, proof, root)
    # The CT reference test's rejections for these particular vectors.
    for verify in (verify_inclusion, rfc_verify_inclusion):
        for bad_index in (leaf_index - 1, leaf_index + 1, leaf_index ^ 2):
            if bad_index >= 0:
                assert not verify(leaf, bad_index, tree_size, proof, root)
        assert not verify(leaf, leaf_index, tree_size * 2, proof, root)
        assert not verify(leaf, leaf_index, tree_size // 2, proof, root)
        assert not verify(leaf_hash(b"WrongLeaf"), leaf_index, tree_size, proof, root)
        assert not verify(leaf, leaf_index, tree_size, proof, EMPTY_ROOT)


@pytest.mark.parametrize(("first", "second", "expected"), CT_CONSISTENCY)
def test_ct_consistency_vectors(first: int, second: int, expected: list[str]) -> None:
    proof = consistency_proof(first, second, ct_store())
    assert [p.hex() for p in proof] == expected
    r1, r2 = bytes.fromhex(CT_ROOTS[first - 1]), bytes.fromhex(CT_ROOTS[second - 1])
    assert verify_consistency(first, second, r1, r2, proof)
    if first == second:
        return
    assert rfc_verify_consistency(first, second, r1, r2, proof)
    for bad_first in (first - 1, first + 1, first ^ 2):
        if 0 < bad_first < second:
            assert not verify_consistency(bad_first, second, r1, r2, proof)
            assert not rfc_verify_consistency(bad_first, second, r1, r2, proof)
    for bad_second in (second * 2, second // 2):
        if first < bad_second:
            assert not verify_consistency(first, bad_second, r1, r2, proof)
            assert not rfc_verify_consistency(first, bad_second, r1, r2, proof)


# ---------------------------------------------------------------------------------------
# Exhaustive small trees and random large trees against the reference
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 65))
def test_every_proof_of_small_trees_matches_reference(n: int) -> None:
    store = exact_store(n)
    check_tree(n, store)
    for m in range(n):
        check_inclusion(m, n, store)
    for m in range(n + 1):
        check_consistency(m, n, store)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_random_large_trees_match_reference(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, MAX_LEAVES), label="tree_size")
    m = data.draw(st.integers(0, n - 1), label="leaf_index")
    first = data.draw(st.integers(0, n), label="first")
    check_tree(n, FULL_STORE)
    check_inclusion(m, n, FULL_STORE)
    check_consistency(first, n, FULL_STORE)


# ---------------------------------------------------------------------------------------
# Rejection of tampered proofs
# ---------------------------------------------------------------------------------------


def flip(h: bytes, bit: int = 0) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


def inclusion_forgeries(
    m: int, n: int, proof: list[bytes], root: bytes
) -> list[tuple[bytes, int, int, list[bytes], bytes]]:
    leaf = LEAVES[m]
    bad: list[tuple[bytes, int, int, list[bytes], bytes]] = []
    for j in range(len(proof)):
        tampered = list(proof)
        tampered[j] = flip(tampered[j])
        bad.append((leaf, m, n, tampered, root))
        swapped = list(proof)
        swapped[j] = EMPTY_ROOT
        bad.append((leaf, m, n, swapped, root))
    if len(proof) > 1:
        bad.append((leaf, m, n, proof[::-1], root))
    if proof:
        bad.append((leaf, m, n, proof[:-1], root))
        bad.append((leaf, m, n, proof[1:], root))
    bad += [
        (leaf, m, n, [*proof, b""], root),
        (leaf, m, n, [*proof, root], root),
        (leaf, m, n, [b"", *proof], root),
        (leaf, m, n, [root, *proof], root),
        (flip(leaf), m, n, proof, root),
        (LEAVES[n], m, n, proof, root),
        (DATA[m], m, n, proof, root),  # the raw entry instead of its leaf hash
        (leaf, m, n, proof, flip(root)),
        (leaf, m, n, proof, EMPTY_ROOT),
        (leaf, m, n, proof, ref_mth(0, n + 1)),
        (leaf, n, n, proof, root),
    ]
    for other in (m - 1, m + 1, m ^ 1, m ^ 2):
        if 0 <= other < n and other != m:
            bad.append((leaf, other, n, proof, root))
    return bad


def consistency_forgeries(
    m: int, n: int, proof: list[bytes], r1: bytes, r2: bytes
) -> list[tuple[int, int, bytes, bytes, list[bytes]]]:
    bad: list[tuple[int, int, bytes, bytes, list[bytes]]] = []
    for j in range(len(proof)):
        tampered = list(proof)
        tampered[j] = flip(tampered[j], 7)
        bad.append((m, n, r1, r2, tampered))
    if len(proof) > 1:
        bad.append((m, n, r1, r2, proof[::-1]))
    bad += [
        (m, n, r1, r2, []),
        (m, n, r1, r2, proof[:-1]),
        (m, n, r1, r2, proof[1:]),
        (m, n, r1, r2, [*proof, b""]),
        (m, n, r1, r2, [*proof, proof[-1]]),
        (m, n, r1, r2, [b"", *proof]),
        (m, n, r1, r2, [proof[0], *proof]),
        (m, n, flip(r1), r2, proof),
        (m, n, r1, flip(r2), proof),
        (m, n, r2, r1, proof),
        (m, n, r1, ref_mth(0, n + 1), proof),
    ]
    if m > 1:
        bad.append((m, n, ref_mth(0, m - 1), r2, proof))
    return bad


@pytest.mark.parametrize("n", range(1, 41))
def test_tampered_inclusion_proofs_are_rejected(n: int) -> None:
    for m in range(n):
        proof = ref_path(m, 0, n)
        root = ref_mth(0, n)
        for args in inclusion_forgeries(m, n, proof, root):
            assert not verify_inclusion(*args), (m, n, args)
            assert not rfc_verify_inclusion(*args), (m, n, args)
        # The tree size is bound by the signed tree head, not by the proof, so a wrong size
        # is not always detectable; the library must still agree with the RFC text.
        for other_size in (n - 1, n + 1, 2 * n, n // 2):
            if other_size > 0:
                assert verify_inclusion(LEAVES[m], m, other_size, proof, root) == (
                    rfc_verify_inclusion(LEAVES[m], m, other_size, proof, root)
                )


@pytest.mark.parametrize("n", range(2, 41))
def test_tampered_consistency_proofs_are_rejected(n: int) -> None:
    for m in range(1, n):
        proof = ref_proof(m, n)
        r1, r2 = ref_mth(0, m), ref_mth(0, n)
        for args in consistency_forgeries(m, n, proof, r1, r2):
            assert not verify_consistency(*args), (m, n, args)
            assert not rfc_verify_consistency(*args), (m, n, args)
        for other_first, other_second in ((m - 1, n), (m + 1, n), (m, n + 1), (m, 2 * n)):
            if 0 < other_first < other_second:
                assert verify_consistency(other_first, other_second, r1, r2, proof) == (
                    rfc_verify_consistency(other_first, other_second, r1, r2, proof)
                )


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_tampered_proofs_of_large_trees_are_rejected(data: st.DataObject) -> None:
    n = data.draw(st.integers(2, MAX_LEAVES - 1), label="tree_size")
    m = data.draw(st.integers(1, n - 1), label="index")
    proof = inclusion_proof(m, n, FULL_STORE)
    for args in inclusion_forgeries(m, n, proof, ROOTS[n]):
        assert not verify_inclusion(*args)
        assert not rfc_verify_inclusion(*args)
    cproof = consistency_proof(m, n, FULL_STORE)
    for cargs in consistency_forgeries(m, n, cproof, ROOTS[m], ROOTS[n]):
        assert not verify_consistency(*cargs)
        assert not rfc_verify_consistency(*cargs)


def test_verifier_edge_cases() -> None:
    r1, r5 = ref_mth(0, 1), ref_mth(0, 5)
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, r5, [])
    assert verify_consistency(1, 1, r1, r1, [])
    assert verify_consistency(5, 5, r5, r5, [])
    assert not verify_consistency(0, 5, r1, r5, [])  # only MTH({}) is a size-0 root
    assert not verify_consistency(0, 0, EMPTY_ROOT, r1, [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, r5, [EMPTY_ROOT])
    assert not verify_consistency(1, 1, r1, r5, [])
    assert not verify_consistency(1, 1, r1, r1, [r1])
    assert not verify_consistency(1, 0, r1, EMPTY_ROOT, [])
    assert not verify_consistency(5, 1, r5, r1, [])
    assert not verify_consistency(-1, 5, r1, r5, [])
    assert not verify_consistency(1, 5, r1, r5, [])
    for args in [(0, 0), (0, 1), (1, 0), (2, 1), (-1, 1)]:
        assert not verify_inclusion(LEAVES[0], args[0], args[1], [], EMPTY_ROOT)
        assert not verify_inclusion(LEAVES[0], args[0], args[1], [], b"")
    assert verify_inclusion(LEAVES[0], 0, 1, [], r1)
    # The RFC's indices are unsigned.  A transcription using signed integers accepts index -1
    # as "always the right child", i.e. the last leaf of a power-of-two tree, so the library
    # must reject negative indices explicitly.
    for n in (1, 2, 4, 64):
        proof, root = ref_path(n - 1, 0, n), ref_mth(0, n)
        assert rfc_verify_inclusion(LEAVES[n - 1], -1, n, proof, root)
        assert not verify_inclusion(LEAVES[n - 1], -1, n, proof, root)


# ---------------------------------------------------------------------------------------
# Appender: emitted nodes, batching, resumption
# ---------------------------------------------------------------------------------------


def expected_nodes(n: int) -> set[tuple[int, int, bytes]]:
    """Every perfect aligned subtree of the first n leaves, from the reference MTH."""
    out = set()
    level = 0
    while (1 << level) <= n:
        width = 1 << level
        for index in range(n // width):
            out.add((level, index, ref_mth(index * width, (index + 1) * width)))
        level += 1
    return out


@pytest.mark.parametrize("n", [*range(0, 70), 127, 128, 129, 1000, 1023, 1024, 1025])
def test_appender_emits_exactly_the_perfect_subtrees(n: int) -> None:
    nodes = MerkleAppender().append(LEAVES[:n])
    assert len(nodes) == len(set(nodes))
    assert set(nodes) == expected_nodes(n)
    assert all(isinstance(node, Node) for node in nodes)
    # Per level, nodes complete left to right, so a store can append rows in order.
    by_level: dict[int, list[int]] = {}
    for node in nodes:
        by_level.setdefault(node.level, []).append(node.index)
    assert all(indices == sorted(indices) for indices in by_level.values())
    assert len(exact_store(n)) == len(nodes)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 300), max_size=12))
def test_batching_does_not_change_the_tree(chunks: list[int]) -> None:
    appender = MerkleAppender()
    emitted: list[Node] = []
    for size in chunks:
        start = appender.tree_size
        if start + size > MAX_LEAVES:
            break
        emitted += appender.append(LEAVES[start : start + size])
        assert appender.root() == ROOTS[appender.tree_size]
    n = appender.tree_size
    assert emitted == [node for i in range(n) for node in EMITTED[i]]


class CountingSource:
    """Wraps a NodeSource, recording every lookup."""

    def __init__(self, inner: MemoryNodeStore) -> None:
        self.inner = inner
        self.calls: list[tuple[int, int]] = []

    def get_node(self, level: int, index: int) -> bytes:
        self.calls.append((level, index))
        return self.inner.get_node(level, index)


def check_resume(n: int, total: int, store: MemoryNodeStore) -> None:
    source = CountingSource(store)
    resumed = MerkleAppender.resume(n, source)
    assert len(source.calls) == n.bit_count()  # only the frontier is read
    assert resumed.tree_size == n
    assert resumed.root() == ROOTS[n]
    assert [(node.level, node.index) for node in resumed.frontier] == frontier_nodes(n)
    for i in range(n, total):
        assert resumed.append([LEAVES[i]]) == EMITTED[i]
        assert resumed.root() == ROOTS[i + 1]


@pytest.mark.parametrize("n", [*range(0, 66), 127, 128, 255, 256, 257, 1000])
def test_resumed_appender_matches_uninterrupted_run(n: int) -> None:
    check_resume(n, n + 70, exact_store(n))
    check_resume(n, n + 5, FULL_STORE)  # nodes past n in the store must not matter


@settings(max_examples=25, deadline=None)
@given(st.integers(0, MAX_LEAVES - 40))
def test_resume_at_random_sizes(n: int) -> None:
    check_resume(n, n + 40, FULL_STORE)


def test_resumed_appender_writes_agree_with_store() -> None:
    store = exact_store(300)
    # Re-putting identical nodes is idempotent, so replaying after a crash is safe.
    store_copy = MemoryNodeStore((lvl, idx, h) for lvl, idx, h in expected_nodes(300))
    appender = MerkleAppender.resume(300, store_copy)
    store_copy.put_nodes(appender.append(LEAVES[300:700]))
    store_copy.put_nodes(MerkleAppender.resume(300, store).append(LEAVES[300:700]))
    assert tree_root(700, store_copy) == ROOTS[700]
    for m in (0, 299, 300, 699):
        assert inclusion_proof(m, 700, store_copy) == ref_path(m, 0, 700)


# ---------------------------------------------------------------------------------------
# Efficiency: proofs touch O(log n) stored nodes, exactly those the planners announce
# ---------------------------------------------------------------------------------------


class SyntheticSource:
    """Answers any coordinate with a made-up hash, to count lookups in trees too large to
    build.  The hashes are not a consistent tree; only the access pattern is examined."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def get_node(self, level: int, index: int) -> bytes:
        self.calls.append((level, index))
        return sha256(f"{level}/{index}".encode())


HUGE_SIZES = [1, 2, 3, 1_000_000, 2**20, 2**20 + 1, 2**40 - 1, 2**40 + 12_345, 2**62 + 7]


@pytest.mark.parametrize("n", HUGE_SIZES)
def test_proofs_need_logarithmic_lookups(n: int) -> None:
    rng = random.Random(n)
    bits = n.bit_length()
    for m in {0, n - 1, n // 2, rng.randrange(n), rng.randrange(n)}:
        source = SyntheticSource()
        proof = inclusion_proof(m, n, source)
        assert len(proof) <= bits
        assert len(source.calls) <= 2 * bits
        assert set(source.calls) == set(inclusion_proof_nodes(m, n))
        for level, index in source.calls:
            assert (index + 1) << level <= n  # only complete subtrees are ever asked for
    for first in {1, n - 1, n // 2, rng.randrange(1, n + 1), n}:
        source = SyntheticSource()
        proof = consistency_proof(first, n, source)
        assert len(proof) <= bits + 1
        assert len(source.calls) <= 2 * bits + 1
        assert set(source.calls) == set(consistency_proof_nodes(first, n))
        for level, index in source.calls:
            assert (index + 1) << level <= n
    source = SyntheticSource()
    tree_root(n, source)
    assert len(source.calls) == n.bit_count()
    resumed = MerkleAppender.resume(n, source)
    assert resumed.tree_size == n
    resumed.append([LEAVES[0]])
    assert resumed.tree_size == n + 1


def test_proof_node_lists_cover_the_proof() -> None:
    # A sparse store holding only the announced nodes is enough: what a SQL store would
    # prefetch in one query.
    n = 3001
    for m, first in ((0, 1), (1234, 1234), (3000, 2048), (2047, 3000)):
        cache = MemoryNodeStore(
            (lvl, idx, FULL_STORE.get_node(lvl, idx)) for lvl, idx in inclusion_proof_nodes(m, n)
        )
        assert inclusion_proof(m, n, cache) == ref_path(m, 0, n)
        cache = MemoryNodeStore(
            (lvl, idx, FULL_STORE.get_node(lvl, idx))
            for lvl, idx in consistency_proof_nodes(first, n)
        )
        assert consistency_proof(first, n, cache) == ref_proof(first, n)


# ---------------------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------------------


def test_invalid_requests_raise() -> None:
    store = exact_store(10)
    with pytest.raises(ValueError):
        inclusion_proof(10, 10, store)
    with pytest.raises(ValueError):
        inclusion_proof(-1, 10, store)
    with pytest.raises(ValueError):
        inclusion_proof(0, 0, store)
    with pytest.raises(ValueError):
        consistency_proof(11, 10, store)
    with pytest.raises(ValueError):
        consistency_proof(-1, 10, store)
    with pytest.raises(ValueError):
        frontier_nodes(-1)
    # Asking beyond what the store holds is a missing node, not a wrong answer.
    with pytest.raises(KeyError):
        inclusion_proof(0, 11, store)
    with pytest.raises(KeyError):
        consistency_proof(3, 12, store)
    with pytest.raises(KeyError):
        tree_root(11, store)
    with pytest.raises(KeyError):
        MerkleAppender.resume(11, store)


def test_leaf_hash_inputs_are_validated_atomically() -> None:
    appender = MerkleAppender()
    appender.append(LEAVES[:3])
    with pytest.raises(ValueError):
        appender.append([LEAVES[3], b"raw entry, not a hash"])
    assert appender.tree_size == 3
    assert appender.root() == ROOTS[3]
    with pytest.raises(ValueError):
        root_hash([LEAVES[0], LEAVES[1].hex().encode()])


def test_store_refuses_to_rewrite_a_node() -> None:
    store = MemoryNodeStore()
    store.put_node(0, 0, LEAVES[0])
    store.put_node(0, 0, LEAVES[0])
    assert len(store) == 1
    assert (0, 0) in store
    with pytest.raises(ValueError):
        store.put_node(0, 0, LEAVES[1])
    with pytest.raises(ValueError):
        store.put_node(-1, 0, LEAVES[1])
    with pytest.raises(ValueError):
        store.put_node(0, 1, b"short")
    with pytest.raises(KeyError):
        store.get_node(0, 1)
