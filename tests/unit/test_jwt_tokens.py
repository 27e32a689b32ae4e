"""The JWT issuer's memory of verified tokens never outlives a token."""

from __future__ import annotations

import time
import uuid

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
