"""Fix a prompt, find it, take the conversation away: with separate API and
worker processes on PostgreSQL and Redis. The edited prompt's new reply is
written by the worker process, `/search` finds the new words through
PostgreSQL's full-text indexes (and not the old ones, nor another user's),
and the JSON export loads back as the room's every message, versions too."""

from __future__ import annotations

import httpx

from tests.integration import test_workers
from tests.integration.test_workers import (
    EnvFactory,
    login,
    new_room,
    reply_row,
    send,
    wait_until,
)
from tests.support.gemini_standin import running_standin
from tests.support.processes import serving_cli, worker_cli
from tests.support.server import free_port

production_env = test_workers.production_env  # the fixture, shared


def test_edit_search_and_export_on_postgres_with_a_worker_process(
    production_env: EnvFactory, postgres_database: str
) -> None:
    with running_standin(latency=0.1, chunks=2) as (gemini, _standin):
        env = production_env(gemini)
        port = free_port()
        with (
            serving_cli(env, port),
            worker_cli(env),
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as api,
        ):
            headers = login(api)
            stranger = login(api, "+919811112222")
            room = new_room(api, headers)
            sent = send(api, headers, room, "Tell me about aqueducts").json()["data"]
            prompt_id, first_id = sent["message"]["id"], sent["reply"]["id"]
            wait_until(
                lambda: reply_row(postgres_database, first_id)["status"] == "completed",
                30,
                "the first reply",
            )

            edited = api.patch(
                f"/chatroom/{room}/message/{prompt_id}",
                json={"content": "Tell me about viaducts"},
                headers=headers,
            )
            assert edited.status_code == 202, edited.text
            new_id = edited.json()["data"]["reply"]["id"]
            wait_until(
                lambda: reply_row(postgres_database, new_id)["status"] == "completed",
                30,
                "the edited prompt's reply, from the worker",
            )

            def found(query: str, who: dict[str, str]) -> list[str | None]:
                answer = api.get("/search", params={"q": query}, headers=who)
                assert answer.status_code == 200, answer.text
                return [hit["message_id"] for hit in answer.json()["data"]]

            # The prompt now says viaducts; the stand-in's new reply repeats it.
            assert set(found("viaducts", headers)) == {prompt_id, new_id}
            # The old words are gone from the prompt and live only in the
            # replaced reply, which search leaves out.
            assert found("aqueducts", headers) == []
            assert found("viaducts", stranger) == []

            exported = api.get(
                f"/chatroom/{room}/export", params={"format": "json"}, headers=headers
            )
            assert exported.status_code == 200, exported.text
            messages = exported.json()["messages"]
            assert [m["id"] for m in messages] == [prompt_id, first_id, new_id]
            assert messages[0]["content"] == "Tell me about viaducts"
            assert messages[0]["edited_at"] is not None
            assert messages[1]["superseded_at"] is not None
            assert messages[2]["content"] == "Stand-in answer to: Tell me about viaducts"
            assert api.get(f"/chatroom/{room}/export", headers=stranger).status_code == 404
