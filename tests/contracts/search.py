"""Contract suites of the search index (``uow.search``) and of reading a
room's messages forward in pages (``MessageRepository.list_after``, the
export). Subclasses provide ``uow_factory`` on an empty, migrated database."""

from __future__ import annotations

from datetime import timedelta

import msgspec

from gemini_core.model import Chatroom, Message, MessageStatus, Role
from gemini_core.ports import SearchCursor, SearchKind, UnitOfWorkFactory
from gemini_core.search_text import query_terms
from tests.contracts.repositories import T0, a_message, a_room, stored_user


async def _store(uow_factory: UnitOfWorkFactory, rooms: list[Chatroom], *msgs: Message) -> None:
    async with uow_factory() as uow:
        for room in rooms:
            await uow.chatrooms.add(room)
        if msgs:
            await uow.messages.add(*msgs)
        await uow.commit()


async def _find(
    uow_factory: UnitOfWorkFactory,
    user_id: object,
    query: str,
    limit: int = 50,
    after: SearchCursor | None = None,
) -> list[tuple[SearchKind, object]]:
    async with uow_factory(autocommit=True) as uow:
        found = await uow.search.find(user_id, query_terms(query), limit, after)  # type: ignore[arg-type]
    return [(m.kind, m.id) for m in found]


class SearchRepositoryContract:
    async def test_finds_names_and_messages_by_word_prefix_any_case(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = await stored_user(uow_factory)
        room = a_room(user, name="Trip to Rome")
        prompt = a_message(room, content="Plan one day in ROME, walking")
        reply = a_message(room, Role.MODEL, content="Start at the Colosseum")
        await _store(uow_factory, [room], prompt, reply)

        assert set(await _find(uow_factory, user.id, "rome")) == {
            (SearchKind.CHATROOM, room.id),
            (SearchKind.MESSAGE, prompt.id),
        }
        assert await _find(uow_factory, user.id, "colos") == [(SearchKind.MESSAGE, reply.id)]
        assert await _find(uow_factory, user.id, "walk rome") == [(SearchKind.MESSAGE, prompt.id)]
        assert await _find(uow_factory, user.id, "rome paris") == []
        assert await _find(uow_factory, user.id, "नमस्ते") == []

    async def test_never_finds_another_users_rooms_or_messages(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        me = await stored_user(uow_factory, "+919876543210")
        other = await stored_user(uow_factory, "+919876543211")
        theirs = a_room(other, name="secret plans")
        await _store(uow_factory, [theirs], a_message(theirs, content="secret plans inside"))
        mine = a_room(me, name="mine")
        await _store(uow_factory, [mine])

        assert await _find(uow_factory, me.id, "secret") == []
        assert len(await _find(uow_factory, other.id, "secret")) == 2

    async def test_the_index_follows_writes(self, uow_factory: UnitOfWorkFactory) -> None:
        user = await stored_user(uow_factory)
        room = a_room(user, name="first name")
        reply = a_message(room, Role.MODEL, MessageStatus.PENDING, content="")
        await _store(uow_factory, [room], reply)
        assert await _find(uow_factory, user.id, "gelato") == []

        async with uow_factory() as uow:
            await uow.messages.finish(
                reply.id,
                status=MessageStatus.COMPLETED,
                content="Try the gelato",
                error=None,
                completed_at=T0,
            )
            await uow.chatrooms.rename(user.id, room.id, "renamed room", T0)
            await uow.commit()
        assert await _find(uow_factory, user.id, "gelato") == [(SearchKind.MESSAGE, reply.id)]
        assert await _find(uow_factory, user.id, "first") == []
        assert await _find(uow_factory, user.id, "renamed") == [(SearchKind.CHATROOM, room.id)]

        async with uow_factory() as uow:
            await uow.chatrooms.delete(user.id, room.id)
            await uow.commit()
        assert await _find(uow_factory, user.id, "gelato renamed") == []
        assert await _find(uow_factory, user.id, "gelato") == []

    async def test_replies_a_newer_version_replaced_are_left_out(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = await stored_user(uow_factory)
        room = a_room(user, name="versions")
        old = msgspec.structs.replace(
            a_message(room, Role.MODEL, content="papaya old"), superseded_at=T0
        )
        current = a_message(room, Role.MODEL, content="papaya new")
        await _store(uow_factory, [room], old, current)
        assert await _find(uow_factory, user.id, "papaya") == [(SearchKind.MESSAGE, current.id)]

    async def test_pages_go_newest_first_across_rooms_and_messages(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = await stored_user(uow_factory)
        room = a_room(user, at=T0 + timedelta(minutes=2), name="kiwi room")
        older = a_message(room, at=T0 + timedelta(minutes=1), content="kiwi one")
        newer = a_message(room, at=T0 + timedelta(minutes=3), content="kiwi two")
        same_time = a_message(room, at=T0 + timedelta(minutes=3), content="kiwi three")
        await _store(uow_factory, [room], older, newer, same_time)

        everything = await _find(uow_factory, user.id, "kiwi")
        # Ties in time go by id, newest id first (ids are time-ordered).
        assert everything == [
            (SearchKind.MESSAGE, same_time.id),
            (SearchKind.MESSAGE, newer.id),
            (SearchKind.CHATROOM, room.id),
            (SearchKind.MESSAGE, older.id),
        ]
        async with uow_factory(autocommit=True) as uow:
            first = await uow.search.find(user.id, ["kiwi"], 2, None)
            cursor = SearchCursor(at=first[-1].at, id=first[-1].id)
            rest = await uow.search.find(user.id, ["kiwi"], 2, cursor)
        assert [(m.kind, m.id) for m in first + rest] == everything
        assert rest[0].chatroom_name == "kiwi room" and rest[0].text == "kiwi room"
        assert rest[1].message == older and rest[1].chatroom_id == room.id

    async def test_query_syntax_is_only_ever_words(self, uow_factory: UnitOfWorkFactory) -> None:
        user = await stored_user(uow_factory)
        room = a_room(user, name="syntax")
        said = a_message(room, content='he said "NEAR" AND (quotes) OR not: col*umn\\ it\'s')
        await _store(uow_factory, [room], said)
        for query in (
            '"',
            '"near',
            "AND",
            "near(",
            "col*",
            "content:he",
            "it's",
            "'s",
            "\\",
            "NOT said",
            "^he",
            "said -he",
            "e\u0301",
        ):
            await _find(uow_factory, user.id, query)  # never raises
        async with uow_factory(autocommit=True) as uow:
            raw = ['"', "'", "\\", "a'b", 'a"b', "*", ":", "&|!", "NEAR", "()", "\u0301"]
            for term in raw:  # terms the core would never make: still no error
                await uow.search.find(user.id, [term], 10, None)
        assert await _find(uow_factory, user.id, '"NEAR" AND') == [(SearchKind.MESSAGE, said.id)]
        assert await _find(uow_factory, user.id, "it's") == [(SearchKind.MESSAGE, said.id)]


class MessagePagesContract:
    async def test_list_after_reads_the_room_forward_in_pages(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = await stored_user(uow_factory)
        room, other = a_room(user), a_room(user)
        mine = [a_message(room, at=T0 + timedelta(seconds=i), content=f"m{i}") for i in range(7)]
        await _store(uow_factory, [room, other], *mine, a_message(other))

        pages = []
        after = None
        async with uow_factory(autocommit=True) as uow:
            while True:
                page = await uow.messages.list_after(room.id, 3, after)
                if not page:
                    break
                pages.append(page)
                after = page[-1].id
        assert [len(p) for p in pages] == [3, 3, 1]
        assert [m for p in pages for m in p] == mine
        assert all(msgspec.structs.asdict(m) for p in pages for m in p)
