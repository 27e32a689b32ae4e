"""Rooms and room lists through the API, and cursors a client makes up."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx


def forged_cursor(index: int) -> str:
    """A cursor as a client could make one up: base64 of the JSON position."""
    at = datetime(2030, 1, 1, tzinfo=UTC) - timedelta(seconds=index)
    payload = json.dumps({"activity_at": at.isoformat(), "id": str(uuid.uuid4())})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


async def new_room(client: httpx.AsyncClient, headers: dict[str, str], name: str = "r") -> str:
    response = await client.post("/chatroom", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["chatroom"]["id"])


async def walk_pages(client: httpx.AsyncClient, headers: dict[str, str], limit: int) -> list[str]:
    """Every room, page by page, following the cursors the API hands out."""
    seen: list[str] = []
    cursor = None
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = await client.get(f"/chatroom{query}", headers=headers)
        assert response.status_code == 200, response.text
        seen += [room["id"] for room in response.json()["data"]]
        cursor = response.json()["meta"]["next_cursor"]
        if cursor is None:
            return seen
