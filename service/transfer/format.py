"""The export file: JSON Lines, UTF-8, one JSON object per line, in this order.

1. Header::

       {"type": "header", "format": "innoledger-export", "format_version": 1,
        "leaf_encoding": "innoledger-event-v1", "hash_algorithm": "SHA-256",
        "exported_at": "<RFC 3339>", "events": N}

2. N events, in log order::

       {"type": "event", "leaf_index": i, "position": p, "originator_id": "<uuid>",
        "originator_version": v, "topic": "innoledger:Need.Prioritised",
        "state": "<base64 of the stored bytes>", "leaf_hash": "<hex>"}

   `leaf_index` counts from 0 without gaps; `position` is the source store's notification id
   (informative: the importing store assigns its own, in the same order); `leaf_hash` is the
   RFC 9162 leaf hash of the event's ledger entry (service.ledger.encoding), so a damaged line is
   named by its own line number.

3. The public keys that signed the tree heads below::

       {"type": "public_key", "key_id": "<hex>", "public_key_pem": "<PEM>"}

4. The source's signed tree heads covering at most N events, smallest first::

       {"type": "tree_head", ...as GET /api/v1/audit/ledger/tree-head answers}

5. Trailer — a file without it is truncated::

       {"type": "end", "events": N, "tree_size": N, "root_hash": "<hex>"}
"""

from __future__ import annotations

FORMAT = "innoledger-export"
FORMAT_VERSION = 1
