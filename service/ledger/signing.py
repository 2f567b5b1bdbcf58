"""Signed tree heads: the ledger's Ed25519 commitments to its size and root.

What is signed is the byte string of RFC 9162 §4.9 ``TreeHeadDataV2`` with no extensions::

    uint64 timestamp;          /* milliseconds since the Unix epoch, UTC */
    uint64 tree_size;          /* number of leaves */
    opaque root_hash<32..2^8-1>;   /* one length byte (32), then the SHA-256 root */
    opaque extensions<0..2^16-1>;  /* two zero bytes: none */

i.e. ``timestamp(8) || tree_size(8) || 0x20 || root_hash(32) || 0x0000`` (51 bytes), signed with
Ed25519 (RFC 8032, pure, no pre-hash).  The key id is the hex SHA-256 of the public key's DER
SubjectPublicKeyInfo, as RFC 6962 derives a log id, so an auditor can tell keys apart after a
rotation without trusting anything but the published key.

The private key is a PKCS#8 PEM file, generated on first use (mode 0600) at
``settings.ledger_key_path`` or ``settings.var_dir / "ledger-signing-key.pem"``.  Where web
workers and projection runners run on several machines, give every one the same file through
``INNOLEDGER_LEDGER_KEY``: otherwise each machine would sign with a key of its own.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import struct
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from service.settings import Settings

KEY_FILE_NAME = "ledger-signing-key.pem"
SIGNATURE_ALGORITHM = "Ed25519"
HASH_ALGORITHM = "SHA-256"
_TREE_HEAD_DATA = struct.Struct(">QQB32sH")


class TreeHeadFormatError(ValueError):
    """A tree head document (e.g. the file an auditor saved) is not one we can read."""


def tree_head_bytes(tree_size: int, root_hash: bytes, timestamp_ms: int) -> bytes:
    """The TreeHeadDataV2 byte string that is signed (see the module docstring)."""
    if len(root_hash) != 32:
        raise ValueError("root_hash must be 32 bytes")
    return _TREE_HEAD_DATA.pack(timestamp_ms, tree_size, 32, root_hash, 0)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def public_key_pem_of(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def _rfc3339_ms(timestamp_ms: int) -> str:
    moment = datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    signature: bytes
    key_id: str

    def signed_bytes(self) -> bytes:
        return tree_head_bytes(self.tree_size, self.root_hash, self.timestamp_ms)

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(self.signature, self.signed_bytes())
        except InvalidSignature:
            return False
        return True

    @property
    def timestamp(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp_ms / 1000, tz=UTC)

    def to_json(self) -> dict[str, Any]:
        """The published form; `from_json` reads it back (an auditor saves exactly this)."""
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp": _rfc3339_ms(self.timestamp_ms),
            "timestamp_ms": self.timestamp_ms,
            "signature": base64.b64encode(self.signature).decode("ascii"),
            "key_id": self.key_id,
            "signature_algorithm": SIGNATURE_ALGORITHM,
            "hash_algorithm": HASH_ALGORITHM,
            "signed_data": "RFC 9162 TreeHeadDataV2: timestamp_ms(u64) tree_size(u64)"
            " root_hash<32> extensions<0> (empty)",
        }

    @classmethod
    def from_json(cls, data: object) -> TreeHead:
        if not isinstance(data, dict):
            raise TreeHeadFormatError("a tree head is a JSON object")
        try:
            tree_size = data["tree_size"]
            timestamp_ms = data["timestamp_ms"]
            root_hash = bytes.fromhex(data["root_hash"])
            signature = base64.b64decode(data["signature"], validate=True)
            key_id = data["key_id"]
        except (KeyError, TypeError, ValueError) as exc:
            raise TreeHeadFormatError(f"tree head field missing or malformed: {exc}") from None
        for name, value in (("tree_size", tree_size), ("timestamp_ms", timestamp_ms)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise TreeHeadFormatError(f"{name} must be a non-negative integer")
        if len(root_hash) != 32:
            raise TreeHeadFormatError("root_hash must be 32 bytes of hex")
        if len(signature) != 64:
            raise TreeHeadFormatError("signature must be 64 bytes (Ed25519), base64")
        if not isinstance(key_id, str) or len(key_id) != 64:
            raise TreeHeadFormatError("key_id must be 64 hex digits")
        return cls(tree_size, root_hash, timestamp_ms, signature, key_id)


def key_path_for(settings: Settings) -> Path:
    return settings.ledger_key_path or settings.var_dir / KEY_FILE_NAME


def load_or_create_private_key(path: Path) -> Ed25519PrivateKey:
    """Reads the signing key, creating it on first use.

    Several processes may start at once, so the new key is written to a temporary file and
    linked into place: exactly one link wins and every process then reads that one key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd, tmp = tempfile.mkstemp(prefix=".ledger-key-", dir=path.parent)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, pem)
            os.fsync(fd)
            os.close(fd)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


class Signer:
    """Signs tree heads with the ledger key."""

    def __init__(self, private_key: Ed25519PrivateKey):
        self._private_key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id_of(self.public_key)
        self.public_key_pem = public_key_pem_of(self.public_key)

    @classmethod
    def from_settings(cls, settings: Settings) -> Signer:
        return cls(load_or_create_private_key(key_path_for(settings)))

    def sign(self, tree_size: int, root_hash: bytes, timestamp_ms: int | None = None) -> TreeHead:
        if timestamp_ms is None:
            timestamp_ms = int(datetime.now(UTC).timestamp() * 1000)
        signature = self._private_key.sign(tree_head_bytes(tree_size, root_hash, timestamp_ms))
        return TreeHead(tree_size, root_hash, timestamp_ms, signature, self.key_id)
