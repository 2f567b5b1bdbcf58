"""Verify a live Innoledger from outside, trusting nothing of it.

    python3 remote_verify.py --remote https://innoledger.example --token il_... [--tree-head F]

(or `innoledger audit verify --remote URL --token ...`). This file needs only Python's standard
library and `cryptography`, and imports nothing of the service: an auditor can copy it, read it in
one sitting and run it on their own machine. It

1. fetches the ledger's public key and checks that the key id the service names is its SHA-256;
2. fetches the signed tree head and checks its Ed25519 signature over RFC 9162 TreeHeadDataV2;
3. fetches the whole event stream (`GET /api/v1/audit/events`, a platform auditor's token),
   recomputes every leaf hash from the stored bytes (the encoding in the ledger's README) and the
   Merkle root (RFC 9162 §2.1.1), and compares it with the signed root;
4. on a mismatch, finds the first event that differs: each recomputed leaf is checked against
   the signed root with the service's inclusion proof (a proof cannot make a wrong leaf fit);
5. with `--tree-head`, checks a head saved earlier: its signature, and that the events now served
   still begin with exactly the events it committed to (the log only grew).

Exit status 0 when everything agrees, 1 on any difference (the first one is reported), 2 when the
service cannot be asked. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import struct
import sys
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ENTRY_TAG = b"innoledger-event-v1"
PAGE = 500

Fetch = Callable[[str], bytes]


def leaf_hash_of(originator_id: str, version: int, topic: str, state: bytes) -> bytes:
    topic_bytes = topic.encode("utf-8")
    entry = (
        ENTRY_TAG
        + uuid.UUID(originator_id).bytes
        + struct.pack(">QH", version, len(topic_bytes))
        + topic_bytes
        + struct.pack(">I", len(state))
        + state
    )
    return hashlib.sha256(b"\x00" + entry).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH over leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return _node(merkle_root(leaves[:split]), merkle_root(leaves[split:]))


def inclusion_holds(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def tree_head_bytes(head: dict[str, Any]) -> bytes:
    root = bytes.fromhex(head["root_hash"])
    return struct.pack(">QQB", head["timestamp_ms"], head["tree_size"], len(root)) + root + b"\0\0"


@dataclass
class Report:
    tree_size: int = 0
    events: int = 0
    root_hash: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def http_fetcher(base_url: str, token: str, *, timeout: float = 30.0) -> Fetch:
    base = base_url.rstrip("/")

    def fetch(path: str) -> bytes:
        request = urllib.request.Request(
            base + path, headers={"Authorization": f"Bearer {token}", "Accept": "*/*"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body: bytes = answer.read()
            return body

    return fetch


def _json(fetch: Fetch, path: str) -> Any:
    return json.loads(fetch(path))


def _check_signature(key: Ed25519PublicKey, head: dict[str, Any], what: str) -> str | None:
    try:
        key.verify(base64.b64decode(head["signature"]), tree_head_bytes(head))
    except (InvalidSignature, ValueError, KeyError) as error:
        return f"{what}: its signature does not verify with the published key ({error!r})"
    return None


def verify_remote(
    fetch: Fetch,
    saved: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    report = Report()
    pem = fetch("/api/v1/audit/ledger/public-key")
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        report.problems.append("the published key is not an Ed25519 key")
        return report
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key_id = hashlib.sha256(der).hexdigest()
    head = _json(fetch, "/api/v1/audit/ledger/tree-head")
    head = head.get("tree_head", head)
    if head.get("key_id") != key_id:
        report.problems.append(
            f"the tree head names key {head.get('key_id')}, the published key is {key_id}"
        )
    problem = _check_signature(key, head, "the current tree head")
    if problem:
        report.problems.append(problem)
        return report
    size = int(head["tree_size"])
    report.tree_size = size

    leaves: list[bytes] = []
    events: list[dict[str, Any]] = []
    after = 0
    while len(leaves) < size:
        page = _json(fetch, f"/api/v1/audit/events?after={after}&limit={PAGE}")
        for event in page["events"]:
            if len(leaves) >= size:
                break
            index = event.get("leaf_index")
            if index != len(leaves):
                report.problems.append(
                    f"event at position {event['position']} ({event['originator_id']} "
                    f"v{event['originator_version']}) is served as leaf {index}, where leaf "
                    f"{len(leaves)} comes next: an event was removed, inserted or reordered, or "
                    "this token does not see the whole log (use a platform auditor's token)"
                )
                return report
            leaves.append(
                leaf_hash_of(
                    event["originator_id"],
                    int(event["originator_version"]),
                    event["topic"],
                    base64.b64decode(event["state"]),
                )
            )
            events.append(event)
        if progress:
            progress(len(leaves), size)
        if not page.get("more") and len(leaves) < size:
            report.problems.append(
                f"the service serves {len(leaves)} events, the signed tree head commits to {size}"
            )
            return report
        after = page["next_after"]
    report.events = len(leaves)
    root = merkle_root(leaves)
    report.root_hash = root.hex()
    signed_root = bytes.fromhex(head["root_hash"])
    if root != signed_root:
        report.problems.append(_first_difference(fetch, leaves, events, size, signed_root))

    if saved is not None:
        saved = saved.get("tree_head", saved)
        problem = _check_signature(key, saved, "the saved tree head")
        if saved.get("key_id") != key_id:
            problem = problem or (
                f"the saved tree head was signed by key {saved.get('key_id')}, the service now "
                f"publishes {key_id}: check the key change with the operator"
            )
        if problem:
            report.problems.append(problem)
        elif int(saved["tree_size"]) > size:
            report.problems.append(
                f"the saved tree head commits to {saved['tree_size']} events; the service now "
                f"signs only {size}: events were removed"
            )
        elif merkle_root(leaves[: int(saved["tree_size"])]).hex() != saved["root_hash"]:
            first = _first_difference(
                fetch, leaves, events, int(saved["tree_size"]), bytes.fromhex(saved["root_hash"])
            )
            report.problems.append(f"against the saved tree head: {first}")
    return report


def _first_difference(
    fetch: Fetch, leaves: list[bytes], events: list[dict[str, Any]], size: int, root: bytes
) -> str:
    for index in range(size):
        proof = _json(fetch, f"/api/v1/audit/ledger/inclusion?leaf_index={index}&tree_size={size}")
        path = [bytes.fromhex(node) for node in proof["inclusion_path"]]
        if not inclusion_holds(leaves[index], index, size, path, root):
            event = events[index]
            return (
                f"leaf {index}: the event at position {event['position']} "
                f"({event['originator_id']} v{event['originator_version']}, {event['topic']}) "
                "is not the event the signed tree head committed to (altered, or another event "
                "in its place)"
            )
    return "the recomputed root differs from the signed root, but every leaf's proof holds"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--remote", required=True, help="the service's base URL")
    parser.add_argument("--token", required=True, help="a platform auditor's bearer token")
    parser.add_argument("--tree-head", help="a tree head saved earlier (JSON)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    arguments = parser.parse_args(argv)
    saved = None
    if arguments.tree_head:
        with open(arguments.tree_head, encoding="utf-8") as file:
            saved = json.load(file)

    def progress(done: int, total: int) -> None:
        print(f"\rverify: {done}/{total} events", end="", file=sys.stderr, flush=True)

    try:
        report = verify_remote(
            http_fetcher(arguments.remote, arguments.token),
            saved,
            None if arguments.quiet else progress,
        )
    except (OSError, ValueError, KeyError) as error:
        print(f"\ncannot verify: {error}", file=sys.stderr)
        return 2
    if not arguments.quiet:
        print(file=sys.stderr)
    print(f"{report.events} events recomputed; signed tree size {report.tree_size}")
    print(f"root {report.root_hash}")
    if report.ok:
        print("OK: the service's events are exactly what its signed tree head commits to")
        return 0
    for problem in report.problems:
        print(f"MISMATCH: {problem}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
