"""Benchmarks of the API and the workers against a ceiling (``python -m bench.run``).

Importing the package puts the repository root (``tests.support``) and
``src`` (the app) on ``sys.path``, so the harness runs from a checkout that
is not installed.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _entry in (ROOT, ROOT / "src"):
    if str(_entry) not in sys.path:
        sys.path.insert(0, str(_entry))
