"""What the measurements read: users logged in through the API; their rooms,
messages and Pro subscriptions written straight into PostgreSQL with COPY."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg

from bench.common import (
    DETAIL_MESSAGES,
    LIST_USERS,
    MANY_ROOMS,
    POST_USERS,
    SMALL_ROOMS,
    HarnessError,
    Mode,
)
from bench.stack import Stack
from entrypoints.adapter_choice import cursor_key
from entrypoints.http.cursors import ChatroomCursors
from entrypoints.settings import load_settings
from gemini_core.ids import new_id
from gemini_core.ports import ChatroomCursor

USER_TEXT = "Explain, briefly and with one example, how a B-tree keeps its height low. "
MODEL_TEXT = (
    "A B-tree keeps every leaf at the same depth: a node holds many keys, and a full node "
    "splits in two, pushing its middle key up, so the tree grows at the root, never at a "
    "leaf. With a few hundred keys per node, three or four levels index millions of rows; "
    "a lookup reads one node per level. Example: inserting into a full leaf of a 3-4 tree "
    "splits it and moves the median key into the parent. "
)
PAGES_MESSAGES = 1_000  # the room read page by page


@dataclass
class Account:
    user_id: uuid.UUID
    token: str


@dataclass
class Room:
    id: uuid.UUID
    message_ids: list[uuid.UUID]  # oldest first


@dataclass
class Seed:
    list_users: list[Account]
    many_rooms_user: Account
    many_rooms_cursor: str
    reader: Account
    rooms_by_size: dict[int, Room]
    detail_room: Room
    pages_room: Room
    post_users: list[tuple[Account, Room]]
    reply_user: Account


def login(client: httpx.Client, index: int) -> Account:
    mobile = f"+9197{index:08d}"
    sent = client.post("/auth/send-otp", json={"mobile_number": mobile})
    if sent.status_code != 200:
        raise HarnessError(f"send-otp answered {sent.status_code}: {sent.text}")
    verified = client.post(
        "/auth/verify-otp", json={"mobile_number": mobile, "otp": sent.json()["data"]["otp"]}
    )
    if verified.status_code != 200:
        raise HarnessError(f"verify-otp answered {verified.status_code}: {verified.text}")
    data = verified.json()["data"]
    return Account(user_id=uuid.UUID(data["user"]["id"]), token=data["access_token"])


class Seeder:
    """Rooms, messages and subscriptions straight into PostgreSQL."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.start = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
        self.tick = 0

    def _now(self) -> dt.datetime:
        # Strictly increasing times in the past, in step with the UUIDv7 ids.
        self.tick += 1
        return self.start + dt.timedelta(milliseconds=self.tick)

    def rooms(self, user_id: uuid.UUID, count: int) -> list[uuid.UUID]:
        ids = []
        with (
            self.conn.cursor() as cur,
            cur.copy(
                "COPY chatrooms (id, user_id, name, created_at, updated_at, activity_at) FROM STDIN"
            ) as copy,
        ):
            for index in range(count):
                room_id, at = new_id(), self._now()
                copy.write_row((room_id, user_id, f"Room {index + 1}", at, at, at))
                ids.append(room_id)
        return ids

    def messages(self, user_id: uuid.UUID, room_id: uuid.UUID, count: int) -> list[uuid.UUID]:
        """``count`` completed messages, user and model turns in turn."""
        ids = []
        at = self.start
        with (
            self.conn.cursor() as cur,
            cur.copy(
                "COPY messages (id, chatroom_id, user_id, role, content, status, created_at, "
                "completed_at, prompt_tokens, output_tokens, deliveries) FROM STDIN"
            ) as copy,
        ):
            for index in range(count):
                message_id, at = new_id(), self._now()
                copy.write_row(_message_row(message_id, room_id, user_id, index % 2 == 0, at))
                ids.append(message_id)
        if count:
            self.conn.execute(
                "UPDATE chatrooms SET last_message_at = %s, activity_at = %s WHERE id = %s",
                (at, at, room_id),
            )
        return ids

    def pro(self, user_id: uuid.UUID) -> None:
        self.conn.execute(
            "INSERT INTO subscriptions (user_id, status, customer_id, subscription_id, "
            "current_period_end, cancel_at_period_end, event_created) "
            "VALUES (%s, 'active', %s, %s, %s, false, 0)",
            (
                user_id,
                f"cus_bench_{user_id.hex[:16]}",
                f"sub_bench_{user_id.hex[:16]}",
                dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
            ),
        )


def _message_row(
    message_id: uuid.UUID, room_id: uuid.UUID, user_id: uuid.UUID, user_turn: bool, at: Any
) -> tuple[Any, ...]:
    return (
        message_id,
        room_id,
        user_id,
        "user" if user_turn else "model",
        USER_TEXT if user_turn else MODEL_TEXT,
        "completed",
        at,
        at,
        None if user_turn else 16,
        None if user_turn else 90,
        0 if user_turn else 1,
    )


def seed(stack: Stack, mode: Mode) -> Seed:
    started = time.monotonic()
    with httpx.Client(base_url=stack.api, timeout=30) as client:
        accounts = [login(client, index) for index in range(LIST_USERS + POST_USERS + 3)]
    list_users = accounts[:LIST_USERS]
    post_accounts = accounts[LIST_USERS : LIST_USERS + POST_USERS]
    many_rooms_user, reader, reply_user = accounts[LIST_USERS + POST_USERS :]
    sizes = sorted({*mode.message_sizes, DETAIL_MESSAGES, PAGES_MESSAGES})
    with psycopg.connect(stack.database_url) as conn:
        seeder = Seeder(conn)
        for account in list_users:
            seeder.rooms(account.user_id, SMALL_ROOMS)
        seeder.rooms(many_rooms_user.user_id, MANY_ROOMS)
        rooms = _rooms_of_sizes(seeder, reader, sizes)
        post_users = [_pro_with_room(seeder, account) for account in post_accounts]
        seeder.pro(reply_user.user_id)
        conn.commit()
        conn.execute("ANALYZE")
    cursor = _last_page_cursor(stack, many_rooms_user)
    print(f"seeded in {time.monotonic() - started:.1f}s", flush=True)
    return Seed(
        list_users=list_users,
        many_rooms_user=many_rooms_user,
        many_rooms_cursor=cursor,
        reader=reader,
        rooms_by_size={size: rooms[size] for size in mode.message_sizes},
        detail_room=rooms[DETAIL_MESSAGES],
        pages_room=rooms[PAGES_MESSAGES],
        post_users=post_users,
        reply_user=reply_user,
    )


def _rooms_of_sizes(seeder: Seeder, reader: Account, sizes: list[int]) -> dict[int, Room]:
    """One room of the reader's for each message count."""
    room_ids = seeder.rooms(reader.user_id, len(sizes))
    return {
        size: Room(room_id, seeder.messages(reader.user_id, room_id, size))
        for size, room_id in zip(sizes, room_ids, strict=True)
    }


def _pro_with_room(seeder: Seeder, account: Account) -> tuple[Account, Room]:
    """A Pro user with one room of ten messages, to post prompts into."""
    seeder.pro(account.user_id)
    (room_id,) = seeder.rooms(account.user_id, 1)
    return account, Room(room_id, seeder.messages(account.user_id, room_id, 10))


def _last_page_cursor(stack: Stack, account: Account) -> str:
    """The list of 1,000 rooms is newest first: a cursor at the 980th room
    reads the last page."""
    with psycopg.connect(stack.database_url) as conn:
        row = conn.execute(
            "SELECT activity_at, id FROM chatrooms WHERE user_id = %s "
            "ORDER BY activity_at DESC, id DESC OFFSET %s LIMIT 1",
            (account.user_id, MANY_ROOMS - 21),
        ).fetchone()
    if row is None:
        raise HarnessError(f"no {MANY_ROOMS - 20}th room to take a cursor at")
    # Cursors are signed with a key derived from JWT_SECRET, as the API signs them.
    signer = ChatroomCursors(cursor_key(load_settings(stack.env)))
    return signer.encode(ChatroomCursor(activity_at=row[0], id=row[1]))
