"""What the soak checks at the end, from the database itself and from what
the users were answered: every accepted prompt has exactly one final reply
(the model's answer to it, or a failure with a reason), no reply is left
pending, no user was charged more than the quota, nothing answered 500."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg

from bench.soak.load import Tally

ANSWER = "Stand-in answer to: {}"


@dataclass(frozen=True)
class Row:
    id: str
    chatroom_id: str
    user_id: str
    role: str
    status: str
    content: str
    created_at: dt.datetime
    completed_at: dt.datetime | None
    deliveries: int
    error: str | None


def read_messages(database_url: str) -> list[Row]:
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT id::text, chatroom_id::text, user_id::text, role, status, content, "
            "created_at, completed_at, deliveries, error FROM messages ORDER BY created_at, id"
        ).fetchall()
    return [Row(*row) for row in rows]


async def drain(database_url: str, within: float) -> float | None:
    """Seconds until no reply is pending (None: some still are after ``within`` s)."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if not await asyncio.to_thread(_pending, database_url):
            return time.monotonic() - started
        await asyncio.sleep(1.0)
    return None


def _pending(database_url: str) -> int:
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        row = conn.execute("SELECT count(*) FROM messages WHERE status = 'pending'").fetchone()
    return int(row[0]) if row else 0


@dataclass
class Verdict:
    figures: dict[str, Any] = field(default_factory=dict)
    losses: list[str] = field(default_factory=list)

    def lose(self, what: str, examples: list[str]) -> None:
        shown = "; ".join(examples[:3])
        self.losses.append(f"{what}: {len(examples)}" + (f" (e.g. {shown})" if shown else ""))


def judge(rows: list[Row], tally: Tally, limit: int) -> Verdict:
    verdict = Verdict()
    replies = {row.id: row for row in rows if row.role == "model"}
    _every_accepted_prompt_has_its_reply(verdict, replies, tally)
    _one_reply_per_prompt(verdict, rows)
    _nothing_pending(verdict, rows)
    _quota(verdict, rows, tally, replies, limit)
    _answers(verdict, tally)
    final = [row for row in replies.values() if row.status != "pending"]
    verdict.figures |= {
        "replies completed": sum(row.status == "completed" for row in final),
        "replies failed": sum(row.status == "failed" for row in final),
        "replies delivered more than once": sum(row.deliveries > 1 for row in replies.values()),
        "failure reasons": dict(Counter(row.error for row in final if row.status == "failed")),
        "reply time (s) p50 / p99 / max": _reply_times(replies),
    }
    return verdict


def _every_accepted_prompt_has_its_reply(
    verdict: Verdict, replies: dict[str, Row], tally: Tally
) -> None:
    missing, wrong = [], []
    for accepted in tally.accepted:
        reply = replies.get(accepted.reply_id)
        if reply is None:
            missing.append(accepted.reply_id)
        elif reply.status == "completed" and reply.content != ANSWER.format(accepted.text):
            wrong.append(f"{reply.id}: {reply.content[:60]!r}")
    if missing:
        verdict.lose("accepted prompts whose reply is gone", missing)
    if wrong:
        verdict.lose("replies that answer another prompt", wrong)


def _one_reply_per_prompt(verdict: Verdict, rows: list[Row]) -> None:
    per_room: dict[str, Counter[str]] = {}
    for row in rows:
        per_room.setdefault(row.chatroom_id, Counter())[row.role] += 1
    uneven = [
        f"room {room}: {count['user']} prompts, {count['model']} replies"
        for room, count in per_room.items()
        if count["user"] != count["model"]
    ]
    if uneven:
        verdict.lose("rooms without exactly one reply per prompt", uneven)


def _nothing_pending(verdict: Verdict, rows: list[Row]) -> None:
    pending = [row.id for row in rows if row.status == "pending"]
    verdict.figures["replies pending at the end"] = len(pending)
    if pending:
        verdict.lose("replies stuck pending", pending)


def _quota(
    verdict: Verdict, rows: list[Row], tally: Tally, replies: dict[str, Row], limit: int
) -> None:
    """A failed reply gives its prompt back, so a user is charged, per UTC
    day, for the prompts whose reply did not fail: at most ``limit``. Told
    twice: from the 202s the user was answered, and from the prompts
    stored (which also counts one stored whose answer never arrived)."""
    answered: Counter[tuple[int, dt.date]] = Counter()
    times: dict[int, list[float]] = {}
    for accepted in tally.accepted:
        reply = replies.get(accepted.reply_id)
        if reply is None or reply.status != "failed":
            answered[(accepted.user, accepted.day)] += 1
            times.setdefault(accepted.user, []).append(accepted.at)
    stored: Counter[tuple[str, dt.date]] = Counter()
    prompts = [row for row in rows if row.role == "user"]
    by_room_order = _replies_after(rows)
    for prompt in prompts:
        reply = by_room_order.get(prompt.id)
        if reply is None or reply.status != "failed":
            stored[(prompt.user_id, prompt.created_at.astimezone(dt.UTC).date())] += 1
    over = [
        f"user {user} on {day}: {n}, accepted at {' '.join(f'{t:.0f}' for t in times[user])} s"
        for (user, day), n in answered.items()
        if n > limit
    ]
    over += [f"user {u[:8]} on {day}: {n} stored" for (u, day), n in stored.items() if n > limit]
    verdict.figures["most prompts charged to one user in a day"] = max(
        [*answered.values(), *stored.values(), 0]
    )
    if over:
        verdict.lose(f"users charged more than their quota of {limit}", over)


def _replies_after(rows: list[Row]) -> dict[str, Row]:
    """Each prompt's reply: the model row stored with it (same room, the
    next row of that room)."""
    paired: dict[str, Row] = {}
    last_prompt: dict[str, Row] = {}
    for row in rows:
        if row.role == "user":
            last_prompt[row.chatroom_id] = row
        elif (prompt := last_prompt.pop(row.chatroom_id, None)) is not None:
            paired[prompt.id] = row
    return paired


def _answers(verdict: Verdict, tally: Tally) -> None:
    errors = tally.server_errors()
    if errors:
        verdict.lose("answers 5xx other than 503", [f"{k}: {n}" for k, n in errors.items()])
    if tally.unanswered:
        verdict.lose("requests with no answer", tally.unanswered)
    if tally.users_unable:
        verdict.lose("users who could not log in or make a room", [])


def _reply_times(replies: dict[str, Row]) -> str:
    times = sorted(
        (row.completed_at - row.created_at).total_seconds()
        for row in replies.values()
        if row.completed_at is not None
    )
    if not times:
        return "-"
    pick = [times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))], times[-1]]
    return " / ".join(f"{t:.1f}" for t in pick)


def log_counts(output: str) -> dict[str, int]:
    """What the workers' log says they did to recover."""
    requeued = sum(int(n) for n in re.findall(r"sweep: (\d+) replies re-enqueued", output))
    return {
        "reply tasks reclaimed from a silent claim": output.count("reclaimed reply task"),
        "reply tasks left unfinished for redelivery": output.count("left in the stream"),
        "replies re-enqueued by the sweep": requeued,
        "final writes that waited for the database": output.count("trying again for up to"),
    }
