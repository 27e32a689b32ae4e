"""The soak's users: each logs in through one of the APIs, makes a room and
sends more prompts than a Basic user's daily quota, reading the room's
messages after each, spread over the run so that every fault meets
prompts in flight. Every answer is recorded, and every accepted prompt."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

REQUEST_TIMEOUT = 20.0  # longer than any bound the API keeps under a fault
RETRY_PAUSE = 1.0


@dataclass(frozen=True)
class Accepted:
    """A prompt answered 202: the reply that must end final."""

    user: int
    reply_id: str
    text: str
    day: dt.date  # the UTC day it was accepted on
    at: float  # seconds into the run


@dataclass
class Tally:
    """What the users' requests got."""

    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)  # (kind, status)
    unanswered: list[str] = field(default_factory=list)  # "kind: error"
    accepted: list[Accepted] = field(default_factory=list)
    users_started: int = 0
    users_unable: int = 0  # could not log in or make a room before the end
    began: float = field(default_factory=time.monotonic)

    def record(self, kind: str, response: httpx.Response | None, error: str = "") -> None:
        if response is None:
            self.unanswered.append(f"{kind}: {error}")
        else:
            self.statuses[(kind, response.status_code)] += 1

    def count(self, kind: str, status: int) -> int:
        return self.statuses[(kind, status)]

    def server_errors(self) -> dict[tuple[str, int], int]:
        """Answers 500 or above other than 503 (an outage said as such)."""
        return {key: n for key, n in self.statuses.items() if key[1] >= 500 and key[1] != 503}


@dataclass(frozen=True)
class LoadPlan:
    users: int
    seconds: float  # users start over this span (less a tail)
    prompts_per_user: int  # more than the daily quota
    pause: tuple[float, float] = (0.5, 2.5)  # seconds between a user's prompts


class User:
    def __init__(self, index: int, clients: list[httpx.AsyncClient], tally: Tally) -> None:
        self.index = index
        self.clients = clients
        self.tally = tally
        self.rng = random.Random(index)
        self.headers: dict[str, str] = {}

    def _client(self) -> httpx.AsyncClient:
        return self.rng.choice(self.clients)  # any API serves any request

    async def call(self, kind: str, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        try:
            response = await self._client().request(method, url, headers=self.headers, **kwargs)
        except httpx.HTTPError as exc:
            self.tally.record(kind, None, f"{type(exc).__name__}: {exc}")
            return None
        self.tally.record(kind, response)
        return response

    async def login(self, until: float) -> bool:
        mobile = f"+9198{self.index:08d}"
        while time.monotonic() < until:
            number = {"mobile_number": mobile}
            sent = await self.call("send-otp", "POST", "/auth/send-otp", json=number)
            if sent is not None and sent.status_code == 200:
                otp = sent.json()["data"]["otp"]
                verified = await self.call(
                    "verify-otp",
                    "POST",
                    "/auth/verify-otp",
                    json={**number, "otp": otp},
                )
                if verified is not None and verified.status_code == 200:
                    token = verified.json()["data"]["access_token"]
                    self.headers = {"Authorization": f"Bearer {token}"}
                    return True
            await asyncio.sleep(RETRY_PAUSE)  # an outage: try again
        return False

    async def new_room(self, until: float) -> str | None:
        while time.monotonic() < until:
            made = await self.call("create-room", "POST", "/chatroom", json={"name": "soak"})
            if made is not None and made.status_code == 201:
                return str(made.json()["data"]["chatroom"]["id"])
            await asyncio.sleep(RETRY_PAUSE)
        return None

    async def run(self, plan: LoadPlan, start_in: float, until: float) -> None:
        await asyncio.sleep(start_in)
        self.tally.users_started += 1
        room = await self.new_room(until) if await self.login(until) else None
        if room is None:
            self.tally.users_unable += 1
            return
        for number in range(plan.prompts_per_user):
            if time.monotonic() >= until:
                return
            text = f"soak user {self.index} prompt {number} {uuid.uuid4().hex[:8]}"
            await self.prompt(room, text)
            await self.call("read", "GET", f"/chatroom/{room}/messages", params={"limit": 20})
            await asyncio.sleep(self.rng.uniform(*plan.pause))

    async def prompt(self, room: str, text: str) -> None:
        url = f"/chatroom/{room}/message"
        sent = await self.call("prompt", "POST", url, json={"content": text})
        if sent is not None and sent.status_code == 202:
            self.tally.accepted.append(
                Accepted(
                    user=self.index,
                    reply_id=str(sent.json()["data"]["reply"]["id"]),
                    text=text,
                    day=dt.datetime.now(dt.UTC).date(),
                    at=time.monotonic() - self.tally.began,
                )
            )


async def drive(apis: list[str], plan: LoadPlan, tally: Tally) -> None:
    """Every user's session, started at random times over the run; returns
    when the last has ended (no prompt is sent after ``plan.seconds``)."""
    # A kept-alive connection is dropped here before the server's idle
    # timeout (uvicorn's 5 s, httpx's own default too): reused at the very
    # moment the server closes it, a request is lost on the wire (ReadError)
    # without ever reaching the app.
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50, keepalive_expiry=2.0)
    clients = [
        httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT, limits=limits) for url in apis
    ]
    until = time.monotonic() + plan.seconds
    rng = random.Random(0)
    # The last users start early enough to send all their prompts.
    latest_start = max(0.0, plan.seconds - plan.prompts_per_user * sum(plan.pause) / 2)
    try:
        users = [User(index, clients, tally) for index in range(plan.users)]
        await asyncio.gather(
            *(user.run(plan, rng.uniform(0, latest_start), until) for user in users)
        )
    finally:
        for client in clients:
            await client.aclose()
