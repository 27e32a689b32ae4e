"""One-time code challenges in a dict."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from adapters.memory.expiry import ExpirySweep
from gemini_core.model import OtpChallenge
from gemini_core.ports import Clock, OtpAttempt


@dataclass(slots=True)
class _Live:
    code_hmac: str
    expires_at: datetime
    wrong_tries: int


class InMemoryOtpStore:
    """``OtpStore`` in a dict, one live challenge per key.

    ``clock`` only serves to sweep expired challenges; whether a code is
    expired is decided by the ``now`` given to ``attempt``. At most
    ``max_entries`` challenges are kept: past that the oldest is dropped (its
    code then reads as absent), so a flood of requests cannot grow memory
    without bound.
    """

    def __init__(self, clock: Clock, max_entries: int = 100_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._clock = clock
        self._max_entries = max_entries
        self._challenges: dict[str, _Live] = {}
        self._sweep = ExpirySweep[str, _Live](lambda live: live.expires_at)

    async def put(self, challenge: OtpChallenge) -> None:
        key = challenge.key
        # Popping first moves a replaced challenge to the end: the dict's order
        # is the order of issue, oldest first.
        self._challenges.pop(key, None)
        self._make_room()
        self._challenges[key] = _Live(
            code_hmac=challenge.code_hmac,
            expires_at=challenge.expires_at,
            wrong_tries=challenge.wrong_tries,
        )

    async def attempt(
        self, key: str, code_hmac: str, now: datetime, max_wrong_tries: int
    ) -> OtpAttempt:
        live = self._challenges.get(key)
        if live is None:
            return OtpAttempt.ABSENT
        if now >= live.expires_at:
            del self._challenges[key]
            return OtpAttempt.ABSENT
        if hmac.compare_digest(live.code_hmac, code_hmac):
            del self._challenges[key]
            return OtpAttempt.ACCEPTED
        live.wrong_tries += 1
        if live.wrong_tries >= max_wrong_tries:
            del self._challenges[key]
        return OtpAttempt.WRONG

    def _make_room(self) -> None:
        self._sweep(self._challenges, self._clock.now())
        while len(self._challenges) >= self._max_entries:
            del self._challenges[next(iter(self._challenges))]
