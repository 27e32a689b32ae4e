"""The README's "Use it as a library" snippets run as written, so the README
cannot drift from the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.processes import ROOT, cli_env


def library_snippets() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Use it as a library", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_section_has_the_quickstart_and_the_own_adapter_example() -> None:
    snippets = library_snippets()
    assert len(snippets) == 2
    quickstart = snippets[0]
    # The bound for a quickstart: about fifteen lines of doing.
    body = [line for line in quickstart.splitlines() if line.strip() and "import" not in line]
    assert len(body) <= 16, len(body)


@pytest.mark.parametrize("index", [0, 1], ids=["quickstart", "own-chat-model"])
def test_a_readme_snippet_runs_verbatim(index: int, tmp_path: Path) -> None:
    snippet = library_snippets()[index]
    result = subprocess.run(
        [sys.executable, "-c", snippet],
        cwd=tmp_path,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    if index == 0:
        assert result.stdout.startswith("completed "), result.stdout
        assert "4 of 5 prompts left today" in result.stdout
    else:
        assert result.stdout.strip() == "HELLO"
