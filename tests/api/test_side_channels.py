"""Side channels: what a proof names, what a review shows before the award."""

from __future__ import annotations

from tests.api.conftest import Tenant, World


def _leaf_of_first_event(client, path: str) -> int:  # type: ignore[no-untyped-def]
    client.read("audit/ledger/tree-head")  # brings the ledger up to date
    entries = client.read(f"{path}/history")["entries"]
    leaf = entries[0]["leaf_index"]
    assert isinstance(leaf, int)
    return int(leaf)


def test_proofs_name_only_events_the_caller_may_read(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    ystad_need = world.need(ystad)
    skurup_need = world.need(skurup)
    ystad_leaf = _leaf_of_first_event(ystad.auditor, f"needs/{ystad_need}")
    skurup_leaf = _leaf_of_first_event(skurup.auditor, f"needs/{skurup_need}")
    size = skurup.auditor.read("audit/ledger/tree-head")["tree_size"]

    foreign = skurup.auditor.read(
        "audit/ledger/inclusion", query={"leaf_index": ystad_leaf, "tree_size": size}
    )
    assert foreign["event"] is None and foreign["inclusion_path"] and foreign["leaf_hash"]
    assert ystad_need not in str(foreign)
    own = skurup.auditor.read(
        "audit/ledger/inclusion", query={"leaf_index": skurup_leaf, "tree_size": size}
    )
    assert own["event"]["originator_id"] == skurup_need
    for client in (ystad.auditor, world.platform_auditor):
        proof = client.read(
            "audit/ledger/inclusion", query={"leaf_index": ystad_leaf, "tree_size": size}
        )
        assert proof["event"]["originator_id"] == ystad_need
        # The hashes are the same for everyone: only the naming differs.
        assert proof["leaf_hash"] == foreign["leaf_hash"]
        assert proof["inclusion_path"] == foreign["inclusion_path"]
