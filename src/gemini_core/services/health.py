"""Readiness: whether every backing service this deployment uses answers."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from gemini_core.errors import ServiceUnavailable
from gemini_core.ports import HealthCheck


class ReadinessReport(msgspec.Struct, frozen=True):
    """Each check's verdict (``ok`` or ``unavailable: ...``) by name."""

    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(verdict == "ok" for verdict in self.checks.values())


class ReadinessService:
    """Asks each health check in turn; a failing one makes the report not ready."""

    def __init__(self, checks: Sequence[HealthCheck]) -> None:
        self._checks = list(checks)

    async def report(self) -> ReadinessReport:
        verdicts: dict[str, str] = {}
        for check in self._checks:
            try:
                await check.check()
                verdicts[check.name] = "ok"
            except ServiceUnavailable as exc:
                verdicts[check.name] = f"unavailable: {exc.message}"
        return ReadinessReport(checks=verdicts)
