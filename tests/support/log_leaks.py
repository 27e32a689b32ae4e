"""Provoking a database error whose statement carries personal data, and
checking that no log line repeats any of it."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from adapters.sqlalchemy import SqlUnitOfWorkFactory
from gemini_core.ports import UnitOfWorkFactory
from tests.support.api import ApiClient

NAME = "Asha Verysecretname"
PASSWORD = "correct horse battery staple 42"
FIRST, SECOND = "+919876543210", "+919812345678"


async def signups_that_collide(client: ApiClient) -> httpx.Response:
    """Two signups whose second breaks a unique index put on users.name: a
    statement that fails with the mobile number, name and hash in it."""
    uow = client.container.resolve(UnitOfWorkFactory)
    assert isinstance(uow, SqlUnitOfWorkFactory)
    async with uow.engine.begin() as conn:
        await conn.execute(text("CREATE UNIQUE INDEX test_unique_name ON users (name)"))
    body = {"name": NAME, "password": PASSWORD}
    first = await client.post("/auth/signup", json={"mobile_number": FIRST, **body})
    assert first.status_code == 201, first.text
    return await client.post("/auth/signup", json={"mobile_number": SECOND, **body})


def assert_no_values_logged(caplog: pytest.LogCaptureFixture) -> None:
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "unexpected error on POST /auth/signup" in logged  # the failure was logged
    for secret in (SECOND, SECOND[3:], NAME, "Verysecretname", "$argon2", PASSWORD):
        assert secret not in logged, f"{secret!r} is in the log:\n{logged}"
