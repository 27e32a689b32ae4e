"""Readiness: whether every backing service this deployment uses answers."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from gemini_core.errors import ServiceUnavailable
from gemini_core.ports import HealthCheck, WorkerRegistry


class ReadinessReport(msgspec.Struct, frozen=True):
    """Each check's verdict (``ok`` or ``unavailable: ...``) by name;
    ``advisory`` names the checks that are reported but do not decide
    readiness."""

    checks: dict[str, str]
    advisory: frozenset[str] = frozenset()

    @property
    def ready(self) -> bool:
        """Whether every check that is not advisory said ``ok``."""
        return all(
            verdict == "ok" for name, verdict in self.checks.items() if name not in self.advisory
        )


class ReadinessService:
    """Asks each health check in turn; a failing one makes the report not
    ready, unless it is advisory (reported, for operators and alerts, but
    this process still serves: no worker alive delays replies, it does not
    stop the API from taking prompts)."""

    def __init__(self, checks: Sequence[HealthCheck], advisory: Sequence[HealthCheck] = ()) -> None:
        self._checks = list(checks)
        self._advisory = list(advisory)

    async def report(self) -> ReadinessReport:
        """Run every check now; one that raises ``ServiceUnavailable`` is
        reported as unavailable, not raised."""
        verdicts: dict[str, str] = {}
        for check in [*self._checks, *self._advisory]:
            try:
                await check.check()
                verdicts[check.name] = "ok"
            except ServiceUnavailable as exc:
                verdicts[check.name] = f"unavailable: {exc.message}"
        return ReadinessReport(
            checks=verdicts, advisory=frozenset(check.name for check in self._advisory)
        )


class WorkersAlive:
    """``HealthCheck``: at least one reply worker has sent a heartbeat
    lately (a deployment on Redis answers prompts in separate workers)."""

    name = "workers"

    def __init__(self, registry: WorkerRegistry) -> None:
        self._registry = registry

    async def check(self) -> None:
        """``ServiceUnavailable`` when no worker's heartbeat is current."""
        if not await self._registry.alive():
            raise ServiceUnavailable("no reply worker is alive")
