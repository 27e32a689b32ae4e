"""Unit tests: the core and the API on the embedded default (SQLite in a
temporary folder, in-process adapters), with a fake clock and a cheap hasher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.api import ApiClient, make_settings, running_app
from tests.support.fakes import FakeClock, ScriptedModel, cheap_hasher


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel()


@pytest.fixture
async def client(
    tmp_path: Path, clock: FakeClock, model: ScriptedModel
) -> AsyncIterator[ApiClient]:
    async with running_app(
        make_settings(tmp_path), clock=clock, hasher=cheap_hasher(), model=model
    ) as client:
        yield client
