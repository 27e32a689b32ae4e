"""The one way a Redis client is made here: the API, the worker and the
benchmark's ceiling all connect with these options, so they cannot drift."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

MAX_CONNECTIONS = 200


def connect(url: str, *, max_connections: int = MAX_CONNECTIONS) -> Redis:
    """A client with short timeouts and one retry on a dropped connection.

    The library's defaults block for about a minute on a paused server; an
    outage must turn into a fast fallback or a 503. Only connection errors (a
    restarted server) are retried: a timed-out command may still run once
    the server answers, so retrying it could count a quota unit twice, and
    nested retries (the health-check PING inside the command's retry) made
    one call on a paused server take ~8 s.
    """
    return Redis.from_url(
        url,
        socket_timeout=2.0,
        socket_connect_timeout=1.0,
        health_check_interval=10,
        retry=Retry(
            ExponentialBackoff(cap=0.2, base=0.02),
            retries=1,
            supported_errors=(RedisConnectionError,),
        ),
        max_connections=max_connections,
    )
