"""Logs carry no secrets on PostgreSQL too, whose error messages repeat the
values in their DETAIL line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.support.api import assert_error, make_settings, running_app
from tests.support.fakes import cheap_hasher
from tests.support.log_leaks import assert_no_values_logged, signups_that_collide

pytestmark = pytest.mark.integration


async def test_a_database_error_logs_no_values(
    tmp_path: Path, migrated_database: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = make_settings(tmp_path, DATABASE_URL=migrated_database)
    async with running_app(settings, hasher=cheap_hasher()) as client:
        caplog.clear()
        response = await signups_that_collide(client)
    assert_error(response, 500, "internal_error")
    assert "UniqueViolation" in caplog.text  # what went wrong is still said
    assert_no_values_logged(caplog)
