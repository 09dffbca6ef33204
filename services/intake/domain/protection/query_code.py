"""Query code 查询码: how an anonymous reporter follows their case and rates the result.

20 symbols of Crockford base32 = 100 bits, shown as `XXXXX-XXXXX-XXXXX-XXXXX`. The alphabet
has no I, L, O or U, and reading back is forgiving (lower case, O->0, I/L->1, any separators).

Stored only as a keyed hash, HMAC-SHA256 with a server-side key (a pepper), not scrypt: the code
is random with 100 bits of entropy, so the slow hash that protects low-entropy passwords buys
nothing against guessing, while a per-row salt would make lookup by code impossible without a
scan. HMAC is deterministic, so a UNIQUE index on the digest finds the case in one probe, and
without the key a stolen table does not even allow checking a guess. The key id is part of the
digest string so the key can rotate: look up with every key in the ring.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
CODE_SYMBOLS = 20
ENTROPY_BITS = CODE_SYMBOLS * 5
_GROUP = 5
_READ_BACK = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_query_code(rng: Callable[[int], bytes] = secrets.token_bytes) -> str:
    value = int.from_bytes(rng(13), "big") >> 4  # 104 random bits -> the 100 we use
    symbols = []
    for _ in range(CODE_SYMBOLS):
        value, digit = divmod(value, 32)
        symbols.append(ALPHABET[digit])
    code = "".join(symbols)
    return "-".join(code[i : i + _GROUP] for i in range(0, CODE_SYMBOLS, _GROUP))


def normalise_query_code(raw: str) -> str | None:
    """The 20 canonical symbols, or None if `raw` cannot be a query code."""
    cleaned = "".join(ch for ch in raw.upper() if ch not in " -_.\t").translate(_READ_BACK)
    if len(cleaned) != CODE_SYMBOLS or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


@dataclass(frozen=True)
class QueryCodeHasher:
    """HMAC keys by id (32+ bytes each); `current` hashes new codes."""

    keys: Mapping[str, bytes] = field(repr=False)
    current: str

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValueError(f"current key id {self.current!r} is not in the ring")
        if any(len(key) < 32 for key in self.keys.values()):
            raise ValueError("query-code keys must be at least 32 bytes")

    def _digest(self, key_id: str, code: str) -> str:
        mac = hmac.new(self.keys[key_id], code.encode("ascii"), hashlib.sha256)
        return f"{key_id}${mac.hexdigest()}"

    def digest(self, code: str) -> str:
        """What is stored: `<key id>$<hex>` of the normalised code."""
        canonical = normalise_query_code(code)
        if canonical is None:
            raise ValueError("not a query code")
        return self._digest(self.current, canonical)

    def lookup_digests(self, raw: str) -> list[str]:
        """Digests to look up (`WHERE digest = ANY(...)`), one per key; empty if malformed."""
        canonical = normalise_query_code(raw)
        if canonical is None:
            return []
        return [self._digest(key_id, canonical) for key_id in self.keys]

    def verify(self, raw: str, stored: str) -> bool:
        return any(hmac.compare_digest(d, stored) for d in self.lookup_digests(raw))
