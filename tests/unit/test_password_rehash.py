"""argon2id hashes are upgraded on login when the parameters change."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from adapters.argon2_hasher import Argon2PasswordHasher
from adapters.sqlalchemy import create_engine
from tests.support.api import confirmed_signup, make_settings, running_app

MOBILE = "+919876543210"
PASSWORD = "a memorable passphrase"


async def stored_hash(tmp_path: Path) -> str:
    engine = create_engine(make_settings(tmp_path).database_url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(sa.text("SELECT password_hash FROM users"))
            return str(result.scalar_one())
    finally:
        await engine.dispose()


async def test_login_rehashes_with_the_current_parameters(tmp_path: Path) -> None:
    old = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    new = Argon2PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    async with running_app(make_settings(tmp_path), hasher=old) as client:
        await confirmed_signup(client, MOBILE, password=PASSWORD)
    before = await stored_hash(tmp_path)
    assert "m=8,t=1" in before
    async with running_app(make_settings(tmp_path), hasher=new) as client:
        login = await client.post(
            "/auth/login", json={"mobile_number": MOBILE, "password": PASSWORD}
        )
        assert login.status_code == 200
    after = await stored_hash(tmp_path)
    assert after.startswith("$argon2id$") and "m=16,t=2" in after
    async with running_app(make_settings(tmp_path), hasher=new) as client:
        again = await client.post(
            "/auth/login", json={"mobile_number": MOBILE, "password": PASSWORD}
        )
        assert again.status_code == 200
    assert await stored_hash(tmp_path) == after  # current parameters: left alone
