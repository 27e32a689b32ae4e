"""The Litestar application factory: wiring, lifespan, errors, OpenAPI."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from sqlalchemy import text

from entrypoints.container import Adapters, build_container, open_adapters, run_replies
from entrypoints.http.controllers.auth import AuthController
from entrypoints.http.controllers.billing import BillingController, StripeWebhookController
from entrypoints.http.controllers.chatrooms import ChatroomController
from entrypoints.http.controllers.health import health, ready
from entrypoints.http.controllers.subscriptions import SubscriptionController
from entrypoints.http.controllers.users import UserController
from entrypoints.http.errors import EXCEPTION_HANDLERS
from entrypoints.settings import Settings, load_settings
from gemini_core.services import (
    AuthService,
    BillingService,
    ChatService,
    QuotaService,
    TierReader,
)

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None, **adapter_overrides: Any) -> Litestar:
    """Build the API. ``adapter_overrides`` replace adapters by name (tests)."""
    settings = settings or load_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_adapters(settings, **adapter_overrides) as adapters:
            container = build_container(settings, adapters)
            _publish_to_state(app.state, container.resolve(Adapters), container)
            async with run_replies(settings, container):
                logger.info("gemini-clone API ready (%s)", _describe(settings))
                yield

    return Litestar(
        route_handlers=[
            AuthController,
            UserController,
            ChatroomController,
            SubscriptionController,
            BillingController,
            StripeWebhookController,
            health,
            ready,
        ],
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="gemini-clone",
            version="1.0.0",
            description="A Gemini-style chat backend. Errors share one envelope.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
        ),
        on_app_init=[_quiet_litestar_logging],
        debug=False,
    )


def _publish_to_state(state: State, adapters: Adapters, container: Any) -> None:
    """Resolve the singletons once, so no request pays for resolution."""
    state.container = container
    state.clock = adapters.clock
    state.auth_service = container.resolve(AuthService)
    state.chat_service = container.resolve(ChatService)
    state.quota_service = container.resolve(QuotaService)
    state.tier_reader = container.resolve(TierReader)
    state.billing_service = container.resolve(BillingService)
    state.event_subscriber = adapters.subscriber

    async def database() -> None:
        async with adapters.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    checks = {"database": database}
    redis = adapters.redis
    if redis is not None:

        async def redis_ping() -> None:
            await redis.ping()

        checks["redis"] = redis_ping
    state.readiness_checks = checks


def _describe(settings: Settings) -> str:
    database = "postgresql" if "postgresql" in settings.database_url else "sqlite"
    model = f"gemini:{settings.gemini_model}" if settings.gemini_api_key else "offline model"
    return f"database={database}, redis={'yes' if settings.redis_url else 'no'}, model={model}"


def _quiet_litestar_logging(config: AppConfig) -> AppConfig:
    # Our exception handlers log what matters; Litestar's own traceback
    # logging of handled errors would only duplicate it.
    config.logging_config = None
    return config
