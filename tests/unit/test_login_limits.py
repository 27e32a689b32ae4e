"""The failed-login limit holds under concurrency on the embedded default:
each guess reserves its attempt before the password is checked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.api import ApiClient, make_settings, running_app
from tests.support.fakes import CountingHasher, FakeClock
from tests.support.guesses import flood_change_password, flood_login


@pytest.fixture
def hasher() -> CountingHasher:
    return CountingHasher()


@pytest.fixture
async def client(
    tmp_path: Path, clock: FakeClock, hasher: CountingHasher
) -> AsyncIterator[ApiClient]:
    async with running_app(make_settings(tmp_path), clock=clock, hasher=hasher) as client:
        yield client


async def test_200_concurrent_wrong_passwords_are_checked_at_most_ten_times(
    client: ApiClient, hasher: CountingHasher
) -> None:
    await flood_login(client, hasher, 200)


async def test_200_concurrent_wrong_current_passwords_are_checked_at_most_ten_times(
    client: ApiClient, hasher: CountingHasher
) -> None:
    await flood_change_password(client, hasher, 200)
