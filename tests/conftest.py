"""Fixtures shared by unit and integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.stripe_loopback import StripeLoopback


@pytest.fixture(scope="module")
def running_server() -> Iterator[StripeLoopback]:
    """The loopback Stripe, started once per module (starting one takes a while)."""
    with StripeLoopback() as running:
        yield running


@pytest.fixture
def server(running_server: StripeLoopback) -> Iterator[StripeLoopback]:
    """The module's loopback Stripe, clean for each test."""
    running_server.reset()
    yield running_server
    running_server.reset()
