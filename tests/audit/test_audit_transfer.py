"""Export → import into an empty store reproduces the ledger root and every history; a damaged
export is refused with the number of its first wrong line, and nothing is written."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from service.audit.history import HistoryReader
from service.innoledger import Innoledger
from service.ledger import tables
from service.ledger.ledger import Ledger
from service.ledger.verify import verify
from service.settings import Settings
from service.transfer import ImportRefused, export_store, import_store
from tests.audit.conftest import EventsTable
from tests.audit.scenario import Scenario
from tests.builders import PLATFORM_AUDITOR


def export_to(app: Innoledger, path: Path) -> dict[str, Any]:
    with path.open("w", encoding="utf-8") as out:
        return export_store(app, out)


def histories(app: Innoledger, scenario: Scenario) -> list[list[dict[str, Any]]]:
    reader = HistoryReader(app)
    out = []
    for kind, object_id in (
        ("need", scenario.need_id),
        ("procurement", scenario.procurement_id),
        ("municipality", "ystad"),
    ):
        page = reader.page(PLATFORM_AUDITOR, kind, object_id, limit=500)
        # Positions are the store's own notification ids; everything else must be equal.
        out.append([{**e.to_json(), "position": None} for e in page.entries])
    return out


@pytest.fixture
def exported(
    app: Innoledger, scenario: Scenario, ledger: Ledger, tmp_path: Path
) -> tuple[Path, dict[str, Any]]:
    ledger.catch_up(batch_size=10)
    path = tmp_path / "export.jsonl"
    return path, export_to(app, path)


def test_export_then_import_reproduces_the_ledger_and_every_view(
    app: Innoledger,
    scenario: Scenario,
    ledger: Ledger,
    exported: tuple[Path, dict[str, Any]],
    empty_settings: Settings,
) -> None:
    path, trailer = exported
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["format"] == "innoledger-export"
    assert trailer["root_hash"] == ledger.root_hash().hex() == ledger.tree_head().root_hash.hex()
    stages: list[str] = []
    copy = Innoledger(empty_settings)
    try:
        summary = import_store(copy, path, lambda stage, done, total: stages.append(stage))
        copied = Ledger.of(copy)
        assert summary["root_hash"] == trailer["root_hash"]
        assert copied.root_hash() == ledger.root_hash()
        assert copied.tree_size() == ledger.tree_size()
        assert copied.tree_head().root_hash == ledger.root_hash()
        assert copied.public_key_pem() != ledger.public_key_pem()  # a store of its own
        assert {"validate", "write", "ledger"} <= set(stages)
        original = [
            {k: v for k, v in row.items() if k != "position"} for row in EventsTable(app).rows()
        ]
        imported = [
            {k: v for k, v in row.items() if k != "position"} for row in EventsTable(copy).rows()
        ]
        assert imported == original
        assert histories(copy, scenario) == histories(app, scenario)
        # Verify checks the source's tree heads too, signed by the source's key.
        report = verify(copied)
        assert report.ok, report.findings
        assert report.tree_heads_checked > len(copied.tree_heads(key_id=copied.signer.key_id))
        # A second import into the now filled store is refused.
        with pytest.raises(ImportRefused, match="not empty"):
            import_store(copy, path)
    finally:
        copy.close()


def change_state_byte(record: dict[str, Any]) -> dict[str, Any]:
    state = bytearray(base64.b64decode(record["state"]))
    state[0] ^= 0x20
    return {**record, "state": base64.b64encode(bytes(state)).decode()}


def forge_consistently(record: dict[str, Any]) -> dict[str, Any]:
    """Changes the event and recomputes its leaf hash: only the signed heads can tell."""
    from uuid import UUID

    from service.ledger.encoding import event_leaf_hash

    changed = change_state_byte(record)
    digest = event_leaf_hash(
        UUID(changed["originator_id"]),
        changed["originator_version"],
        changed["topic"],
        base64.b64decode(changed["state"]),
    )
    return {**changed, "leaf_hash": digest.hex()}


Damage = Callable[[list[str]], tuple[list[str], int, str]]


def at_event(index: int, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Damage:
    def damage(lines: list[str]) -> tuple[list[str], int, str]:
        record = change(json.loads(lines[1 + index]))
        return (
            [*lines[: 1 + index], json.dumps(record), *lines[2 + index :]],
            2 + index,
            "leaf_hash does not match",
        )

    return damage


def not_json(lines: list[str]) -> tuple[list[str], int, str]:
    return [*lines[:5], lines[5][:-7], *lines[6:]], 6, "not a JSON line"


def truncated(lines: list[str]) -> tuple[list[str], int, str]:
    return lines[:-1], len(lines), "truncated"


def swapped(lines: list[str]) -> tuple[list[str], int, str]:
    return [*lines[:3], lines[4], lines[3], *lines[5:]], 4, "leaf_index must be 2"


def dropped(lines: list[str]) -> tuple[list[str], int, str]:
    # Renumber the later lines so that only the version gap gives the deletion away.
    out = lines[:9]
    for offset, line in enumerate(lines[10:]):
        record = json.loads(line)
        if record.get("type") == "event":
            record["leaf_index"] = 8 + offset
        out.append(json.dumps(record))
    return out, 10, "expected"


def forged(lines: list[str]) -> tuple[list[str], int, str]:
    index = 20
    record = forge_consistently(json.loads(lines[1 + index]))
    changed = [*lines[: 1 + index], json.dumps(record), *lines[2 + index :]]
    head_line = next(
        number
        for number, line in enumerate(changed, start=1)
        if json.loads(line).get("type") == "tree_head" and json.loads(line)["tree_size"] > index
    )
    return changed, head_line, "tree head of size"


@pytest.mark.parametrize(
    "damage",
    [at_event(7, change_state_byte), not_json, truncated, swapped, dropped, forged],
    ids=["byte-changed", "not-json", "truncated", "swapped", "dropped", "forged-leaf-hash"],
)
def test_a_damaged_export_is_refused_and_nothing_written(
    exported: tuple[Path, dict[str, Any]],
    empty_settings: Settings,
    tmp_path: Path,
    damage: Damage,
) -> None:
    path, _ = exported
    lines, bad_line, reason = damage(path.read_text(encoding="utf-8").splitlines())
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("\n".join(lines) + "\n", encoding="utf-8")
    copy = Innoledger(empty_settings)
    try:
        with pytest.raises(ImportRefused) as refused:
            import_store(copy, damaged)
        assert refused.value.line == bad_line, refused.value
        assert reason in str(refused.value)
        assert EventsTable(copy).rows() == []
        ledger = Ledger.of(copy)
        assert ledger.tree_size() == 0
        with ledger.store.reading() as cursor:
            row = cursor.execute(f"SELECT COUNT(*) AS n FROM {tables.TREE_HEADS}").fetchone()
        assert row is not None and row["n"] == 0
    finally:
        copy.close()
