"""GET /chatroom/{id}/export: the whole conversation as a file, Markdown or
JSON, streamed a page of messages at a time."""

from __future__ import annotations

import asyncio
import tracemalloc
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from entrypoints.http.export_format import markdown_chunks
from entrypoints.http.schemas import MessageOut
from entrypoints.http.search_schemas import ExportOut
from gemini_core.ids import new_id
from gemini_core.model import Chatroom, Message, MessageStatus, Role
from gemini_core.ports import Clock, UnitOfWorkFactory
from gemini_core.services import ConversationExport
from gemini_core.services.export import EXPORT_PAGE
from tests.support.api import ApiClient, assert_error, login
from tests.unit.test_api_search import store, user_id


async def stored_messages(client: ApiClient, room: Chatroom) -> list[Message]:
    async with client.container.resolve(UnitOfWorkFactory)(autocommit=True) as uow:  # type: ignore[type-abstract]
        return await uow.messages.list_after(room.id, 1_000_000, None)


async def test_json_loads_back_as_the_stored_messages(client: ApiClient) -> None:
    headers = await login(client)
    room = await store(
        client, await user_id(client, headers), "Trip to Goa", "Plan Goa", 'A "reply"\n\twith <b>'
    )
    answer = await client.get(
        f"/chatroom/{room.id}/export", params={"format": "json"}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="Trip-to-Goa-{room.id}.json"; '
        f"filename*=UTF-8''Trip-to-Goa-{room.id}.json"
    )
    exported = msgspec.json.decode(answer.content, type=ExportOut)
    stored = await stored_messages(client, room)
    assert exported.messages == [MessageOut.of(m) for m in stored]
    assert exported.chatroom.id == room.id and exported.chatroom.name == "Trip to Goa"


async def test_markdown_has_every_message_in_order_with_times(client: ApiClient) -> None:
    headers = await login(client)
    room = await store(client, await user_id(client, headers), "नमस्ते / *Goa*", "first", "second")
    answer = await client.get(f"/chatroom/{room.id}/export", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/markdown; charset=utf-8"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="Goa-{room.id}.md"; filename*=UTF-8')
    text = answer.text
    assert text.startswith("# नमस्ते / \\*Goa\\*\n")
    stored = await stored_messages(client, room)
    when = [m.created_at.strftime("%Y-%m-%d %H:%M:%S UTC") for m in stored]
    assert f"### You, {when[0]}\n\nfirst\n\n### Model, {when[1]}\n\nsecond\n\n" in text
    assert text.index("first") < text.index("second")


async def test_another_users_room_bad_ids_and_bad_formats(client: ApiClient) -> None:
    asha = await login(client, "+919876543210")
    ravi = await login(client, "+919876543211")
    theirs = await store(client, await user_id(client, ravi), "Ravi's", "secret")
    for format_ in ("markdown", "json"):
        answer = await client.get(
            f"/chatroom/{theirs.id}/export", params={"format": format_}, headers=asha
        )
        assert_error(answer, 404, "not_found")
    assert_error(
        await client.get(f"/chatroom/{uuid.uuid4()}/export", headers=asha), 404, "not_found"
    )
    assert_error(
        await client.get("/chatroom/not-a-uuid/export", headers=asha), 400, "validation_error"
    )
    for bad in ("pdf", "", "JSON", "x" * 5000):
        answer = await client.get(
            f"/chatroom/{theirs.id}/export", params={"format": bad}, headers=ravi
        )
        body = assert_error(answer, 400, "validation_error")
        assert body["error"]["details"]["fields"][0]["field"] == "format"
    assert_error(await client.get(f"/chatroom/{theirs.id}/export"), 401, "unauthorized")


async def bulk_room(client: ApiClient, owner: uuid.UUID, count: int) -> Chatroom:
    """A room of ``count`` messages, stored in one executemany."""
    at = client.container.resolve(Clock).now()  # type: ignore[type-abstract]
    room = Chatroom(id=new_id(), user_id=owner, name="big", created_at=at, updated_at=at)
    messages = [
        Message(
            id=new_id(),
            chatroom_id=room.id,
            user_id=owner,
            role=Role.USER if i % 2 == 0 else Role.MODEL,
            content=f"message number {i} " + "x" * 100,
            status=MessageStatus.COMPLETED,
            created_at=at + timedelta(milliseconds=i),
        )
        for i in range(count)
    ]
    async with client.container.resolve(UnitOfWorkFactory)() as uow:  # type: ignore[type-abstract]
        await uow.chatrooms.add(room)
        await uow.messages.add(*messages)
        await uow.commit()
    return room


async def asgi_chunks(
    client: ApiClient, path: str, query: str, token: str, leave_after: int | None = None
) -> list[bytes]:
    """The body of a GET as the app sends it: one item per ASGI body message
    (httpx's ASGI transport would join them); with ``leave_after``, the
    client disconnects once that many chunks came."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"test"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 1234),
        "server": ("test", 80),
    }
    chunks: list[bytes] = []
    status: list[int] = []

    asked = asyncio.Event()
    finished = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if not asked.is_set():
            asked.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()  # as a server does once the answer is whole
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            if message.get("body"):
                chunks.append(message["body"])
            if not message.get("more_body") or len(chunks) == leave_after:
                finished.set()

    try:
        await client.app(scope, receive, send)  # type: ignore[arg-type]
    finally:
        finished.set()
    assert status == [200]
    return chunks


async def test_a_client_leaving_mid_export_leaves_no_connection_out(client: ApiClient) -> None:
    headers = await login(client)
    room = await bulk_room(client, await user_id(client, headers), EXPORT_PAGE * 6)
    token = headers["Authorization"].removeprefix("Bearer ")
    engine = client.container.resolve(UnitOfWorkFactory).engine  # type: ignore[type-abstract, attr-defined]
    for leave_after in (1, 2, 3):
        chunks = await asgi_chunks(
            client, f"/chatroom/{room.id}/export", "format=json", token, leave_after=leave_after
        )
        assert len(chunks) < 8
        for _ in range(100):  # a shielded read may still be finishing its page
            if engine.pool.checkedout() == 0:
                break
            await asyncio.sleep(0.01)
        assert engine.pool.checkedout() == 0, leave_after


class CountingReads:
    """A unit of work factory that records the size of every page the
    export reads (``list_after``)."""

    def __init__(self, inner: UnitOfWorkFactory) -> None:
        self.inner = inner
        self.pages: list[int] = []

    def __call__(self, *, autocommit: bool = False) -> Any:
        factory = self

        class Counted:
            async def __aenter__(self) -> Any:
                self.uow = await factory.inner(autocommit=autocommit).__aenter__()
                real = self.uow.messages.list_after

                async def list_after(*args: Any) -> list[Message]:
                    page = await real(*args)
                    factory.pages.append(len(page))
                    return page

                self.uow.messages.list_after = list_after
                return self.uow

            async def __aexit__(self, *exc: Any) -> None:
                await self.uow.__aexit__(*exc)

        return Counted()


async def test_a_big_room_streams_in_many_chunks_read_page_by_page(client: ApiClient) -> None:
    headers = await login(client)
    count = 20_000
    room = await bulk_room(client, await user_id(client, headers), count)
    token = headers["Authorization"].removeprefix("Bearer ")

    chunks = await asgi_chunks(client, f"/chatroom/{room.id}/export", "format=json", token)
    pages = -(-count // EXPORT_PAGE)
    assert len(chunks) == pages + 2  # the head, a chunk per page, the end
    assert max(len(c) for c in chunks) < sum(len(c) for c in chunks) / 20
    exported = msgspec.json.decode(b"".join(chunks), type=ExportOut)
    assert len(exported.messages) == count
    assert [m.content for m in exported.messages[:2]] == [
        "message number 0 " + "x" * 100,
        "message number 1 " + "x" * 100,
    ]
    markdown = await asgi_chunks(client, f"/chatroom/{room.id}/export", "format=markdown", token)
    assert len(markdown) == pages + 1

    # The service reads in pages of EXPORT_PAGE, and holds no more than a
    # few of them: its peak memory is far below the whole export's size.
    counting = CountingReads(client.container.resolve(UnitOfWorkFactory))  # type: ignore[type-abstract]
    export = ConversationExport(uow=counting, clock=client.container.resolve(Clock))  # type: ignore[type-abstract]
    started = await export.start(room.user_id, room.id)
    whole = sum(len(c) for c in chunks)
    tracemalloc.start()
    try:
        read = 0
        async for page in _pages(export, started.room):
            read += page
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert read == count
    assert counting.pages == [EXPORT_PAGE] * pages + [0]
    assert peak < whole / 4, (peak, whole)


async def _pages(export: ConversationExport, room: Chatroom) -> AsyncIterator[int]:
    async for page in export.pages(room):
        yield len(page)


async def test_markdown_names_earlier_versions_and_edited_prompts() -> None:
    at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    later = at + timedelta(minutes=5)
    room = Chatroom(id=new_id(), user_id=new_id(), name="Roads", created_at=at, updated_at=at)

    def message(role: Role, text: str, **extra: Any) -> Message:
        return Message(
            id=new_id(),
            chatroom_id=room.id,
            user_id=room.user_id,
            role=role,
            content=text,
            status=MessageStatus.COMPLETED,
            created_at=at,
            **extra,
        )

    async def pages() -> AsyncIterator[list[Message]]:
        yield [
            message(Role.USER, "roads?", edited_at=later),
            message(Role.MODEL, "first answer", superseded_at=later),
            message(Role.MODEL, "second answer"),
        ]

    text = b"".join([chunk async for chunk in markdown_chunks(room, later, pages())]).decode()
    assert "### You (edited 2026-12-01 09:35:00 UTC), 2026-12-01 09:30:00 UTC" in text
    assert (
        "### Model (an earlier version, replaced 2026-12-01 09:35:00 UTC), "
        "2026-12-01 09:30:00 UTC\n\nfirst answer"
    ) in text
    assert "### Model, 2026-12-01 09:30:00 UTC\n\nsecond answer" in text
