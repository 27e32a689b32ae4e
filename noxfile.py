"""Sessions: `nox` runs tests, lint and typecheck; `nox -s bench` benchmarks;
`nox -s soak` injects faults under load and checks that nothing is lost."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit and integration tests (integration needs PostgreSQL and Redis)."""
    session.install("-e", ".[test]")
    # pytest exits 5 when it collects nothing; nox treats that as a failure.
    session.run("pytest", "tests/unit", "tests/integration", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", "src", "tests", "bench", "tools", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "bench", "tools", "noxfile.py")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[test]", "mypy>=1.11")
    session.run("mypy", "--strict", "src")
    session.run("mypy", "--strict", "tools")
    session.run("mypy", "--strict", "bench/soak")


@nox.session(python=PYTHON)
def postman(session: nox.Session) -> None:
    """Regenerate postman/*.json from the OpenAPI document (`-- --check`: only
    check; tests/unit/test_postman_collection.py fails while they are stale)."""
    session.install("-e", ".")
    session.run("python", "-m", "tools.postman", *session.posargs)


@nox.session(python=PYTHON)
def newman(session: nox.Session) -> None:
    """The Postman collection run by newman against a live embedded server.

    Needs Node.js and npm; installs newman from postman/package-lock.json.
    Arguments after `--` go to newman (e.g. `-- --folder auth`).
    """
    session.install("-e", ".")
    session.run("npm", "ci", "--prefix", "postman", "--no-audit", "--no-fund", external=True)
    session.run("python", "-m", "tools.newman", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks against PostgreSQL and Redis at 127.0.0.1 (not in the default run).

    `nox -s bench` is the full run (about ten minutes); `nox -s bench -- --quick`
    keeps the harness working in CI. Installs wrk with apt-get when missing.
    """
    session.install("-e", ".")
    session.run("python", "-m", "bench.run", *session.posargs)


@nox.session(python=PYTHON)
def soak(session: nox.Session) -> None:
    """Two API and two worker processes on PostgreSQL (127.0.0.1) and a
    throwaway redis-server under load and faults; exits 1 on any loss (not
    in the default run).

    `nox -s soak` is the full run (240 s of load, then the drain); `nox -s soak -- --quick`
    (about 80 s in all) runs in CI. Needs redis-server on PATH.
    """
    session.install("-e", ".")
    session.run("python", "-m", "bench.soak", *session.posargs)
