"""Request bodies of the HTTP API (API.md): closed (an unknown field is a
400), each field with its rules, words and an example (``fields``)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from entrypoints.http import fields as f
from entrypoints.http.fields import (
    Content,
    Email,
    Mobile,
    NewPassword,
    NewRoomName,
    OptionalRoomName,
    Otp,
    Password,
    SystemInstruction,
    UserName,
    doc,
)


class RequestBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: an unknown field is a 400, not silently dropped."""


class SignupIn(RequestBody, kw_only=True):
    """A new account: the number, and optionally a name, an email and a
    password (which works once the code sent to the number is verified)."""

    mobile_number: Mobile
    name: UserName | None = None
    email: Email | None = None
    password: NewPassword | None = None


class MobileIn(RequestBody, kw_only=True):
    """The number a code is sent to."""

    mobile_number: Mobile


class VerifyOtpIn(RequestBody, kw_only=True):
    """A number and the code sent to it."""

    mobile_number: Mobile
    otp: Otp


class LoginIn(RequestBody, kw_only=True):
    """A number and its account's password."""

    mobile_number: Mobile
    password: Password


class ResetPasswordIn(RequestBody, kw_only=True):
    """A number, the reset code sent to it and the password to set."""

    mobile_number: Mobile
    otp: Otp
    new_password: NewPassword


class ChangePasswordIn(RequestBody, kw_only=True):
    """The current password (when one is set) and the new one."""

    current_password: (
        Annotated[Password, doc("the password set now; required when one is set", f.PASSWORD)]
        | None
    ) = None
    new_password: NewPassword


class ChatroomIn(RequestBody, kw_only=True):
    """A new room: its name (none: the model titles it after its first
    reply) and its own system instruction, both optional."""

    name: OptionalRoomName | None = None
    system_instruction: SystemInstruction | None = None


class ChatroomChangeIn(RequestBody, kw_only=True):
    """What to change of a room, at least one field: its name (the model
    titles it no more) and its system instruction (null or blank clears it)."""

    name: NewRoomName | None = None
    system_instruction: SystemInstruction | msgspec.UnsetType | None = msgspec.UNSET


class MessageIn(RequestBody, kw_only=True):
    """A prompt for the model."""

    content: Content
