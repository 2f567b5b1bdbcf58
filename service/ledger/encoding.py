"""The canonical encoding of a stored event as a ledger entry, and its RFC 9162 leaf hash.

Every event the store holds becomes one leaf of the ledger's Merkle tree, in log order.  The
leaf's entry is this byte string (TLS presentation language, as RFC 9162 uses; all integers
unsigned big-endian)::

    struct {
        opaque tag[19] = "innoledger-event-v1";   /* format and version of the encoding */
        opaque originator_id[16];                 /* the aggregate's UUID, RFC 9562 byte order */
        uint64 originator_version;                /* 1 for the aggregate's first event */
        opaque topic<1..2^16-1>;                  /* UTF-8, e.g. "innoledger:Need.Prioritised" */
        opaque state<0..2^32-1>;                  /* the stored state, byte for byte */
    } LedgerEntry;

and the leaf hash is ``SHA-256(0x00 || LedgerEntry)`` (RFC 9162 §2.1.1).

Why these fields and nothing else:

* They are exactly the stored event (eventsourcing's ``StoredEvent``): the state bytes already
  hold the event's timestamp, audit metadata and data, so changing any of it changes the leaf.
* The notification id (log position) is deliberately left out.  PostgreSQL's ids have gaps and an
  import into another store assigns new ids; the *order* of the leaves is what the tree commits
  to, so an exported and re-imported store reproduces the same root.
* Fixed-size fields and length prefixes make the encoding injective: no two different events
  share an entry, whatever bytes the topic or state contain.
* The state is hashed as stored (possibly compressed or encrypted, if the store is configured
  so), never re-encoded, so the ledger does not depend on how a later version of the code would
  serialise the same event.

An auditor can recompute a leaf hash from an export line (``service.transfer``) with nothing but
SHA-256: decode the base64 state, build the struct above, prefix 0x00, hash.
"""

from __future__ import annotations

import hashlib
import struct
from uuid import UUID

ENTRY_TAG = b"innoledger-event-v1"
ENCODING_NAME = ENTRY_TAG.decode("ascii")
_LEAF_PREFIX = b"\x00"  # RFC 9162 §2.1.1: leaves and interior nodes hash in separate domains
_PREFIX = _LEAF_PREFIX + ENTRY_TAG
_VERSION_AND_TOPIC_LENGTH = struct.Struct(">QH")
_STATE_LENGTH = struct.Struct(">I")
_MAX_TOPIC = 0xFFFF
_MAX_STATE = 0xFFFFFFFF
_MAX_VERSION = 0xFFFFFFFFFFFFFFFF


class EncodingError(ValueError):
    """The event cannot be represented as a ledger entry (it could never have been stored)."""


def _id_bytes(originator_id: UUID | str) -> bytes:
    if isinstance(originator_id, UUID):
        return originator_id.bytes
    try:
        return UUID(str(originator_id)).bytes
    except ValueError:
        raise EncodingError(f"originator_id {originator_id!r} is not a UUID") from None


def _fields(originator_version: int, topic: str, state: bytes) -> tuple[bytes, bytes]:
    topic_bytes = topic.encode("utf-8")
    if not 0 < len(topic_bytes) <= _MAX_TOPIC:
        raise EncodingError(f"topic must be 1 to {_MAX_TOPIC} bytes of UTF-8")
    if len(state) > _MAX_STATE:
        raise EncodingError(f"state must be at most {_MAX_STATE} bytes")
    if not 0 <= originator_version <= _MAX_VERSION:
        raise EncodingError("originator_version must fit an unsigned 64-bit integer")
    return _VERSION_AND_TOPIC_LENGTH.pack(originator_version, len(topic_bytes)), topic_bytes


def leaf_entry(
    originator_id: UUID | str, originator_version: int, topic: str, state: bytes
) -> bytes:
    """The LedgerEntry bytes of one stored event (see the module docstring)."""
    head, topic_bytes = _fields(originator_version, topic, state)
    return b"".join(
        (
            ENTRY_TAG,
            _id_bytes(originator_id),
            head,
            topic_bytes,
            _STATE_LENGTH.pack(len(state)),
            state,
        )
    )


def event_leaf_hash(
    originator_id: UUID | str, originator_version: int, topic: str, state: bytes
) -> bytes:
    """SHA-256(0x00 || LedgerEntry): equal to ``merkle.leaf_hash(leaf_entry(...))``.

    Verify runs this once per stored event, so it joins the parts once and hashes them in one
    call rather than going through leaf_entry() and a second concatenation.
    """
    head, topic_bytes = _fields(originator_version, topic, state)
    return hashlib.sha256(
        b"".join(
            (
                _PREFIX,
                _id_bytes(originator_id),
                head,
                topic_bytes,
                _STATE_LENGTH.pack(len(state)),
                state,
            )
        )
    ).digest()
