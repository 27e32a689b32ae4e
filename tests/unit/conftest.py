"""Unit tests: the core and the API on the embedded default (SQLite in a
temporary folder, in-process adapters), with a fake clock and a cheap hasher."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from selenium import webdriver

from tests.support.api import ApiClient, make_settings, running_app
from tests.support.browser import chromium
from tests.support.fakes import FakeClock, ScriptedModel, cheap_hasher
from tests.support.processes import serving_client


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


# The browser tests': the served client on the embedded default, and a
# Chromium window (files that need another setup define their own).
@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    with serving_client(tmp_path / "data") as url:
        yield url


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    with chromium(tmp_path / "profile", window="1280,860") as browser:
        yield browser
