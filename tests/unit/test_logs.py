"""Logs carry no secrets: no statement's values, no full mobile number, no
code; and the embedded default's files are the user's alone."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from tests.support.api import assert_error, make_settings, running_app
from tests.support.fakes import cheap_hasher
from tests.support.log_leaks import FIRST, assert_no_values_logged, signups_that_collide


async def test_a_database_error_logs_no_values(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_app(make_settings(tmp_path), hasher=cheap_hasher()) as client:
        caplog.clear()
        response = await signups_that_collide(client)
    assert_error(response, 500, "internal_error")
    assert_no_values_logged(caplog)


async def test_codes_and_numbers_are_masked_in_our_own_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_app(make_settings(tmp_path), hasher=cheap_hasher()) as client:
        caplog.clear()
        sent = await client.post("/auth/send-otp", json={"mobile_number": FIRST})
        code = sent.json()["data"]["otp"]
        await client.post("/auth/verify-otp", json={"mobile_number": FIRST, "otp": code})
    assert "+91" in caplog.text and FIRST[-2:] in caplog.text  # it was logged, masked
    assert FIRST not in caplog.text and FIRST[3:] not in caplog.text
    assert code not in caplog.text


async def test_the_data_folder_and_the_database_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with running_app(make_settings(data), hasher=cheap_hasher()) as client:
        await client.post("/auth/send-otp", json={"mobile_number": FIRST})
        files = {path.name: stat.S_IMODE(path.stat().st_mode) for path in data.iterdir()}
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert files["gemini-clone.sqlite3"] == 0o600
    assert files["jwt_secret"] == 0o600
    assert all(mode == 0o600 for mode in files.values()), files


async def test_an_existing_database_file_is_narrowed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    async with running_app(settings, hasher=cheap_hasher()):
        pass
    database = tmp_path / "gemini-clone.sqlite3"
    database.chmod(0o644)
    async with running_app(settings, hasher=cheap_hasher()):
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
