"""The API's metrics. Recorded by the HTTP layer
(``entrypoints.http.observability``); the core knows nothing of them."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class HttpMetrics:
    """One set per app; ``registry`` from ``own_registry()``."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.registry = registry
        self.requests = Counter(
            "gemini_clone_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "gemini_clone_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by route template",
            ["method", "route"],
            registry=registry,
        )
        self.open_event_streams = Gauge(
            "gemini_clone_open_event_streams",
            "Live event streams (GET /chatroom/{room_id}/events) open now",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.quota_refusals = Counter(
            "gemini_clone_quota_refusals",
            "Prompts refused because the daily quota or token budget was used up "
            "(429 quota_exceeded, token_budget_exhausted)",
            registry=registry,
        )
        self.logins = Counter(
            "gemini_clone_logins",
            "Login attempts by method (otp, password) and outcome (success or error code)",
            ["method", "outcome"],
            registry=registry,
        )
        self.otp_sends = Counter(
            "gemini_clone_otp_sends",
            "Requests for a one-time code by purpose (login, password_reset) and outcome",
            ["purpose", "outcome"],
            registry=registry,
        )
