"""Configuration from the environment: defaults, bad values, production rules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.gemini import GeminiConfig
from entrypoints.settings import SettingsError, load_settings


def test_defaults_need_nothing(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert str(tmp_path) in settings.database_url
    assert len(settings.jwt_secret) >= 32
    assert settings.otp_delivery == "response"
    assert settings.basic_daily_limit == 5 and settings.pro_daily_limit is None
    assert settings.redis_url is None and settings.gemini_api_key is None
    # the generated secret is kept, so tokens survive a restart
    assert load_settings({"DATA_DIR": str(tmp_path)}).jwt_secret == settings.jwt_secret


def test_gemini_defaults_are_the_adapters_own(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    config = GeminiConfig(api_key="k")

    assert settings.gemini_model == config.model
    assert settings.gemini_api_base == config.api_base
    assert settings.gemini_stream == config.stream
    assert settings.reply_deadline_seconds == config.total_deadline


def test_reading_the_settings_does_not_import_the_http_client() -> None:
    # The defaults come from adapters.gemini.config, which must stay cheap.
    code = "import sys, entrypoints.settings; print('httpx' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )

    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORT", "eighty"),
        ("PORT", "0"),
        ("ACCESS_TOKEN_TTL", "-5"),
        ("DATABASE_URL", "mysql://x"),
        ("REDIS_URL", "localhost:6379"),
        ("OTP_DELIVERY", "sms"),
        ("BASIC_DAILY_LIMIT", "five"),
        ("APP_ENV", "staging"),
        ("GEMINI_STREAM", "maybe"),
    ],
)
def test_a_bad_value_names_the_variable(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"^{variable}:"):
        load_settings({"DATA_DIR": str(tmp_path), variable: value})


def test_production_refuses_weak_secrets_and_unset_otp_delivery() -> None:
    base = {"APP_ENV": "production", "DATABASE_URL": "postgresql://db/app"}
    with pytest.raises(SettingsError, match="^JWT_SECRET:"):
        load_settings({**base, "OTP_DELIVERY": "log"})
    with pytest.raises(SettingsError, match="^JWT_SECRET:"):
        load_settings({**base, "OTP_DELIVERY": "log", "JWT_SECRET": "short"})
    with pytest.raises(SettingsError, match="^OTP_DELIVERY:"):
        load_settings({**base, "JWT_SECRET": "s" * 32})
    settings = load_settings({**base, "JWT_SECRET": "s" * 32, "OTP_DELIVERY": "log"})
    assert settings.is_production and settings.otp_delivery == "log"


def test_domain_is_an_alias_of_public_url(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path), "DOMAIN": "https://chat.example.com/"})
    assert settings.public_url == "https://chat.example.com"
