"""Subscription secrets at rest: sealed with the first key, opened with any."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from services.notify.adapters.secret_box import SecretBox, SecretUnreadable

SECRET = "whsec_test_secret_0123456789abcdef"


def test_sealed_secrets_do_not_show_and_open_again() -> None:
    box = SecretBox([Fernet.generate_key().decode()])
    token = box.seal(SECRET)
    assert SECRET not in token and box.open(token) == SECRET
    assert box.seal(SECRET) != token  # randomised: equal secrets do not look equal at rest


def test_a_new_key_first_still_opens_old_tokens_and_reencrypts_them() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = SecretBox([old]).seal(SECRET)
    rotated = SecretBox([new, old])
    assert rotated.open(token) == SECRET
    fresh = rotated.reencrypt(token)
    assert SecretBox([new]).open(fresh) == SECRET


def test_a_token_from_an_unknown_key_is_unreadable() -> None:
    token = SecretBox([Fernet.generate_key().decode()]).seal(SECRET)
    with pytest.raises(SecretUnreadable):
        SecretBox([Fernet.generate_key().decode()]).open(token)
