"""Bad text on PostgreSQL: the core refuses control characters before any
write, so NUL (which PostgreSQL cannot store) is the same 400 here as on
SQLite, and a NUL in the model's answer is stored as U+FFFD."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.api import ApiClient, make_settings, running_app
from tests.support.fakes import FakeClock, ScriptedModel, cheap_hasher
from tests.unit.test_input_limits import (
    check_a_nul_from_the_model_is_stored_as_a_replacement,
    check_control_characters_are_refused,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel()


@pytest.fixture
async def pg_api(
    tmp_path: Path, migrated_database: str, model: ScriptedModel
) -> AsyncIterator[ApiClient]:
    settings = make_settings(tmp_path, DATABASE_URL=migrated_database)
    async with running_app(
        settings, clock=FakeClock(), hasher=cheap_hasher(), model=model
    ) as client:
        yield client


async def test_control_characters_are_refused_on_postgres(pg_api: ApiClient) -> None:
    await check_control_characters_are_refused(pg_api)


async def test_a_nul_from_the_model_is_stored_as_a_replacement_on_postgres(
    pg_api: ApiClient, model: ScriptedModel
) -> None:
    await check_a_nul_from_the_model_is_stored_as_a_replacement(pg_api, model)
