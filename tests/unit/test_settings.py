"""Configuration from the environment: defaults, bad values, production rules."""

from __future__ import annotations

import logging
import os
import secrets
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from adapters.gemini import GeminiConfig
from entrypoints.settings import SettingsError, load_settings, startup_warnings
from tests.support.api import running_app
from tests.support.fakes import cheap_hasher


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


def test_token_budgets_and_models_per_tier(tmp_path: Path) -> None:
    defaults = load_settings({"DATA_DIR": str(tmp_path), "GEMINI_MODEL": "gemini-2.5-flash"})
    assert (defaults.daily_token_budget_basic, defaults.daily_token_budget_pro) == (None, None)
    assert defaults.reply_model("basic") == defaults.reply_model("pro") == "gemini-2.5-flash"

    settings = load_settings(
        {
            "DATA_DIR": str(tmp_path),
            "DAILY_TOKEN_BUDGET_BASIC": "50000",
            "DAILY_TOKEN_BUDGET_PRO": "0",
            "GEMINI_MODEL_PRO": "gemini-2.5-pro",
        }
    )
    assert (settings.daily_token_budget_basic, settings.daily_token_budget_pro) == (50000, None)
    assert settings.reply_model("basic") == settings.gemini_model
    assert settings.reply_model("pro") == "gemini-2.5-pro"
    with pytest.raises(SettingsError, match="DAILY_TOKEN_BUDGET_PRO: must be at least 0"):
        load_settings({"DATA_DIR": str(tmp_path), "DAILY_TOKEN_BUDGET_PRO": "-1"})


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


STRONG_SECRET = "integration-test-secret-of-at-least-32-bytes"
PRODUCTION = {
    "APP_ENV": "production",
    "DATABASE_URL": "postgresql://db/app",
    "JWT_SECRET": STRONG_SECRET,
    "OTP_DELIVERY": "log",
    "PUBLIC_URL": "https://chat.example.com",
}


def problems_of(env: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_production_refuses_weak_secrets_and_unset_otp_delivery() -> None:
    (missing,) = problems_of({**PRODUCTION, "JWT_SECRET": ""})
    assert missing.startswith("JWT_SECRET:")
    (short,) = problems_of({**PRODUCTION, "JWT_SECRET": "short"})
    assert short.startswith("JWT_SECRET:") and "32 bytes" in short
    unset = {k: v for k, v in PRODUCTION.items() if k != "OTP_DELIVERY"}
    (otp,) = problems_of(unset)
    assert otp.startswith("OTP_DELIVERY:")
    settings = load_settings(PRODUCTION)
    assert settings.is_production and settings.otp_delivery == "log"


@pytest.mark.parametrize(
    "secret", ["s" * 32, "ab" * 20, "password" * 4, "0123456789" * 4, "abcabcabd" * 4]
)
def test_production_refuses_a_long_but_guessable_secret(secret: str) -> None:
    (problem,) = problems_of({**PRODUCTION, "JWT_SECRET": secret})
    assert problem.startswith("JWT_SECRET:")
    assert "too easy to guess" in problem and "rough estimate" in problem


def test_random_secrets_of_32_bytes_pass() -> None:
    for _ in range(200):
        for secret in (secrets.token_hex(16), secrets.token_urlsafe(24), str(uuid.uuid4())):
            assert load_settings({**PRODUCTION, "JWT_SECRET": secret}).jwt_secret == secret


def test_production_never_returns_codes_in_responses() -> None:
    (problem,) = problems_of({**PRODUCTION, "OTP_DELIVERY": "response"})
    assert problem.startswith("OTP_DELIVERY:")
    assert "responses" in problem and "APP_ENV=demo" in problem


def test_a_demo_returns_codes_with_production_rules_otherwise_and_warns() -> None:
    demo = {**PRODUCTION, "APP_ENV": "demo", "OTP_DELIVERY": "response"}
    settings = load_settings(demo)
    assert settings.otp_delivery == "response" and settings.is_production_like
    (warning,) = startup_warnings(settings)
    assert "returned in HTTP responses" in warning and "unsafe for real users" in warning
    assert startup_warnings(load_settings(PRODUCTION)) == []
    problems = problems_of({**demo, "JWT_SECRET": "s" * 32, "PUBLIC_URL": ""})
    assert [p.split(":")[0] for p in problems] == ["JWT_SECRET", "PUBLIC_URL"]


@pytest.mark.parametrize(
    "url", [None, "http://localhost:8000", "http://127.0.0.1:8000", "https://app.localhost"]
)
def test_production_refuses_a_local_public_url(url: str | None) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "PUBLIC_URL"}
    if url is not None:
        env["PUBLIC_URL"] = url
    (problem,) = problems_of(env)
    assert problem.startswith("PUBLIC_URL:") and "address people reach" in problem


def test_production_refuses_sqlite_with_separate_workers(tmp_path: Path) -> None:
    sqlite = {**PRODUCTION, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3"}
    assert load_settings(sqlite).database_url.startswith("sqlite")  # one process: fine
    (problem,) = problems_of({**sqlite, "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert problem.startswith("DATABASE_URL:") and "REDIS_URL" in problem
    assert "PostgreSQL" in problem


def test_debug_logging_in_production_is_warned_about() -> None:
    (warning,) = startup_warnings(load_settings({**PRODUCTION, "LOG_LEVEL": "DEBUG"}))
    assert warning.startswith("LOG_LEVEL=DEBUG")
    assert startup_warnings(load_settings({"APP_ENV": "test", "LOG_LEVEL": "DEBUG"})) == []


def test_every_problem_is_reported_at_once_in_words(tmp_path: Path) -> None:
    problems = problems_of(
        {
            **PRODUCTION,
            "JWT_SECRET": "s" * 32,
            "OTP_DELIVERY": "response",
            "PUBLIC_URL": "http://localhost:8000",
            "BASIC_DAILY_LIMIT": "abc",
            "PORT": "eighty",
            "SWEEP_INTERVAL": "soon",
            "MAX_ROOMS_PER_USER": "0",
        }
    )
    by_variable = {problem.split(":")[0]: problem for problem in problems}
    assert len(by_variable) == len(problems)
    assert set(by_variable) == {
        "PORT",
        "BASIC_DAILY_LIMIT",
        "SWEEP_INTERVAL",
        "MAX_ROOMS_PER_USER",
        "JWT_SECRET",
        "OTP_DELIVERY",
        "PUBLIC_URL",
    }
    assert by_variable["PORT"] == "PORT: must be a whole number"
    assert by_variable["BASIC_DAILY_LIMIT"] == "BASIC_DAILY_LIMIT: must be a whole number"
    assert by_variable["MAX_ROOMS_PER_USER"] == "MAX_ROOMS_PER_USER: must be at least 1"
    assert by_variable["SWEEP_INTERVAL"] == "SWEEP_INTERVAL: must be a number, e.g. 30 or 2.5"


def test_a_variable_that_cannot_be_read_is_reported_once() -> None:
    problems = problems_of({**PRODUCTION, "DATABASE_URL": "mysql://db/app"})
    assert len(problems) == 1 and problems[0].startswith("DATABASE_URL: must be a URL")


def test_limits_per_user_are_settings(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    assert (settings.max_rooms_per_user, settings.max_event_streams_per_user) == (500, 10)
    settings = load_settings(
        {"DATA_DIR": str(tmp_path), "MAX_ROOMS_PER_USER": "3", "MAX_EVENT_STREAMS_PER_USER": "2"}
    )
    assert (settings.max_rooms_per_user, settings.max_event_streams_per_user) == (3, 2)


def test_the_data_folder_and_the_development_secret_are_private_from_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_chmod(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("made readable by others first, then narrowed")

    # The most permissive umask: only the modes asked for at creation protect.
    monkeypatch.setattr(os, "chmod", no_chmod)
    monkeypatch.setattr(Path, "chmod", no_chmod)
    previous = os.umask(0)
    try:
        settings = load_settings({"DATA_DIR": str(tmp_path / "data")})
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    secret_file = tmp_path / "data" / "jwt_secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert secret_file.read_text() == settings.jwt_secret
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["jwt_secret"]


def test_an_existing_data_folder_and_secret_are_narrowed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "jwt_secret").write_text("x" * 48)
    (data / "jwt_secret").chmod(0o644)
    assert load_settings({"DATA_DIR": str(data)}).jwt_secret == "x" * 48
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "jwt_secret").stat().st_mode) == 0o600


async def test_the_api_warns_at_start_up_in_demo_mode(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    demo = load_settings(
        {
            **PRODUCTION,
            "APP_ENV": "demo",
            "OTP_DELIVERY": "response",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/demo.sqlite3",
            "DATA_DIR": str(tmp_path),
        }
    )
    caplog.set_level(logging.WARNING)
    async with running_app(demo, hasher=cheap_hasher()) as client:
        sent = await client.post("/auth/send-otp", json={"mobile_number": "+919876543210"})
        assert sent.json()["data"]["otp"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("unsafe for real users" in r.getMessage() for r in warnings), caplog.text


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
