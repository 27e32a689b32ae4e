"""Contract of the user repository's signup steps: an unconfirmed signup
restarted, a number marked verified with its pending password confirmed or
dropped. Subclasses provide ``uow_factory`` as for ``tests.contracts.repositories``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from gemini_core.ports import UnitOfWorkFactory
from tests.contracts.repositories import T0, a_user


class UserSignupContract:
    async def test_add_keeps_the_pending_password_and_the_verification(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = a_user(pending_password_hash="$argon2id$p", mobile_verified_at=T0)
        async with uow_factory() as uow:
            await uow.users.add(user)
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.users.get(user.id) == user

    async def test_restart_signup_replaces_what_an_unverified_signup_set(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = a_user(name="First", email="a@example.com", pending_password_hash="p1")
        async with uow_factory() as uow:
            await uow.users.add(user)
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.users.restart_signup(
                user.id, name="Second", email=None, pending_password_hash="p2"
            )
            await uow.commit()
        async with uow_factory() as uow:
            got = await uow.users.get(user.id)
        assert got is not None
        assert (got.name, got.email, got.pending_password_hash) == ("Second", None, "p2")
        assert got.mobile_verified_at is None and got.password_hash is None

    async def test_restart_signup_leaves_a_verified_user_alone(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = a_user(name="Owner", password_hash="h", mobile_verified_at=T0)
        async with uow_factory() as uow:
            await uow.users.add(user)
            await uow.commit()
        async with uow_factory() as uow:
            changed = await uow.users.restart_signup(
                user.id, name="Mallory", email="m@example.com", pending_password_hash="p"
            )
            await uow.commit()
        assert changed is False
        async with uow_factory() as uow:
            assert await uow.users.get(user.id) == user

    @pytest.mark.parametrize(
        ("confirm", "password_hash"), [("p1", "p1"), ("p-other", None), (None, None)]
    )
    async def test_mark_verified_confirms_only_the_named_pending_password(
        self, uow_factory: UnitOfWorkFactory, confirm: str | None, password_hash: str | None
    ) -> None:
        user = a_user(pending_password_hash="p1")
        async with uow_factory() as uow:
            await uow.users.add(user)
            await uow.commit()
        at = T0 + timedelta(minutes=1)
        async with uow_factory() as uow:
            await uow.users.mark_verified(user.id, at, confirm_pending=confirm)
            await uow.commit()
        async with uow_factory() as uow:
            got = await uow.users.get(user.id)
        assert got is not None
        assert (got.password_hash, got.pending_password_hash) == (password_hash, None)
        assert got.mobile_verified_at == at

    async def test_mark_verified_keeps_the_first_verification_time(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = a_user(password_hash="h", mobile_verified_at=T0)
        async with uow_factory() as uow:
            await uow.users.add(user)
            await uow.commit()
        async with uow_factory() as uow:
            await uow.users.mark_verified(user.id, T0 + timedelta(days=1), confirm_pending=None)
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.users.get(user.id) == user
