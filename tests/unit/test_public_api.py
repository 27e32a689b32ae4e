"""gemini_core is a public library: every module, public class, public function
and public method has a docstring, and ``gemini_core.__all__`` is an honest,
sorted list of names importable from the package."""

from __future__ import annotations

import ast
from pathlib import Path

import gemini_core

CORE = Path(__file__).resolve().parents[2] / "src" / "gemini_core"

_Definition = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef


def _is_public(name: str) -> bool:
    return not name.startswith("_")


def _undocumented_in_class(node: ast.ClassDef, prefix: str) -> list[str]:
    missing = []
    for child in node.body:
        if isinstance(child, _Definition) and _is_public(child.name):
            missing.extend(_undocumented(child, f"{prefix}{node.name}."))
    return missing


def _undocumented(node: _Definition, prefix: str) -> list[str]:
    kind = "class" if isinstance(node, ast.ClassDef) else "function"
    missing = [] if ast.get_docstring(node) else [f"{kind} {prefix}{node.name}"]
    if isinstance(node, ast.ClassDef):
        missing.extend(_undocumented_in_class(node, prefix))
    return missing


def undocumented(path: Path) -> list[str]:
    """What in one module lacks a docstring: the module itself, its public
    classes and functions, and the public methods (and nested classes) of its
    public classes; functions defined inside functions are not API."""
    tree = ast.parse(path.read_text(), filename=str(path))
    missing = [] if ast.get_docstring(tree) else ["module"]
    for node in tree.body:
        if isinstance(node, _Definition) and _is_public(node.name):
            missing.extend(_undocumented(node, ""))
    return missing


def test_every_public_name_in_gemini_core_has_a_docstring() -> None:
    offenders = [
        f"{path.relative_to(CORE.parent)}: {what}"
        for path in sorted(CORE.rglob("*.py"))
        for what in undocumented(path)
    ]
    assert offenders == [], f"{len(offenders)} without a docstring:\n" + "\n".join(offenders)


def test_all_lists_importable_names_sorted_and_unique() -> None:
    exported = list(gemini_core.__all__)
    missing = [name for name in exported if not hasattr(gemini_core, name)]
    assert missing == []
    assert exported == sorted(exported)
    duplicates = sorted({name for name in exported if exported.count(name) > 1})
    assert duplicates == []


def test_the_walker_catches_a_missing_docstring(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text(
        "class Shown:\n"
        '    """Documented."""\n'
        "    def method(self) -> None: ...\n"
        "    @property\n"
        "    def value(self) -> int:\n"
        '        """Documented."""\n'
        "        return 1\n"
        "    def _private(self) -> None: ...\n"
        "    class Inner: ...\n"
        "class Bare: ...\n"
        "async def run() -> None: ...\n"
        "def _helper() -> None:\n"
        "    def nested() -> None: ...\n"
        "class _Hidden:\n"
        "    def method(self) -> None: ...\n"
    )
    assert undocumented(module) == [
        "module",
        "function Shown.method",
        "class Shown.Inner",
        "class Bare",
        "function run",
    ]
    module.write_text('"""Documented."""\n\ndef run() -> None:\n    """Documented."""\n')
    assert undocumented(module) == []
