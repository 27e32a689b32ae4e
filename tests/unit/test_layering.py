"""The dependency rule, checked on the source: gemini_core imports no adapter,
entrypoint or I/O library; an adapter never imports another adapter or an
entrypoint."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
FORBIDDEN_IN_CORE = {
    "adapters",
    "entrypoints",
    "litestar",
    "sqlalchemy",
    "redis",
    "taskiq",
    "taskiq_redis",
    "httpx",
    "stripe",
    "punq",
    "psycopg",
    "alembic",
    "aiosqlite",
    "argon2",
    "jwt",
    "uvicorn",
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def adapter_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "adapters" and len(parts) > 1 else None


def test_core_imports_nothing_outward() -> None:
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in (SRC / "gemini_core").rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN_IN_CORE
    ]
    assert offenders == []


def test_adapters_import_no_other_adapter_and_no_entrypoint() -> None:
    offenders = []
    for path in (SRC / "adapters").rglob("*.py"):
        own = path.relative_to(SRC / "adapters").parts[0].removesuffix(".py")
        for name in imported_modules(path):
            if name.split(".")[0] == "entrypoints":
                offenders.append(f"{path.relative_to(SRC)} imports {name}")
            other = adapter_of(name)
            if other is not None and other != own:
                offenders.append(f"{path.relative_to(SRC)} imports {name}")
    assert offenders == []


def test_the_checker_would_catch_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlalchemy\nfrom adapters.redis import x\n")
    assert {"sqlalchemy", "adapters.redis"} <= imported_modules(bad)
