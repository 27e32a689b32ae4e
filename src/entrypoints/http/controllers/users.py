"""/user: the caller's own account."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import Provide

from entrypoints.http.auth import current_user
from entrypoints.http.schemas import Envelope, UserData, UserOut, ok
from gemini_core.model import User
from gemini_core.services import TierService


class UserController(Controller):
    path = "/user"
    tags = ["user"]
    dependencies = {"user": Provide(current_user)}
    security = [{"bearer": []}]

    @get("/me", summary="The caller's account, with the tier")
    async def me(self, tiers: TierService, user: User) -> Envelope[UserData]:
        tier = await tiers.tier(user.id)
        return ok(UserData(user=UserOut.of(user, tier.value)))
