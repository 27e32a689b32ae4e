"""The run that the collection makes against a live server, step by step.

The OpenAPI document says which operations exist; this file says in which
order a run calls them, which answers each may give on a live server, and
what it keeps for the next steps (the code, the token, the room id). An
operation this file does not name still gets a request (its documented
success is expected), placed after the named ones of its folder; a step whose
operation left the document is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Folders (OpenAPI tags) in the order a run needs them; other tags follow.
FOLDER_ORDER = ("operations", "auth", "user", "chatrooms", "search", "billing")

ENVIRONMENT: Mapping[str, str] = {
    "baseUrl": "http://127.0.0.1:8000",
    "mobile_number": "+919876543210",
    "password": "postman-run-password-1",
    "new_password": "postman-run-password-2",
    "otp": "",
    "token": "",
    "room_id": "",
    "prompt_id": "",
    "reply_id": "",
    "skip_event_stream": "true",
}
SECRETS = frozenset({"password", "new_password", "otp", "token"})

# Values of body fields and path parameters by name, unless a step says otherwise.
FIELD_VALUES: Mapping[str, Any] = {
    "mobile_number": "{{mobile_number}}",
    "otp": "{{otp}}",
    "password": "{{password}}",
    "current_password": "{{password}}",
    "new_password": "{{new_password}}",
}
PATH_VALUES: Mapping[str, str] = {
    "room_id": "{{room_id}}",
    "reply_id": "{{reply_id}}",
    "message_id": "{{prompt_id}}",
}


@dataclass(frozen=True)
class Outcome:
    """An answer the step accepts: a status and, for an error, its code."""

    status: int
    code: str | None = None
    when: str = ""


@dataclass(frozen=True)
class Step:
    method: str
    path: str
    outcomes: tuple[Outcome, ...]
    name: str | None = None
    body: Mapping[str, Any] = field(default_factory=dict)
    raw_body: str | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    # environment variable -> dotted path under the success answer's `data`
    captures: Mapping[str, str] = field(default_factory=dict)
    authorized: bool | None = None  # None: as the operation's security says
    group: str | None = None  # a subfolder of the step's folder
    skip_when: str | None = None  # an environment variable: "true" skips the step
    note: str = ""


def ok(status: int = 200, when: str = "") -> Outcome:
    return Outcome(status, None, when)


NO_BILLING = Outcome(503, "billing_unavailable", "Stripe is not configured (the embedded default)")

FLOW: tuple[Step, ...] = (
    Step("GET", "/health", (ok(),)),
    Step("GET", "/health/ready", (ok(),)),
    Step(
        "POST",
        "/auth/signup",
        (ok(201, "a new account"), Outcome(409, "mobile_taken", "the number has an account")),
        body={"name": "Postman", "password": "{{password}}"},
    ),
    Step("POST", "/auth/send-otp", (ok(),), captures={"otp": "otp"}),
    Step("POST", "/auth/verify-otp", (ok(),), captures={"token": "access_token"}),
    Step("POST", "/auth/forgot-password", (ok(),), captures={"otp": "otp"}),
    Step(
        "POST",
        "/auth/reset-password",
        (ok(),),
        body={"new_password": "{{password}}"},
        note="Sets the password to {{password}} whatever an earlier run left.",
    ),
    Step("POST", "/auth/login", (ok(),), captures={"token": "access_token"}),
    Step(
        "POST",
        "/auth/logout",
        (ok(),),
        note="Every token of the account stops working; the next step logs in again.",
    ),
    Step(
        "POST",
        "/auth/login",
        (ok(),),
        name="Log in again after logging out",
        captures={"token": "access_token"},
    ),
    Step(
        "POST",
        "/auth/change-password",
        (ok(),),
        captures={"token": "access_token"},
        note="Older tokens stop working: the new one replaces {{token}}.",
    ),
    Step("GET", "/user/me", (ok(),)),
    Step(
        "GET",
        "/user/me",
        (Outcome(401, "unauthorized", "no token"),),
        name="The caller's account, without a token (401)",
        authorized=False,
    ),
    Step(
        "POST",
        "/chatroom",
        (ok(201),),
        body={"name": "Postman room"},
        captures={"room_id": "chatroom.id"},
    ),
    Step("GET", "/chatroom", (ok(),)),
    Step("GET", "/chatroom/{room_id}", (ok(),)),
    Step("PATCH", "/chatroom/{room_id}", (ok(),), body={"name": "Postman room, renamed"}),
    Step(
        "POST",
        "/chatroom/{room_id}/message",
        (ok(202), Outcome(429, "quota_exceeded", "today's prompts are used up")),
        body={"content": "Hello from Postman: what is a chatroom?"},
        captures={"prompt_id": "message.id", "reply_id": "reply.id"},
    ),
    Step(
        "POST",
        "/chatroom/{room_id}/message/{reply_id}/cancel",
        (ok(), Outcome(409, "reply_final", "the model had answered already")),
    ),
    Step(
        "POST",
        "/chatroom/{room_id}/message/{reply_id}/regenerate",
        (
            ok(202),
            Outcome(409, "reply_pending", "the reply is still being written"),
            Outcome(429, "quota_exceeded", "today's prompts are used up"),
        ),
        captures={"reply_id": "reply.id"},
    ),
    Step(
        "PATCH",
        "/chatroom/{room_id}/message/{message_id}",
        (
            ok(202),
            Outcome(409, "reply_pending", "the reply is still being written"),
            Outcome(429, "quota_exceeded", "today's prompts are used up"),
        ),
        body={"content": "Hello again from Postman: what is a chatroom, in one line?"},
    ),
    Step("GET", "/chatroom/{room_id}/message/{message_id}", (ok(),)),
    Step("GET", "/chatroom/{room_id}/messages", (ok(),)),
    Step("GET", "/chatroom/{room_id}/export", (ok(),), query={"format": "markdown"}),
    Step(
        "GET",
        "/chatroom/{room_id}/export",
        (ok(),),
        name="Download a whole conversation as JSON",
        query={"format": "json"},
    ),
    Step(
        "GET",
        "/chatroom/{room_id}/events",
        (ok(),),
        group="event stream (skipped unless skip_event_stream is false)",
        skip_when="skip_event_stream",
        note=(
            "A Server-Sent Events stream: it stays open until it is cancelled, so a "
            "collection run (newman) skips it while the environment's "
            "skip_event_stream is true. Set it to false to watch the stream."
        ),
    ),
    Step("DELETE", "/chatroom/{room_id}", (ok(204),)),
    Step(
        "GET",
        "/chatroom/{room_id}",
        (Outcome(404, "not_found", "the room is deleted"),),
        name="A deleted chatroom (404)",
    ),
    Step(
        "GET",
        "/search",
        (ok(),),
        query={"q": "Postman"},
        note="The room above is deleted by now: its name and messages are no longer found.",
    ),
    Step("GET", "/subscription/status", (ok(),)),
    Step(
        "POST",
        "/subscribe/pro",
        (
            ok(200, "Stripe is configured"),
            Outcome(409, "already_subscribed", "Pro already"),
            NO_BILLING,
        ),
    ),
    Step(
        "POST",
        "/subscribe/portal",
        (
            ok(200, "Stripe is configured"),
            Outcome(409, "no_billing_account", "no checkout yet"),
            NO_BILLING,
        ),
    ),
    Step("GET", "/subscribe/success", (ok(),)),
    Step("GET", "/subscribe/cancel", (ok(),)),
    Step("GET", "/subscribe/return", (ok(),)),
    Step(
        "POST",
        "/webhook/stripe",
        (Outcome(400, "invalid_signature", "Stripe is configured: no signature"), NO_BILLING),
        name="Stripe's webhook, unsigned (refused)",
        raw_body="{}",
        note="Only Stripe can sign events; an unsigned one is refused.",
    ),
)
