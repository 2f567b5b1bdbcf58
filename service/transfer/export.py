"""`export_store`: every stored event and the ledger's tree heads as JSON Lines (see format.py).

The export stops at the log position reached when it starts, so events recorded meanwhile do not
make the header's count wrong; it reads the log batch by batch, in constant memory.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, Any

from service.ledger.encoding import ENCODING_NAME, event_leaf_hash
from service.ledger.ledger import Ledger
from service.ledger.merkle import MerkleAppender
from service.transfer.format import FORMAT, FORMAT_VERSION

Progress = Callable[[str, int, int], None]


def _line(out: IO[str], record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    out.write("\n")


def export_store(
    app: Any,
    out: IO[str],
    progress: Progress | None = None,
    *,
    batch_size: int = 2000,
) -> dict[str, Any]:
    """Writes the export to `out`; returns the trailer (event count and ledger root)."""
    ledger = Ledger.of(app)
    ledger.ensure_tables()
    # Up to the safe head: an event of a save still in flight below the highest position
    # would otherwise be missing from the export though it lies inside its range.
    stop = ledger.log.safe_position(wait_s=5.0)
    total = ledger.log.count_upto(stop)
    _line(
        out,
        {
            "type": "header",
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "leaf_encoding": ENCODING_NAME,
            "hash_algorithm": "SHA-256",
            "exported_at": datetime.now(UTC).isoformat(),
            "events": total,
        },
    )
    appender = MerkleAppender()
    written = 0
    for batch in ledger.log.iterate(upto=stop, batch_size=batch_size):
        hashes = []
        for n in batch:
            if n.id > stop:
                break
            digest = event_leaf_hash(n.originator_id, n.originator_version, n.topic, n.state)
            hashes.append(digest)
            _line(
                out,
                {
                    "type": "event",
                    "leaf_index": written,
                    "position": n.id,
                    "originator_id": str(n.originator_id),
                    "originator_version": n.originator_version,
                    "topic": n.topic,
                    "state": base64.b64encode(n.state).decode("ascii"),
                    "leaf_hash": digest.hex(),
                },
            )
            written += 1
        appender.append(hashes)
        if progress is not None:
            progress("export", written, total)
        if len(hashes) < len(batch):
            break
    if written != total:
        raise RuntimeError(
            f"the store changed while exporting ({written} events read, {total} counted)"
        )
    heads = [head for head in ledger.tree_heads() if head.tree_size <= written]
    keys = ledger.public_keys()
    for key_id in sorted({head.key_id for head in heads}):
        if key_id in keys:
            _line(out, {"type": "public_key", "key_id": key_id, "public_key_pem": keys[key_id]})
    for head in heads:
        _line(out, {"type": "tree_head", **head.to_json()})
    trailer = {
        "type": "end",
        "events": written,
        "tree_size": written,
        "root_hash": appender.root().hex(),
    }
    _line(out, trailer)
    return trailer
