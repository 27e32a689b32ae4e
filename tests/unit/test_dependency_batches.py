"""Handlers' dependencies are resolved in turn, without a task group."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Litestar, get
from litestar.di import Provide
from litestar.testing import AsyncTestClient

from entrypoints.http.dependency_batches import resolve_in_turn, split_batches
from tests.support.api import ApiClient


def test_every_route_of_the_api_resolves_one_dependency_at_a_time(client: ApiClient) -> None:
    app = client.app
    sizes = [
        len(batch)
        for route in app.routes
        for _, model in getattr(route, "route_handler_map", {}).values()
        for batch in model.dependency_batches
    ]
    assert sizes, "no route has dependencies: the check would prove nothing"
    assert set(sizes) == {1}


def test_split_batches_keeps_the_order_of_the_batches() -> None:
    first, second, third = split_batches([{"a", "b"}, {"c"}])
    assert first | second == {"a", "b"} and third == {"c"}


async def test_dependencies_resolve_in_the_request_s_own_task() -> None:
    # In a task group each dependency would run in a task of its own.
    tasks: list[Any] = []

    def service() -> str:
        tasks.append(asyncio.current_task())
        return "service"

    async def user(service: str) -> str:
        tasks.append(asyncio.current_task())
        return f"user of {service}"

    @get("/", sync_to_thread=False)
    def handler(service: str, other: str, user: str) -> dict[str, str]:
        return {"service": service, "other": other, "user": user}

    app = Litestar(
        [handler],
        dependencies={
            "service": Provide(service, sync_to_thread=False),
            "other": Provide(lambda: "other", sync_to_thread=False),
            "user": Provide(user),
        },
    )
    resolve_in_turn(app)
    async with AsyncTestClient(app) as http:
        answer = await http.get("/")
    assert answer.json() == {"service": "service", "other": "other", "user": "user of service"}
    assert len(tasks) == 2 and tasks[0] is tasks[1]
