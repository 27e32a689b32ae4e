"""/auth: signup, one-time codes and passwords."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import Provide

from entrypoints.http import messages
from entrypoints.http.auth import current_principal
from entrypoints.http.bodies import (
    ChangePasswordIn,
    LoginIn,
    MobileIn,
    ResetPasswordIn,
    SignupIn,
    VerifyOtpIn,
)
from entrypoints.http.client_limits import limited
from entrypoints.http.openapi import errors
from entrypoints.http.schemas import (
    DoneOut,
    Envelope,
    OtpOut,
    SessionOut,
    SignupOut,
    UserOut,
    ok,
)
from gemini_core.services import AuthService, OtpIssued, Principal, Session


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

    @post(
        "/signup",
        status_code=201,
        opt=limited("signup"),
        responses=errors(400, 409, 413, 429, 503),
        summary="Start an account; its password works once the code sent is verified",
        description=(
            "Makes an unconfirmed account and sends a code to the number (`otp` in the "
            "body only while delivery is `response`). The password given here works only "
            "after `POST /auth/verify-otp` with that very code; a login code does not "
            "confirm it, and the first other code used for the number clears it. Until "
            "then a new signup of the number replaces this one (and voids its code). "
            "A number that is already verified is 409 `mobile_taken`, and nothing about "
            "its account changes. Sending draws on the number's code allowance (429)."
        ),
    )
    async def signup(self, data: SignupIn, auth: AuthService) -> Envelope[SignupOut]:
        started = await auth.signup(
            data.mobile_number, name=data.name, email=data.email, password=data.password
        )
        user, code = UserOut.of(started.user), started.code
        if code.otp is None:
            return ok(SignupOut(user=user, expires_in=code.expires_in))
        return ok(SignupOut(user=user, expires_in=code.expires_in, otp=code.otp))

    @post(
        "/send-otp",
        status_code=200,
        summary="Send a login code",
        description=(
            "Sends a 6-digit code to the number (`otp` in the body only while delivery "
            "is `response`); it works once, for a few minutes. Draws on the number's "
            "code allowance (429)."
        ),
        opt=limited("otp-send"),
        responses=errors(400, 413, 429, 503),
    )
    async def send_otp(self, data: MobileIn, auth: AuthService) -> Envelope[OtpOut]:
        return _otp(await auth.send_otp(data.mobile_number))

    @post(
        "/verify-otp",
        status_code=200,
        opt=limited("otp-check"),
        responses=errors(400, 413, 429, 503),
        summary="Log in (or sign up) with a code",
        description=(
            "Takes a login code (send-otp) or the code a signup sent. It verifies the "
            "number: the signup's own code makes that signup's password work; the first "
            "other code used for an unconfirmed account clears its pending password. "
            "The token says it came from a code login, which for ten minutes allows "
            "setting a first password (change-password)."
        ),
    )
    async def verify_otp(self, data: VerifyOtpIn, auth: AuthService) -> Envelope[SessionOut]:
        return _session(await auth.verify_otp(data.mobile_number, data.otp))

    @post(
        "/login",
        status_code=200,
        opt=limited("login"),
        responses=errors(400, 401, 413, 429, 503),
        summary="Log in with a password",
        description=(
            "401 `invalid_credentials` for a wrong password, an unknown number, or a "
            "password that is still pending confirmation, all alike. Every attempt is "
            "reserved before the password is checked: after 10 failures for a number in "
            "15 minutes (change-password's wrong current passwords included) attempts "
            "are 429 `rate_limited` with Retry-After, without being checked."
        ),
    )
    async def login(self, data: LoginIn, auth: AuthService) -> Envelope[SessionOut]:
        return _session(await auth.login(data.mobile_number, data.password))

    @post(
        "/forgot-password",
        status_code=200,
        summary="Send a password reset code",
        description=(
            "Sends a code for `POST /auth/reset-password`; the answer is the same "
            "whether or not the number has an account."
        ),
        opt=limited("otp-send"),
        responses=errors(400, 413, 429, 503),
    )
    async def forgot_password(self, data: MobileIn, auth: AuthService) -> Envelope[OtpOut]:
        return _otp(await auth.forgot_password(data.mobile_number))

    @post(
        "/reset-password",
        status_code=200,
        summary="Set a new password with a reset code",
        description=(
            "400 `invalid_otp` for a wrong or expired code. Every token issued before "
            "stops working."
        ),
        opt=limited("otp-check"),
        responses=errors(400, 413, 429, 503),
    )
    async def reset_password(self, data: ResetPasswordIn, auth: AuthService) -> Envelope[DoneOut]:
        await auth.reset_password(data.mobile_number, data.otp, data.new_password)
        return ok(DoneOut(message=messages.PASSWORD_RESET))

    @post(
        "/change-password",
        status_code=200,
        summary="Change (or set a first) password; older tokens stop working",
        description=(
            "With a password set, `current_password` is required (400 `validation_error` "
            "when missing); a wrong one is 400 `wrong_password`, never 401, and counts as "
            "a failed login attempt (429 `rate_limited` past the limit). An account "
            "without a password may set one only with a token from a code login of the "
            "last 10 minutes, else 403 `recent_code_login_required`: log in with a new "
            "code and retry, or use forgot-password."
        ),
        dependencies={"principal": Provide(current_principal)},
        responses=errors(400, 401, 403, 413, 429, 503),
        security=[{"bearer": []}],
    )
    async def change_password(
        self, data: ChangePasswordIn, auth: AuthService, principal: Principal
    ) -> Envelope[SessionOut]:
        return _session(
            await auth.change_password(principal, data.current_password, data.new_password)
        )

    @post(
        "/logout",
        status_code=200,
        summary="Log out: every token of this account stops working",
        description=(
            "Ends every session of the account at once, on every API process: tokens "
            "carry the account's token version and this moves it (as a password change "
            "does), so the token sent here and every other one answer 401 from now on. "
            "There is no list of tokens, hence no way to end one device's session alone. "
            "Log in again for a new token."
        ),
        dependencies={"principal": Provide(current_principal)},
        responses=errors(401, 429, 503),
        security=[{"bearer": []}],
    )
    async def log_out(self, auth: AuthService, principal: Principal) -> Envelope[DoneOut]:
        await auth.log_out(principal)
        return ok(DoneOut(message=messages.LOGGED_OUT))
