"""The README's two-minute tour, pasted into bash against a live embedded
`gemini-clone serve`, does what the README says it does."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.support.processes import ROOT, cli_env, serving_cli
from tests.support.server import free_port


def tour() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## A two-minute tour", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return block


def test_the_tour_logs_in_with_the_real_code_and_gets_an_answer(tmp_path: Path) -> None:
    port = free_port()
    script = tour().replace("http://127.0.0.1:8000", f"http://127.0.0.1:{port}")
    assert f"127.0.0.1:{port}" in script  # the tour names the default address
    env = cli_env(DATA_DIR=str(tmp_path))
    with serving_cli(env, port):
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=env,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout.lower()
    assert "ratelimit-limit: 5" in out and "ratelimit-remaining: 4" in out, result.stdout
    assert "gemini_api_key" in out  # the offline model's answer
    assert "'used_today': 1" in out and "'daily_limit': 5" in out, result.stdout
    assert "\npending\n" in out, "the new version, asked again"
    assert "<mark>rome</mark>" in out, "the search hit"
    assert "# trip to rome\n" in out, "the export's head"
