"""The ledger's signed tree heads, inclusion and consistency proofs, checked by the independent
RFC 9162 verifier of tests/audit/rfc9162.py: every size from 1 to 64, and random larger ones."""

from __future__ import annotations

import base64
import random
import uuid

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from eventsourcing.persistence import StoredEvent

from domain.errors import InvalidValue
from service.innoledger import Innoledger
from service.ledger.ledger import Ledger
from service.ledger.signing import TreeHead
from tests.audit import rfc9162


def raw_events(count: int, seed: int) -> list[StoredEvent]:
    """Stored events with random bytes: the ledger hashes what is stored, decoded or not."""
    rng = random.Random(seed)
    events = []
    aggregates = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(max(1, count // 5))]
    versions = dict.fromkeys(aggregates, 0)
    for _ in range(count):
        aggregate = rng.choice(aggregates)
        versions[aggregate] += 1
        state = rng.randbytes(rng.randint(0, 300))
        events.append(
            StoredEvent(aggregate, versions[aggregate], "innoledger:Test.Happened", state)
        )
    return events


def expected_leaves(app: Innoledger) -> list[bytes]:
    return [
        rfc9162.leaf_hash(
            rfc9162.entry(uuid.UUID(str(n.originator_id)), n.originator_version, n.topic, n.state)
        )
        for n in app.recorder.select_notifications(1, 100_000)
    ]


def check_signed_head(head: TreeHead, public_key_pem: str, leaves: list[bytes]) -> None:
    data = head.to_json()
    key = load_pem_public_key(public_key_pem.encode())
    signature = base64.b64decode(data["signature"])
    root = bytes.fromhex(data["root_hash"])
    key.verify(signature, rfc9162.tree_head_data(data["timestamp_ms"], data["tree_size"], root))  # type: ignore[union-attr,call-arg]
    assert root == rfc9162.mth(leaves[: data["tree_size"]])


def test_proofs_for_every_size_up_to_64_and_random_larger_ones(
    app: Innoledger, ledger: Ledger
) -> None:
    events = raw_events(1100, seed=9162)
    app.recorder.insert_events(events[:64])
    # One event per batch: the projection signs a tree head for every size from 1 to 64.
    assert ledger.catch_up(batch_size=1) == 64
    app.recorder.insert_events(events[64:])
    ledger.catch_up(batch_size=173)
    leaves = expected_leaves(app)
    assert len(leaves) == 1100
    public_key = ledger.public_key_pem()
    heads = {head.tree_size: head for head in ledger.tree_heads()}
    roots = {n: rfc9162.mth(leaves[:n]) for n in range(0, 65)}

    for n in range(1, 65):
        check_signed_head(heads[n], public_key, leaves)
        for m in range(n):
            proof = ledger.inclusion(m, n)
            assert proof.leaf.leaf_hash == leaves[m]
            assert proof.root_hash == roots[n]
            assert rfc9162.verify_inclusion(m, n, leaves[m], proof.inclusion_path, roots[n])
            # A proof for one leaf proves nothing about another.
            other = leaves[(m + 1) % n]
            if other != leaves[m]:
                assert not rfc9162.verify_inclusion(m, n, other, proof.inclusion_path, roots[n])
        for m in range(1, n):
            proof_c = ledger.consistency(m, n)
            assert proof_c.first_root_hash == roots[m]
            assert proof_c.second_root_hash == roots[n]
            assert rfc9162.verify_consistency(m, n, roots[m], roots[n], proof_c.consistency_path)
            if m > 1:
                assert not rfc9162.verify_consistency(
                    m, n, roots[m - 1], roots[n], proof_c.consistency_path
                )
        same = ledger.consistency(n, n)
        assert same.consistency_path == [] and same.first_root_hash == roots[n]

    rng = random.Random(6962)
    sizes = [*rng.sample(range(65, 1101), 6), 1100, *[s for s in heads if s > 64][:3]]
    for n in sizes:
        root = rfc9162.mth(leaves[:n])
        if n in heads:
            check_signed_head(heads[n], public_key, leaves)
        for m in [*rng.sample(range(n), 8), 0, n - 1]:
            proof = ledger.inclusion(m, n)
            assert rfc9162.verify_inclusion(m, n, leaves[m], proof.inclusion_path, root)
            assert proof.to_json()["inclusion_path"] == [p.hex() for p in proof.inclusion_path]
        for m in rng.sample(range(1, n), 8):
            proof_c = ledger.consistency(m, n)
            assert rfc9162.verify_consistency(
                m, n, rfc9162.mth(leaves[:m]), root, proof_c.consistency_path
            )
    head = ledger.tree_head()
    assert head.tree_size == 1100
    check_signed_head(head, public_key, leaves)


def test_leaf_indexes_are_contiguous_where_positions_have_gaps(
    app: Innoledger, ledger: Ledger
) -> None:
    app.recorder.insert_events(raw_events(5, seed=1))
    ledger.catch_up()
    if ledger.store.is_postgres:
        # A rolled-back insert uses up sequence values: the gap PostgreSQL's ids really have.
        with pytest.raises(RuntimeError), ledger.store.transaction() as cursor:
            cursor.execute(
                f"INSERT INTO {ledger.log.table} (originator_id, originator_version, topic, state)"
                " VALUES (?, 1, 't', ?), (?, 1, 't', ?)",
                (uuid.uuid4(), b"", uuid.uuid4(), b""),
            )
            raise RuntimeError("roll back")
    else:
        # SQLite's rowids have no gaps of their own; make one the same way an id can be skipped.
        with ledger.store.transaction() as cursor:
            cursor.execute(
                f"INSERT INTO {ledger.log.table} (rowid, originator_id, originator_version,"
                " topic, state) VALUES (100, ?, 1, 't', ?)",
                (uuid.uuid4().hex, b"x"),
            )
    app.recorder.insert_events(raw_events(3, seed=2))
    ledger.catch_up()
    positions = [n.id for n in app.recorder.select_notifications(1, 100)]
    assert positions != list(range(1, len(positions) + 1))  # there is a gap
    for index, position in enumerate(positions):
        assert ledger.leaf_index_of(position) == index
    assert ledger.tree_size() == len(positions)


def test_proof_requests_out_of_range_are_refused(app: Innoledger, ledger: Ledger) -> None:
    app.recorder.insert_events(raw_events(10, seed=3))
    ledger.catch_up()
    for leaf_index, tree_size in ((10, 10), (0, 11), (-1, 5), (3, 2)):
        with pytest.raises(InvalidValue):
            ledger.inclusion(leaf_index, tree_size)
    for first, second in ((5, 4), (0, 11), (-1, 3)):
        with pytest.raises(InvalidValue):
            ledger.consistency(first, second)
    empty = ledger.consistency(0, 10)
    assert empty.consistency_path == [] and empty.first_root_hash == rfc9162.sha256(b"")


def test_public_key_is_published_and_kept_in_var(app: Innoledger, ledger: Ledger) -> None:
    pem = ledger.public_key_pem()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    key_file = app.settings.var_dir / "ledger-signing-key.pem"
    assert key_file.exists()
    assert key_file.stat().st_mode & 0o077 == 0
    # Another process of the same deployment signs with the same key.
    assert Ledger(app.recorder, app.settings).public_key_pem() == pem
