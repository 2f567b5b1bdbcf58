"""An independent RFC 9162 verifier, written from the RFC's text for these tests.

It shares no code with service.ledger: the Merkle Tree Hash is the recursive definition of
§2.1.1, the verifiers follow §2.1.3.2 and §2.1.4.2 step by step, and the ledger entry encoding is
transcribed from service/ledger/README.md.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from uuid import UUID


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def entry(originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """The LedgerEntry of the README: tag, uuid, u64 version, u16-prefixed topic,
    u32-prefixed state."""
    topic_bytes = topic.encode("utf-8")
    return (
        b"innoledger-event-v1"
        + originator_id.bytes
        + version.to_bytes(8, "big")
        + len(topic_bytes).to_bytes(2, "big")
        + topic_bytes
        + len(state).to_bytes(4, "big")
        + state
    )


def leaf_hash(data: bytes) -> bytes:
    return sha256(b"\x00" + data)


def mth(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over *leaf hashes* (§2.1.1), by the recursive definition."""
    n = len(leaves)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def verify_inclusion(
    leaf_index: int, tree_size: int, hash_: bytes, inclusion_path: Sequence[bytes], root: bytes
) -> bool:
    """§2.1.3.2, step by step."""
    # 1.
    if leaf_index >= tree_size:
        return False
    # 2.
    fn, sn = leaf_index, tree_size - 1
    # 3.
    r = hash_
    # 4.
    for p in inclusion_path:
        # a.
        if sn == 0:
            return False
        # b.
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = sha256(b"\x01" + r + p)
        # c.
        fn >>= 1
        sn >>= 1
    # 5.
    return sn == 0 and r == root


def verify_consistency(
    first: int,
    second: int,
    first_hash: bytes,
    second_hash: bytes,
    consistency_path: Sequence[bytes],
) -> bool:
    """§2.1.4.2, step by step (defined for 0 < first < second)."""
    path = list(consistency_path)
    # 1.
    if not path:
        return False
    # 2.
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    # 3.
    fn, sn = first - 1, second - 1
    # 4.
    if fn & 1:
        while fn & 1:
            fn >>= 1
            sn >>= 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        # a.
        if sn == 0:
            return False
        # b.
        if fn & 1 or fn == sn:
            fr = sha256(b"\x01" + c + fr)
            sr = sha256(b"\x01" + c + sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = sha256(b"\x01" + sr + c)
        # c.
        fn >>= 1
        sn >>= 1
    # 7.
    return fr == first_hash and sr == second_hash and sn == 0


def tree_head_data(timestamp_ms: int, tree_size: int, root: bytes) -> bytes:
    """RFC 9162 §4.9 TreeHeadDataV2 without extensions, as the ledger README says it signs."""
    return struct.pack(">QQB", timestamp_ms, tree_size, len(root)) + root + b"\x00\x00"
