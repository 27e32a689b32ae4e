"""The Litestar application factory: routes, injection, lifespan, errors, OpenAPI."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Unpack

from litestar import Litestar
from litestar.config.app import AppConfig

from adapters.prometheus import HttpMetrics, own_registry, scrape_registry
from entrypoints.adapter_choice import cursor_key
from entrypoints.bootstrap import Overrides, bootstrap
from entrypoints.container import Container
from entrypoints.http.client_address import ClientAddresses
from entrypoints.http.client_limits import ClientLimitGuard
from entrypoints.http.controllers.auth import AuthController
from entrypoints.http.controllers.billing import BillingController, StripeWebhookController
from entrypoints.http.controllers.chatrooms import ChatroomController
from entrypoints.http.controllers.export import ExportController
from entrypoints.http.controllers.health import health, ready
from entrypoints.http.controllers.metrics import metrics_route
from entrypoints.http.controllers.replies import ReplyController
from entrypoints.http.controllers.search import SearchController
from entrypoints.http.controllers.subscriptions import SubscriptionController
from entrypoints.http.controllers.users import UserController
from entrypoints.http.cursors import ChatroomCursors, SearchCursors
from entrypoints.http.dependencies import container_dependencies
from entrypoints.http.dependency_batches import resolve_in_turn
from entrypoints.http.errors import EXCEPTION_HANDLERS
from entrypoints.http.head import HeadAsGet
from entrypoints.http.limits import DEFAULT_MAX_BODY
from entrypoints.http.observability import ObservedRequests
from entrypoints.http.openapi import openapi_config, polished
from entrypoints.http.options import AllowAllMethods
from entrypoints.http.request import ApiRequest
from entrypoints.http.web_client import client_router
from entrypoints.reply_pipeline import consuming_replies, sweeping
from entrypoints.settings import Settings, startup_warnings
from gemini_core.ports import RateLimiter

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, **overrides: Unpack[Overrides]) -> Litestar:
    """The API for ``settings`` (the environment's when None), built by the
    composition root; ``overrides`` replace adapters (see ``bootstrap``)."""
    return app_for(bootstrap(settings, **overrides))


def app_for(container: Container) -> Litestar:
    """The API over a container that the caller built (and may keep)."""
    settings = container.resolve(Settings)
    metrics = HttpMetrics(own_registry())
    allow = AllowAllMethods()

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        for warning in startup_warnings(settings):
            logger.warning(warning)
        async with container, consuming_replies(container, worker=False):
            # With Redis the workers sweep; the embedded API is its own worker.
            if settings.redis_url:
                logger.info("gemini-clone API ready (%s)", _describe(settings))
                yield
                return
            async with sweeping(container, settings.sweep_interval):
                logger.info("gemini-clone API ready (%s)", _describe(settings))
                yield

    app = Litestar(
        route_handlers=[
            AuthController,
            UserController,
            ChatroomController,
            ReplyController,
            ExportController,
            SearchController,
            SubscriptionController,
            BillingController,
            StripeWebhookController,
            health,
            ready,
            metrics_route(scrape_registry(metrics.registry)),
            client_router(),
        ],
        dependencies=container_dependencies(
            container,
            cursors=ChatroomCursors(cursor_key(settings)),
            search_cursors=SearchCursors(cursor_key(settings)),
        ),
        guards=[_client_limits(container, settings)],
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,
        # Routes that take long text or Stripe's events set their own.
        request_max_body_size=DEFAULT_MAX_BODY,
        request_class=ApiRequest,
        openapi_config=openapi_config(),
        on_app_init=[_quiet_litestar_logging],
        before_send=[allow],
        debug=False,
    )
    allow.bind(app)
    polished(app)
    resolve_in_turn(app)
    # Around routing too, so unknown paths are logged and counted as well;
    # HEAD inside it, so the log and the metrics say HEAD.
    app.asgi_handler = ObservedRequests(
        HeadAsGet(app.asgi_handler), metrics, access_log=settings.access_log
    )
    return app


def _client_limits(container: Container, settings: Settings) -> ClientLimitGuard:
    limiter: RateLimiter = container.resolve(RateLimiter)  # type: ignore[type-abstract]
    return ClientLimitGuard(
        limiter, settings.client_rate_limit, ClientAddresses(settings.trusted_proxies)
    )


def _describe(settings: Settings) -> str:
    database = "postgresql" if "postgresql" in settings.database_url else "sqlite"
    model = f"gemini:{settings.gemini_model}" if settings.gemini_api_key else "offline model"
    return f"database={database}, redis={'yes' if settings.redis_url else 'no'}, model={model}"


def _quiet_litestar_logging(config: AppConfig) -> AppConfig:
    # Our exception handlers log what matters; Litestar's own traceback
    # logging of handled errors would only duplicate it.
    config.logging_config = None
    return config
