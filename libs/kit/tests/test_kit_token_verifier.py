"""TokenVerifier checks a token's signature once and keeps the principal only until the token expires."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from gymloop_kit import auth
from gymloop_kit.auth import KeyPair, Role, TokenVerifier, issue_access_token
from gymloop_kit.errors import Unauthorized

KEYS = KeyPair.generate()


@pytest.fixture
def signature_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token that reached PyJWT's decode (signature and claims check)."""
    checked: list[str] = []
    decode: Callable[..., Any] = auth.jwt.decode

    def counting_decode(token: str, *args: Any, **kwargs: Any) -> Any:
        checked.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(auth.jwt, "decode", counting_decode)
    return checked


def _token(ttl_s: int = 600) -> str:
    return issue_access_token(
        KEYS.private_pem, account_id=uuid.uuid4(), studio_id=uuid.uuid4(), role="member", member_id=uuid.uuid4(),
        ttl_s=ttl_s,
    )  # fmt: skip


def test_the_same_token_is_checked_once_and_gives_the_same_principal(signature_checks):
    verifier = TokenVerifier(KEYS.public_pem)
    token, other = _token(), _token()

    first, again, second = verifier.verify(token), verifier.verify(token), verifier.verify(other)

    assert first == again
    assert first.role is Role.member
    assert second != first
    assert signature_checks == [token, other]


def test_a_kept_token_is_refused_once_it_has_expired():
    verifier = TokenVerifier(KEYS.public_pem)
    token = _token(ttl_s=1)
    verifier.verify(token)
    expires_at = auth.jwt.decode(token, options={"verify_signature": False})["exp"]
    while time.time() < expires_at:  # the token's own clock: wait until its second has passed
        time.sleep(0.05)

    with pytest.raises(Unauthorized) as refused:
        verifier.verify(token)
    assert refused.value.code == "token_expired"


def test_a_refused_token_is_checked_again_every_time(signature_checks):
    verifier = TokenVerifier(KEYS.public_pem)
    forged = issue_access_token(
        KeyPair.generate().private_pem, account_id=uuid.uuid4(), studio_id=uuid.uuid4(), role="admin"
    )

    for _ in range(2):
        with pytest.raises(Unauthorized) as refused:
            verifier.verify(forged)
        assert refused.value.code == "invalid_token"
    assert signature_checks == [forged, forged]


def test_a_key_that_is_not_ed25519_is_refused_at_start():
    with pytest.raises(ValueError, match="Ed25519"):
        TokenVerifier("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
