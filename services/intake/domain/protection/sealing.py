"""Sealing 加密存储: contact details encrypted at rest with AES-256-GCM and rotating key ids.

Envelope: version (1 byte) | key-id length (1 byte) | key id (ASCII) | nonce (12 bytes) |
ciphertext+tag. The key id travels with the blob, so any key still in the ring can open it;
`reseal` moves a blob to the current key (run it over the table after adding a new key).
The caller passes associated data (the reporter reference) so a blob copied onto another
reporter's row does not open.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = 1
_NONCE_BYTES = 12
_KEY_BYTES = 32


class SealError(ValueError):
    """A blob that cannot be opened: unknown key id, wrong associated data, or tampering."""


def _check_key_id(key_id: str) -> None:
    if not key_id or len(key_id) > 32 or not key_id.isascii() or not key_id.isprintable():
        raise ValueError("key ids are 1-32 printable ASCII characters")
    if any(c in key_id for c in ":, "):
        raise ValueError("key ids may not contain ':', ',' or spaces (used in the settings form)")


@dataclass(frozen=True)
class KeyRing:
    """Keys by id, and which one seals new data. `repr` never shows key material."""

    keys: Mapping[str, bytes] = field(repr=False)
    current: str

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValueError(f"current key id {self.current!r} is not in the ring")
        for key_id, key in self.keys.items():
            _check_key_id(key_id)
            if len(key) != _KEY_BYTES:
                raise ValueError(f"key {key_id!r} must be {_KEY_BYTES} bytes (AES-256)")

    @classmethod
    def from_setting(cls, text: str) -> KeyRing:
        """`k2:<base64>,k1:<base64>`: the first key seals, all of them open (a settings value)."""
        keys: dict[str, bytes] = {}
        for item in text.split(","):
            key_id, sep, encoded = item.strip().partition(":")
            if not sep:
                raise ValueError("key ring setting items look like <key id>:<base64 key>")
            keys[key_id] = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        if not keys:
            raise ValueError("empty key ring")
        return cls(keys, next(iter(keys)))


def new_key_setting(key_id: str, rng: Callable[[int], bytes] = os.urandom) -> str:
    """A fresh `<id>:<base64>` item to prepend to the setting when rotating."""
    _check_key_id(key_id)
    return f"{key_id}:{base64.urlsafe_b64encode(rng(_KEY_BYTES)).decode().rstrip('=')}"


def key_id_of(blob: bytes) -> str:
    if len(blob) < 2 or blob[0] != _VERSION:
        raise SealError("not a sealed envelope (unknown version)")
    length = blob[1]
    if len(blob) < 2 + length + _NONCE_BYTES + 16:
        raise SealError("truncated envelope")
    return blob[2 : 2 + length].decode("ascii")


def seal(
    plaintext: bytes,
    ring: KeyRing,
    *,
    aad: bytes,
    rng: Callable[[int], bytes] = os.urandom,
) -> bytes:
    key_id = ring.current.encode("ascii")
    nonce = rng(_NONCE_BYTES)
    ciphertext = AESGCM(ring.keys[ring.current]).encrypt(nonce, plaintext, aad)
    return bytes([_VERSION, len(key_id)]) + key_id + nonce + ciphertext


def unseal(blob: bytes, ring: KeyRing, *, aad: bytes) -> bytes:
    key_id = key_id_of(blob)
    key = ring.keys.get(key_id)
    if key is None:
        raise SealError(f"key {key_id!r} is no longer in the ring")
    start = 2 + len(key_id)
    nonce, ciphertext = blob[start : start + _NONCE_BYTES], blob[start + _NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag as exc:
        raise SealError("envelope does not open: tampered or wrong associated data") from exc


def needs_reseal(blob: bytes, ring: KeyRing) -> bool:
    return key_id_of(blob) != ring.current


def reseal(
    blob: bytes, ring: KeyRing, *, aad: bytes, rng: Callable[[int], bytes] = os.urandom
) -> bytes:
    """Open with whichever key sealed it, seal again with the current key (no-op if current)."""
    if not needs_reseal(blob, ring):
        return blob
    return seal(unseal(blob, ring, aad=aad), ring, aad=aad, rng=rng)
