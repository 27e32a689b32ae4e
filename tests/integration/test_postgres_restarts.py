"""`gemini-clone serve` and `gemini-clone worker` through what a PostgreSQL
restart does to them, on real processes: the test database's backends
terminated, or the database refusing connections for a few seconds and its
backends terminated (``tests/support/postgres_faults.py``; the shared server
is never stopped). Neither process is restarted, no request answers 500,
and a reply whose final write met the outage ends with exactly one final
write: stored once the database is back, or delivered again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.integration.test_workers import (  # noqa: F401
    EnvFactory,
    login,
    new_room,
    pending_entries,
    production_env,
    reply_row,
    send,
    wait_until,
)
from tests.support.gemini_standin import running_standin
from tests.support.postgres_faults import PostgresFaults
from tests.support.processes import CliProcess, serving_cli, wait_output, worker_cli
from tests.support.server import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def faults(postgres_admin_url: str, postgres_database: str) -> PostgresFaults:
    return PostgresFaults(postgres_admin_url, make_url(postgres_database).database or "")


@contextmanager
def deployment(env: dict[str, str]) -> Iterator[tuple[httpx.Client, CliProcess, CliProcess]]:
    """An API process and a worker process, both ready: (client, api, worker)."""
    port = free_port()
    with (
        serving_cli(env, port) as api,
        worker_cli(env) as worker,
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=15) as client,
    ):
        wait_output(worker, "worker ready")
        yield client, api, worker


def completed(database: str, reply_id: str, timeout: float) -> dict[str, object]:
    wait_until(
        lambda: reply_row(database, reply_id)["status"] != "pending",
        timeout,
        f"reply {reply_id} to be final",
    )
    row = reply_row(database, reply_id)
    assert row["status"] == "completed", row
    return row


def model_rows(database: str) -> int:
    """Replies stored in the database: one per prompt, whatever happened."""
    url = database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM messages WHERE role = 'model'").fetchone()
    return int(row[0]) if row else 0


def test_the_api_and_the_worker_ride_out_terminated_backends(
    production_env: EnvFactory,  # noqa: F811
    postgres_database: str,
    faults: PostgresFaults,
) -> None:
    with running_standin(latency=0.2, chunks=2) as (gemini, _):
        env = production_env(gemini)
        with deployment(env) as (client, api, worker):
            headers = login(client)
            room = new_room(client, headers)
            first = send(client, headers, room, "before").json()["data"]["reply"]["id"]
            completed(postgres_database, first, 30)
            assert client.get("/chatroom", headers=headers).status_code == 200  # pooled now

            assert faults.terminate() >= 2  # the API's and the worker's connections

            # At once, no waiting: every request answers as before.
            for path in ("/user/me", "/chatroom", f"/chatroom/{room}", "/health/ready"):
                response = client.get(path, headers=headers)
                assert response.status_code == 200, (path, response.text)
            second = send(client, headers, room, "after")
            assert second.status_code == 202, second.text
            row = completed(postgres_database, second.json()["data"]["reply"]["id"], 30)
            assert row["content"] == "Stand-in answer to: after"
            assert api.process.poll() is None and worker.process.poll() is None
            assert "Traceback" not in api.output(), api.output()


def test_a_final_write_that_meets_an_outage_is_stored_once_the_database_is_back(
    production_env: EnvFactory,  # noqa: F811
    postgres_database: str,
    faults: PostgresFaults,
) -> None:
    with running_standin(latency=2.0, chunks=2) as (gemini, standin):
        env = production_env(gemini)
        with deployment(env) as (client, api, worker):
            headers = login(client)
            room = new_room(client, headers)
            reply_id = send(client, headers, room, "hold on").json()["data"]["reply"]["id"]
            wait_until(lambda: len(standin.requests) == 1, 30, "the worker to call the model")
            with faults.outage():
                time.sleep(5)  # the model answers 2 s in: its write meets the outage
            row = completed(postgres_database, reply_id, 40)
            assert row["content"] == "Stand-in answer to: hold on"
            assert row["deliveries"] == 1  # stored by the run that got the answer
            assert len(standin.requests) == 1
            assert model_rows(postgres_database) == 1
            output = worker.output()
            assert f"storing reply {reply_id} failed" in output, output
            assert "done after" in output, output
            assert client.get("/chatroom", headers=headers).status_code == 200
            assert worker.process.poll() is None and api.process.poll() is None


def test_a_worker_that_gives_up_on_the_final_write_leaves_the_reply_for_redelivery(
    production_env: EnvFactory,  # noqa: F811
    postgres_database: str,
    redis_server_url: str,
    redis_prefix: str,
    faults: PostgresFaults,
) -> None:
    with running_standin(latency=1.0, chunks=2) as (gemini, standin):
        env = production_env(
            gemini,
            REPLY_WRITE_PATIENCE="1",
            REPLY_REDELIVER_AFTER="3",
            RECLAIM_INTERVAL="1",
            # Not the sweep: the stream itself must deliver the reply again.
            SWEEP_INTERVAL="600",
        )
        with deployment(env) as (client, _, worker):
            headers = login(client)
            room = new_room(client, headers)
            reply_id = send(client, headers, room, "again").json()["data"]["reply"]["id"]
            wait_until(lambda: len(standin.requests) == 1, 30, "the worker to call the model")
            with faults.outage():
                wait_output(worker, "left in the stream", timeout=15)
            row = completed(postgres_database, reply_id, 30)
            assert row["content"] == "Stand-in answer to: again"
            assert row["deliveries"] == 2
            assert len(standin.requests) == 2
            assert model_rows(postgres_database) == 1
            wait_until(
                lambda: pending_entries(redis_server_url, redis_prefix) == 0,
                10,
                "the second delivery to be acknowledged",
            )
            assert worker.process.poll() is None
