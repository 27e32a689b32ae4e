"""ReplyWatcher: awaiting a reply without a stream of one's own."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from entrypoints.library import ChatApp, open_embedded
from gemini_core import NotFound, User
from tests.support.fakes import ScriptedModel


async def _user(app: ChatApp, mobile: str) -> User:
    code = await app.auth.send_otp(mobile)
    return (await app.auth.verify_otp(mobile, code.otp or "")).user


async def test_waits_for_the_reply_and_returns_a_final_one_at_once(tmp_path: Path) -> None:
    model = ScriptedModel("the answer")
    model.release.clear()  # the model answers only when told
    async with open_embedded(tmp_path, model=model) as app:
        user = await _user(app, "+919876543210")
        room = await app.chat.create_room(user.id, "r")
        sent = await app.chat.send_prompt(user.id, room.id, "hi")
        waiting = asyncio.create_task(app.wait_for_reply(user.id, sent.reply.id))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        model.release.set()
        async with asyncio.timeout(10):
            reply = await waiting
        assert reply.status.value == "completed" and reply.content == "the answer"
        again = await app.wait_for_reply(user.id, sent.reply.id)
        assert again.content == "the answer"


async def test_another_users_reply_is_not_found(tmp_path: Path) -> None:
    async with open_embedded(tmp_path, model=ScriptedModel("x")) as app:
        owner = await _user(app, "+919876543210")
        stranger = await _user(app, "+14155550100")
        room = await app.chat.create_room(owner.id, "r")
        sent = await app.chat.send_prompt(owner.id, room.id, "hi")
        with pytest.raises(NotFound):
            await app.wait_for_reply(stranger.id, sent.reply.id)
