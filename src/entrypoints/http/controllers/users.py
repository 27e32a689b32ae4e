"""/user: the caller's own account."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import Provide

from entrypoints.http.auth import current_user
from entrypoints.http.openapi import errors
from entrypoints.http.schemas import Envelope, UserData, UserOut, ok
from gemini_core.model import User
from gemini_core.services import TierService


class UserController(Controller):
    path = "/user"
    tags = ["user"]
    dependencies = {"user": Provide(current_user)}
    security = [{"bearer": []}]

    @get(
        "/me",
        summary="The caller's account, with the tier",
        description="`tier` is `basic` or `pro`, as Stripe's webhooks last set it.",
        responses=errors(401, 503),
    )
    async def me(self, tiers: TierService, user: User) -> Envelope[UserData]:
        # The cached user carries the tier; webhooks hold the entry.
        return ok(UserData(user=UserOut.of(user, tiers.tier_of_user(user).value)))
