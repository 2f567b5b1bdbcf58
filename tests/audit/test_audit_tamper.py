"""`verify` against a store changed behind the application's back, with plain SQL: one byte
changed, an event deleted, one inserted, two swapped — each time it names the first bad event."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from eventsourcing.persistence import StoredEvent

from service.innoledger import Innoledger
from service.ledger import tables
from service.ledger.ledger import Ledger
from service.ledger.merkle import frontier_nodes
from service.ledger.signing import TreeHead
from service.ledger.verify import verify
from tests.audit.conftest import EventsTable
from tests.builders import analysed_need, setup_tenant

TARGET = 9  # the leaf index tampered with: inside the tree, not at either end


@pytest.fixture
def honest(app: Innoledger, ledger: Ledger) -> Ledger:
    tenant = setup_tenant(app, "ystad")
    analysed_need(app, tenant)
    analysed_need(app, tenant, title="Samutnyttjade lokaler")
    ledger.catch_up(batch_size=4)
    return ledger


def test_an_honest_store_verifies_clean(honest: Ledger) -> None:
    seen: list[tuple[int, int]] = []
    report = verify(honest, progress=lambda done, total: seen.append((done, total)), batch_size=5)
    assert report.ok, report.findings
    assert report.first_problem is None
    assert report.events == report.leaves == honest.tree_size() > TARGET + 2
    assert report.pending == 0
    assert report.root_hash == honest.root_hash() == honest.tree_head().root_hash
    assert report.tree_heads_checked == len(honest.tree_heads()) > 1
    assert seen[-1] == (report.events, report.events)
    # An auditor's saved head checks out; events the ledger has not reached yet are pending.
    saved = honest.tree_head()
    honest.log.recorder.insert_events(
        [StoredEvent(uuid.uuid4(), 1, "innoledger:Test.Happened", b"{}")]
    )
    later = verify(honest, saved)
    assert later.ok and later.saved_tree_head_checked
    assert later.pending == 1 and later.events == report.events + 1


def flip_one_byte(table: EventsTable, position: int) -> None:
    row = next(r for r in table.rows() if r["position"] == position)
    state = bytearray(row["state"])
    state[len(state) // 2] ^= 0x01
    table.execute(
        f"UPDATE {table.table} SET state = ? WHERE {table.id} = ?", (bytes(state), position)
    )


def delete(table: EventsTable, position: int) -> None:
    table.execute(f"DELETE FROM {table.table} WHERE {table.id} = ?", (position,))


def insert_before(table: EventsTable, position: int) -> None:
    """Makes room by moving the later events up (ids are not content), then slips a forged
    event — a copy of an earlier one, under another aggregate id — into the gap."""
    rows = table.rows()
    table.execute(
        f"UPDATE {table.table} SET {table.id} = {table.id} + 100000 WHERE {table.id} >= ?",
        (position,),
    )
    model = rows[0]
    table.execute(
        f"INSERT INTO {table.table} ({table.id}, originator_id, originator_version, topic, state)"
        " VALUES (?, ?, ?, ?, ?)",
        (position, table.key(uuid.uuid4()), 1, model["topic"], model["state"]),
    )


def swap_with_next(table: EventsTable, position: int) -> None:
    rows = table.rows()
    later = next(r["position"] for r in rows if r["position"] > position)
    table.execute(f"UPDATE {table.table} SET {table.id} = ? WHERE {table.id} = ?", (-1, position))
    table.execute(
        f"UPDATE {table.table} SET {table.id} = ? WHERE {table.id} = ?", (position, later)
    )
    table.execute(f"UPDATE {table.table} SET {table.id} = ? WHERE {table.id} = ?", (later, -1))


@pytest.mark.parametrize(
    ("tamper", "kind"),
    [
        (flip_one_byte, "altered"),
        (delete, "removed"),
        (insert_before, "inserted"),
        (swap_with_next, "reordered"),
    ],
    ids=["byte-changed", "deleted", "inserted", "swapped"],
)
@pytest.mark.parametrize("deep", [False, True], ids=["signed-heads", "deep"])
def test_verify_names_the_first_bad_event(
    honest: Ledger,
    events_table: EventsTable,
    tamper: Callable[[EventsTable, int], None],
    kind: str,
    deep: bool,
) -> None:
    leaf = honest.leaf(TARGET)
    assert leaf is not None
    saved = honest.tree_head()
    tamper(events_table, leaf.position)
    report = verify(honest, saved, deep=deep, batch_size=4)
    assert not report.ok
    first = report.first_problem
    assert first is not None, report.findings
    assert (first.kind, first.leaf_index, first.position) == (kind, TARGET, leaf.position)
    if kind in ("altered", "removed"):
        assert (first.originator_id, first.originator_version) == (
            leaf.originator_id,
            leaf.originator_version,
        )
    # Every tree head covering the bad event disagrees with the recomputed tree, the saved one
    # included; those before it still agree.
    bad_heads = [f for f in report.findings if "tree head" in f.message]
    covering = [h for h in honest.tree_heads() if h.tree_size > TARGET]
    assert len(bad_heads) == len(covering) + 1  # + the saved head
    assert str(first).startswith(kind)


def test_ledger_tables_tampered_with_are_found(honest: Ledger) -> None:
    edge = frontier_nodes(honest.tree_size())
    assert (4, 0) in edge and (1, 2) not in edge
    with honest.store.transaction() as cursor:
        for level, index in ((1, 2), (4, 0)):
            cursor.execute(
                f"UPDATE {tables.NODES} SET hash = ? WHERE level = ? AND node_index = ?",
                (b"\0" * 32, level, index),
            )
    # The events still match every signed head; the stored tree's root does not.
    quick = verify(honest)
    assert {f.kind for f in quick.findings} == {"ledger_root", "ledger_node"}
    assert quick.first_problem is not None and quick.first_problem.leaf_index is None
    deep = verify(honest, deep=True)
    named = sorted(f.message.split(")")[0] for f in deep.findings if f.kind == "ledger_node")
    assert len(named) == 2
    assert "level 1, index 2" in named[0] and "level 4, index 0" in named[1]


def test_deep_verify_finds_a_renumbered_event(honest: Ledger, events_table: EventsTable) -> None:
    """Ids are no content: moving an event to another position keeps every signed root, but
    the ledger's position index (which history shows) is then wrong."""
    last = honest.leaf(honest.tree_size() - 1)
    assert last is not None
    events_table.execute(
        f"UPDATE {events_table.table} SET {events_table.id} = ? WHERE {events_table.id} = ?",
        (last.position + 50, last.position),
    )
    assert verify(honest).ok
    report = verify(honest, deep=True)
    assert report.first_problem is not None
    assert report.first_problem.kind == "renumbered"
    assert report.first_problem.leaf_index == honest.tree_size() - 1


def test_a_truncated_store_is_caught_by_a_saved_tree_head(
    honest: Ledger, events_table: EventsTable
) -> None:
    """Whoever deletes the last batch of events together with its leaves, nodes and tree heads
    leaves a consistent-looking ledger behind: only a tree head kept outside the store (or
    elsewhere) gives it away."""
    saved: TreeHead = honest.tree_head()
    size = saved.tree_size
    cut = max(h.tree_size for h in honest.tree_heads() if h.tree_size < size)
    for index in range(cut, size):
        leaf = honest.leaf(index)
        assert leaf is not None
        delete(events_table, leaf.position)
    with honest.store.transaction() as cursor:
        cursor.execute(f"DELETE FROM {tables.LEAVES} WHERE leaf_index >= ?", (cut,))
        for level in range(1, size.bit_length()):
            # Every node whose subtree reaches past the cut.
            cursor.execute(
                f"DELETE FROM {tables.NODES} WHERE level = ? AND node_index >= ?",
                (level, (cut >> level)),
            )
        cursor.execute(f"DELETE FROM {tables.TREE_HEADS} WHERE tree_size > ?", (cut,))
    quiet = verify(honest)
    assert quiet.ok, quiet.findings
    report = verify(honest, saved)
    assert not report.ok
    assert report.first_problem is not None
    assert report.first_problem.kind == "removed"
    assert report.first_problem.leaf_index == cut
    assert report.saved_tree_head_checked


def test_a_forged_saved_tree_head_is_refused(honest: Ledger) -> None:
    head = honest.tree_head()
    forged = TreeHead(head.tree_size, bytes(32), head.timestamp_ms, head.signature, head.key_id)
    report = verify(honest, forged)
    assert {f.kind for f in report.findings} == {"signature", "tree_head"}
