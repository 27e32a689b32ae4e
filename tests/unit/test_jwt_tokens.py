"""The JWT issuer's memory of verified tokens never outlives a token."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import jwt
import pytest

from adapters.jwt_tokens import JwtTokenIssuer
from gemini_core.errors import Unauthorized


def test_a_remembered_token_still_expires() -> None:
    issuer = JwtTokenIssuer("s" * 48, ttl_seconds=1)
    user_id = uuid.uuid4()
    token = issuer.issue(user_id, 3).access_token
    assert issuer.verify(token).user_id == user_id
    assert issuer.verify(token).token_version == 3  # remembered
    time.sleep(1.1)
    with pytest.raises(Unauthorized):
        issuer.verify(token)


def test_memory_is_bounded_and_forged_tokens_are_never_remembered() -> None:
    issuer = JwtTokenIssuer("s" * 48, ttl_seconds=60, remember=2)
    tokens = [issuer.issue(uuid.uuid4(), 0).access_token for _ in range(3)]
    for token in tokens:
        issuer.verify(token)
    assert len(issuer._verified) == 2
    forged = tokens[0][:-2] + ("AA" if not tokens[0].endswith("AA") else "BB")
    with pytest.raises(Unauthorized):
        issuer.verify(forged)
    assert forged not in issuer._verified


def test_a_token_says_how_and_when_its_holder_proved_who_they_are() -> None:
    issuer = JwtTokenIssuer("s" * 48, ttl_seconds=60)
    at = datetime(2026, 11, 24, 12, 0, 5, tzinfo=UTC)

    token = issuer.issue(uuid.uuid4(), 0, auth_methods=("otp",), auth_time=at).access_token

    claims = issuer.verify(token)
    assert (claims.auth_methods, claims.auth_time) == (("otp",), at)
    raw = jwt.decode(token, options={"verify_signature": False})
    assert (raw["amr"], raw["auth_time"]) == (["otp"], int(at.timestamp()))


def test_a_token_without_those_claims_proves_nothing() -> None:
    issuer = JwtTokenIssuer("s" * 48, ttl_seconds=60)

    claims = issuer.verify(issuer.issue(uuid.uuid4(), 0).access_token)

    assert (claims.auth_methods, claims.auth_time) == ((), None)
