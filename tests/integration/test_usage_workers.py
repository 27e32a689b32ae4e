"""What replies cost and which model writes them (issue 15 points 7, 8a),
with an API process and a separate worker on PostgreSQL and Redis, and the
loopback Gemini stand-in speaking Gemini's streamed wire format: Basic's and
Pro's prompts reach their tiers' model endpoints, and each reply's
usageMetadata lands in the stored reply, in the day's count and on
/subscription/status."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg
import redis

from tests.integration.test_workers import (  # noqa: F401 (fixtures)
    EnvFactory,
    login,
    new_room,
    production_env,
    send,
    standin,
    wait_until,
)
from tests.support.gemini_standin import THOUGHTS_TOKENS, GeminiStandIn
from tests.support.processes import serving_cli, worker_cli
from tests.support.server import free_port

BASIC_MODEL = "gemini-2.5-flash-lite"
PRO_MODEL = "gemini-2.5-pro"


def make_pro(database_url: str, env: dict[str, str], user_id: str) -> None:
    """What a Stripe webhook of an active subscription leaves: the row
    stored, and the cached user (which carries the tier) gone."""
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute(
            "INSERT INTO subscriptions (user_id, status, cancel_at_period_end, event_created)"
            " VALUES (%s, 'active', false, 1)",
            (user_id,),
        )
    with redis.Redis.from_url(env["REDIS_URL"]) as client:
        client.delete(f"{env['REDIS_PREFIX']}user:{user_id}")


def day_tokens(database_url: str, user_id: str) -> int:
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(tokens), 0) FROM daily_usage WHERE user_id = %s", (user_id,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def completed_reply(
    api: httpx.Client, headers: dict[str, str], room: str, reply_id: str
) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def done() -> bool:
        page = api.get(f"/chatroom/{room}/messages", headers=headers).json()["data"]
        found.update(next((m for m in page if m["id"] == reply_id), {}))
        return found.get("status") == "completed"

    wait_until(done, 30, f"reply {reply_id} to complete")
    return found


def test_each_tier_is_answered_by_its_model_and_every_reply_is_counted(
    production_env: EnvFactory,  # noqa: F811
    standin: tuple[str, GeminiStandIn],  # noqa: F811
    postgres_database: str,
) -> None:
    gemini, app = standin
    env = production_env(
        gemini,
        GEMINI_MODEL_BASIC=BASIC_MODEL,
        GEMINI_MODEL_PRO=PRO_MODEL,
        DAILY_TOKEN_BUDGET_BASIC="100000",
    )
    port = free_port()
    with (
        serving_cli(env, port),
        worker_cli(env, "--concurrency", "4"),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as api,
    ):
        basic = login(api, "+919876543210")
        pro = login(api, "+919876543211")
        pro_id = api.get("/user/me", headers=pro).json()["data"]["user"]["id"]
        make_pro(postgres_database, env, pro_id)
        seen: dict[str, dict[str, Any]] = {}
        for name, headers in (("basic", basic), ("pro", pro)):
            room = new_room(api, headers)
            sent = send(api, headers, room, f"a question from {name}")
            assert sent.status_code == 202, sent.text
            pending = sent.json()["data"]["reply"]
            assert pending["model"] == (PRO_MODEL if name == "pro" else BASIC_MODEL)
            seen[name] = completed_reply(api, headers, room, pending["id"])
        paths = sorted(request["path"] for request in app.requests)
        status = {
            name: api.get("/subscription/status", headers=headers).json()["data"]
            for name, headers in (("basic", basic), ("pro", pro))
        }

    assert paths == [
        f"/v1beta/models/{BASIC_MODEL}:streamGenerateContent",
        f"/v1beta/models/{PRO_MODEL}:streamGenerateContent",
    ]
    for name, model in (("basic", BASIC_MODEL), ("pro", PRO_MODEL)):
        reply, usage = seen[name], seen[name]["usage"]
        assert reply["model"] == model  # the stand-in's modelVersion
        # The stand-in counts a word a token: the turns sent in, the answer
        # out, and THOUGHTS_TOKENS of thinking.
        assert usage["output_tokens"] == len(reply["content"].split())
        assert usage["thinking_tokens"] == THOUGHTS_TOKENS
        assert usage["total_tokens"] == (
            usage["prompt_tokens"] + usage["output_tokens"] + THOUGHTS_TOKENS
        )
        assert status[name]["usage"]["tokens_today"] == usage["total_tokens"]
    assert status["basic"]["tier"] == "basic" and status["pro"]["tier"] == "pro"
    assert status["basic"]["usage"]["daily_token_budget"] == 100000
    assert status["pro"]["usage"]["daily_token_budget"] is None
    assert day_tokens(postgres_database, pro_id) == seen["pro"]["usage"]["total_tokens"]
