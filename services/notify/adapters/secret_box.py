"""Subscription signing secrets at rest (密钥加密存储): Fernet, several keys for rotation.

The database only ever holds Fernet tokens. The first key encrypts; every key decrypts, so an
operator rotates by putting a new key first and re-encrypting (`reencrypt`) at leisure.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretUnreadable(RuntimeError):
    """A stored secret was encrypted with a key we no longer hold (or was tampered with)."""


class SecretBox:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("need at least one key")
        self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in keys])

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise SecretUnreadable("a subscription secret cannot be decrypted with the keys held") from exc

    def reencrypt(self, token: str) -> str:
        """The same secret under the current first key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")
