"""/auth: signup, one-time codes and passwords."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import Provide

from entrypoints.http.auth import current_user
from entrypoints.http.client_limits import limited
from entrypoints.http.schemas import (
    ChangePasswordIn,
    DoneOut,
    Envelope,
    LoginIn,
    MobileIn,
    OtpOut,
    ResetPasswordIn,
    SessionOut,
    SignupIn,
    UserData,
    UserOut,
    VerifyOtpIn,
    ok,
)
from gemini_core.model import User
from gemini_core.services import AuthService, OtpIssued, Session


def _session(session: Session) -> Envelope[SessionOut]:
    return ok(
        SessionOut(
            access_token=session.access_token,
            token_type="bearer",
            expires_in=session.expires_in,
            user=UserOut.of(session.user),
        )
    )


def _otp(issued: OtpIssued) -> Envelope[OtpOut]:
    if issued.otp is None:
        return ok(OtpOut(expires_in=issued.expires_in))
    return ok(OtpOut(expires_in=issued.expires_in, otp=issued.otp))


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/signup", status_code=201, summary="Create an account", opt=limited("signup"))
    async def signup(self, data: SignupIn, auth: AuthService) -> Envelope[UserData]:
        user = await auth.signup(
            data.mobile_number, name=data.name, email=data.email, password=data.password
        )
        return ok(UserData(user=UserOut.of(user)))

    @post("/send-otp", status_code=200, summary="Send a login code", opt=limited("otp-send"))
    async def send_otp(self, data: MobileIn, auth: AuthService) -> Envelope[OtpOut]:
        return _otp(await auth.send_otp(data.mobile_number))

    @post(
        "/verify-otp",
        status_code=200,
        summary="Log in (or sign up) with a code",
        opt=limited("otp-check"),
    )
    async def verify_otp(self, data: VerifyOtpIn, auth: AuthService) -> Envelope[SessionOut]:
        return _session(await auth.verify_otp(data.mobile_number, data.otp))

    @post("/login", status_code=200, summary="Log in with a password", opt=limited("login"))
    async def login(self, data: LoginIn, auth: AuthService) -> Envelope[SessionOut]:
        return _session(await auth.login(data.mobile_number, data.password))

    @post(
        "/forgot-password",
        status_code=200,
        summary="Send a password reset code",
        opt=limited("otp-send"),
    )
    async def forgot_password(self, data: MobileIn, auth: AuthService) -> Envelope[OtpOut]:
        return _otp(await auth.forgot_password(data.mobile_number))

    @post(
        "/reset-password",
        status_code=200,
        summary="Set a new password with a reset code",
        opt=limited("otp-check"),
    )
    async def reset_password(self, data: ResetPasswordIn, auth: AuthService) -> Envelope[DoneOut]:
        await auth.reset_password(data.mobile_number, data.otp, data.new_password)
        return ok(DoneOut(message="the password has been reset; log in again"))

    @post(
        "/change-password",
        status_code=200,
        summary="Change the password; older tokens stop working",
        dependencies={"user": Provide(current_user)},
        security=[{"bearer": []}],
    )
    async def change_password(
        self, data: ChangePasswordIn, auth: AuthService, user: User
    ) -> Envelope[SessionOut]:
        return _session(await auth.change_password(user, data.current_password, data.new_password))
