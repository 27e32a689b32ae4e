"""Configuration from the environment: defaults, bad values, production rules."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_reply_timing_defaults_need_no_relation_to_the_deadline(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    # A killed worker's reply is redelivered after a short silence; live
    # workers renew their claim, so a slow reply is not.
    assert settings.reply_redeliver_after <= 20
    assert settings.reply_requeue_after <= 60
    assert settings.reply_fail_after > settings.reply_deadline_seconds
    long = load_settings({"DATA_DIR": str(tmp_path), "REPLY_DEADLINE_SECONDS": "300"})
    assert long.reply_redeliver_after == settings.reply_redeliver_after
    assert (settings.model_breaker_failures, settings.model_breaker_cooldown) == (5, 30.0)
    assert settings.worker_heartbeat_interval == 5.0


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"REPLY_REDELIVER_AFTER": "1"}, "REPLY_REDELIVER_AFTER"),
        ({"REPLY_DEADLINE_SECONDS": "900"}, "REPLY_FAIL_AFTER"),
        ({"REPLY_REQUEUE_AFTER": "60", "REPLY_FAIL_AFTER": "60"}, "REPLY_FAIL_AFTER"),
        ({"MODEL_BREAKER_FAILURES": "-1"}, "MODEL_BREAKER_FAILURES"),
        ({"MODEL_BREAKER_COOLDOWN": "0"}, "MODEL_BREAKER_COOLDOWN"),
        ({"WORKER_HEARTBEAT_INTERVAL": "soon"}, "WORKER_HEARTBEAT_INTERVAL"),
    ],
)
def test_reply_timing_that_cannot_work_is_refused(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    with pytest.raises(SettingsError, match=f"^{variable}:"):
        load_settings({"DATA_DIR": str(tmp_path), **env})
