"""What a person typing `gemini-clone` expects: --version, help on every
flag, out-of-range values refused, and a .env file read."""

from __future__ import annotations

import argparse
from importlib.metadata import version
from pathlib import Path

import httpx
import msgspec
import pytest
from dotenv import dotenv_values

from entrypoints.cli import build_parser
from entrypoints.settings import Settings, load_settings
from tests.support.processes import cli, cli_env, serving_cli
from tests.support.server import free_port


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"gemini-clone {version('gemini-clone')}"


def test_every_flag_has_help() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    parsers = [parser, *commands.choices.values()]
    missing = [
        f"{p.prog} {'/'.join(a.option_strings)}"
        for p in parsers
        for a in p._actions
        if a.option_strings and not a.help
    ]
    assert missing == []
    assert all(action.help for action in commands._choices_actions)


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["worker", "--concurrency", "-1"], "--concurrency: -1 is out of range"),
        (["worker", "--concurrency", "0"], "--concurrency: 0 is out of range"),
        (["worker", "--processes", "0"], "--processes: 0 is out of range"),
        (["worker", "--metrics-port", "0"], "--metrics-port: 0 is out of range"),
        (["serve", "--workers", "0"], "--workers: 0 is out of range"),
        (["serve", "--port", "70000"], "--port: 70000 is out of range: a port is 1 to 65535"),
        (["serve", "--port", "eighty"], "--port: 'eighty' is not a whole number"),
    ],
)
def test_out_of_range_values_are_refused_clearly(
    argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(argv)
    assert stopped.value.code == 2
    assert complaint in capsys.readouterr().err


def test_edge_values_are_accepted() -> None:
    args = build_parser().parse_args(["serve", "--port", "65535", "--workers", "1"])
    assert (args.port, args.workers) == (65535, 1)
    args = build_parser().parse_args(["worker", "--concurrency", "1", "--metrics-port", "1"])
    assert (args.concurrency, args.metrics_port) == (1, 1)


def test_a_dotenv_file_is_read_and_the_real_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "# settings for this checkout\nDATA_DIR=from-dotenv\nLOG_LEVEL=WARNING\n"
    )
    env = cli_env()
    env.pop("DATA_DIR")
    from_file = cli(["migrate"], env, cwd=tmp_path)
    assert from_file.returncode == 0, from_file.stderr
    assert (tmp_path / "from-dotenv" / "gemini-clone.sqlite3").exists()
    # LOG_LEVEL=WARNING from the file hides the INFO line "schema is up to date".
    assert "up to date" not in from_file.stderr
    real = tmp_path / "from-environment"
    overridden = cli(["migrate"], {**env, "DATA_DIR": str(real), "LOG_LEVEL": "INFO"}, cwd=tmp_path)
    assert overridden.returncode == 0, overridden.stderr
    assert (real / "gemini-clone.sqlite3").exists()
    assert "up to date" in overridden.stderr


def test_a_bad_value_in_the_dotenv_file_is_named(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PORT=eighty\n")
    result = cli(["serve"], cli_env(DATA_DIR=str(tmp_path / "data")), cwd=tmp_path)
    assert result.returncode == 2
    assert "PORT" in result.stderr


def test_serve_starts_quietly_and_writes_a_line_per_request(tmp_path: Path) -> None:
    port = free_port()
    # The embedded default migrates its database as it starts.
    with serving_cli(cli_env(DATA_DIR=str(tmp_path / "data")), port) as api:
        answer = httpx.get(f"http://127.0.0.1:{port}/health", headers={"X-Request-ID": "hello-1"})
        assert answer.headers["X-Request-ID"] == "hello-1"
    output = api.output()
    assert "gemini-clone API ready" in output
    assert " gemini_clone.access [hello-1] GET /health 200 " in output
    for chatter in ("setup plugin", "Context impl", "Will assume"):
        assert chatter not in output, output


def test_env_example_lists_every_setting_with_its_default(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    values = dotenv_values(example)
    variables = {field.name.upper() for field in msgspec.structs.fields(Settings)}
    assert variables <= set(values), variables - set(values)
    lines = example.read_text().splitlines()
    for name in values:
        [at] = [i for i, line in enumerate(lines) if line.startswith(f"{name}=")]
        assert lines[at - 1].startswith("# "), f"{name} has no comment above it"
    # Copied to .env as it is, it changes nothing.
    data = {"DATA_DIR": str(tmp_path)}
    as_given = {k: v or "" for k, v in values.items()}
    assert load_settings({**as_given, **data}) == load_settings(data)
