"""`serve` and `worker` refuse a PostgreSQL database whose schema is not
this release's, in one line that says what to do, instead of serving 500s
(`relation "users" does not exist`) and logging a traceback every sweep."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from adapters.sqlalchemy import DatabaseSchema, create_engine, upgrade_schema
from tests.support.processes import cli, cli_env, run_cli, serving_cli, wait_output, worker_cli
from tests.support.server import free_port

pytestmark = pytest.mark.integration

COMMANDS = [["serve"], ["serve", "--workers", "2"], ["worker"], ["worker", "--processes", "2"]]


def refusal(args: list[str], env: dict[str, str]) -> str:
    """The one line a refused start writes; the command must exit non-zero
    at once, with nothing else on stderr and no traceback."""
    result = cli(args, env, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return lines[0]


def env_for(database_url: str, redis_server_url: str, redis_prefix: str) -> dict[str, str]:
    port = str(free_port())
    return cli_env(
        DATABASE_URL=database_url, REDIS_URL=redis_server_url, REDIS_PREFIX=redis_prefix, PORT=port
    )


async def expected_revision(database_url: str) -> str:
    engine = create_engine(database_url, pool_size=1)
    try:
        return DatabaseSchema(engine).expected
    finally:
        await engine.dispose()


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
async def test_a_database_never_migrated_is_refused(
    args: list[str], postgres_database: str, redis_server_url: str, redis_prefix: str
) -> None:
    expected = await expected_revision(postgres_database)
    line = refusal(args, env_for(postgres_database, redis_server_url, redis_prefix))

    assert line == (
        "gemini-clone: the database has no schema yet (it was never migrated); this release "
        f"needs revision {expected}: run `gemini-clone migrate`; nothing started"
    )


async def test_a_schema_behind_the_code_is_refused_until_migrated(
    postgres_database: str, redis_server_url: str, redis_prefix: str
) -> None:
    engine = create_engine(postgres_database, pool_size=1)
    try:
        await upgrade_schema(engine, "0002")
    finally:
        await engine.dispose()
    env = env_for(postgres_database, redis_server_url, redis_prefix)

    expected = await expected_revision(postgres_database)

    for args in (["serve"], ["worker"]):
        assert refusal(args, env) == (
            f"gemini-clone: the database schema is at revision 0002; this release needs "
            f"revision {expected}: run `gemini-clone migrate`; nothing started"
        )
    run_cli(["migrate"], env)
    with serving_cli(env, int(env["PORT"])), worker_cli(env) as worker:
        wait_output(worker, "worker ready")


async def test_a_schema_of_a_newer_release_is_refused(
    migrated_database: str, redis_server_url: str, redis_prefix: str
) -> None:
    engine = create_engine(migrated_database, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        await engine.dispose()
    env = env_for(migrated_database, redis_server_url, redis_prefix)

    for args in (["serve"], ["worker"], ["migrate"]):
        line = refusal(args, env)
        assert "the database schema is at revision 9999, which this release does not know" in line
