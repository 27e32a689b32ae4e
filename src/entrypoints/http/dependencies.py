"""What handlers receive by injection: the container's services, by name.

A handler declares ``chat: ChatService`` and gets the one instance the
composition root built; nothing reads services from ``app.state``.
"""

from __future__ import annotations

from typing import Any

from litestar.di import Provide

from entrypoints.container import Container
from gemini_core.services import (
    AuthService,
    BillingService,
    CancelService,
    ChatService,
    ConversationExport,
    EventStreams,
    QuotaService,
    ReadinessService,
    ReplyVersions,
    SearchService,
    TierService,
)

# Handler parameter name -> what it receives.
INJECTED: dict[str, Any] = {
    "auth": AuthService,
    "chat": ChatService,
    "cancels": CancelService,
    "versions": ReplyVersions,
    "streams": EventStreams,
    "quota": QuotaService,
    "tiers": TierService,
    "billing": BillingService,
    "readiness": ReadinessService,
    "search": SearchService,
    "export": ConversationExport,
}


def _provider(instance: Any) -> Provide:
    def provide() -> Any:
        return instance

    return Provide(provide, use_cache=True, sync_to_thread=False)


def container_dependencies(container: Container, **http_parts: Any) -> dict[str, Provide]:
    """One ``Provide`` per injected name, resolved once when the app is made,
    and one per ``http_parts``: objects of the HTTP layer ``app_for`` builds
    (such as the cursor signer), injected by their keyword."""
    provided = {name: container.resolve(key) for name, key in INJECTED.items()}
    return {name: _provider(instance) for name, instance in {**provided, **http_parts}.items()}
