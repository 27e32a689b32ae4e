"""New reply versions on PostgreSQL across two API processes: the quota
stays exact under concurrent asks again, and a prompt never gets two
current versions."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text

from adapters.sqlalchemy import create_engine
from gemini_core.services import ReplyService
from tests.integration.conftest import SettingsFactory
from tests.integration.test_quota_durable import new_room, send, used_today
from tests.support.api import login, running_app
from tests.support.fakes import RecordingQueue, ScriptedModel, cheap_hasher

pytestmark = pytest.mark.integration


async def current_versions(database_url: str) -> list[int]:
    """For each prompt, how many of its replies are not superseded."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT count(*) FROM messages WHERE role = 'model'"
                    " AND superseded_at IS NULL GROUP BY reply_to"
                )
            )
            return sorted(int(n) for (n,) in rows)
    finally:
        await engine.dispose()


async def test_ten_concurrent_asks_again_with_two_prompts_left_accept_exactly_two(
    production_settings: SettingsFactory,
) -> None:
    settings = production_settings()
    queue = RecordingQueue()  # the replies are answered below, by hand
    common = {"hasher": cheap_hasher(), "model": ScriptedModel(), "queue": queue}
    async with running_app(settings, **common) as a, running_app(settings, **common) as b:
        headers = await login(a)
        rooms = [await new_room(a, headers) for _ in range(3)]
        replies = []
        for room in rooms:
            sent = await send(a, headers, room)
            replies.append(sent.json()["data"]["reply"]["id"])
        service = a.container.resolve(ReplyService)
        for reply_id in replies:
            assert (await service.generate(uuid.UUID(reply_id))).outcome == "completed"
        assert await used_today(a, headers) == 3  # 2 of 5 left

        answers = await asyncio.gather(
            *(
                (a if i % 2 else b).post(
                    f"/chatroom/{rooms[i % 3]}/message/{replies[i % 3]}/regenerate",
                    headers=headers,
                )
                for i in range(10)
            )
        )
        statuses = sorted(r.status_code for r in answers)
        assert statuses.count(202) == 2, [r.text for r in answers]
        assert set(statuses) <= {202, 409, 429}
        assert await used_today(b, headers) == 5
    assert await current_versions(settings.database_url) == [1, 1, 1]
