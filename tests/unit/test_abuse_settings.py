"""The settings of the abuse limits: defaults, and bad values named."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.settings import SettingsError, load_settings


def test_the_defaults(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    assert settings.client_rate_limit == 20
    assert settings.trusted_proxies == ()
    assert settings.password_hash_concurrency == 0  # half the cores
    assert (settings.password_hash_queue, settings.password_hash_wait) == (8, 2.0)
    assert (settings.http_header_timeout, settings.http_body_timeout) == (10.0, 30.0)
    assert settings.http_max_connections == 2000


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CLIENT_RATE_LIMIT", "-1"),
        ("CLIENT_RATE_LIMIT", "many"),
        ("TRUSTED_PROXIES", "10.0.0.300"),
        ("PASSWORD_HASH_CONCURRENCY", "0"),
        ("PASSWORD_HASH_QUEUE", "-1"),
        ("PASSWORD_HASH_WAIT", "0"),
        ("HTTP_HEADER_TIMEOUT", "soon"),
        ("HTTP_BODY_TIMEOUT", "-3"),
        ("HTTP_MAX_CONNECTIONS", "0"),
    ],
)
def test_a_bad_value_names_the_variable(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"^{variable}:"):
        load_settings({"DATA_DIR": str(tmp_path), variable: value})
