"""What the API says in words when all went well (``DoneOut.message``)."""

from __future__ import annotations

PASSWORD_RESET = "the password has been reset; log in again"
LOGGED_OUT = "logged out: every session of this account has ended"
PAYMENT_RECEIVED = (
    "payment received; Pro starts as soon as Stripe confirms it (usually within seconds): "
    "see GET /subscription/status"
)
CHECKOUT_CANCELLED = "checkout cancelled; nothing was charged"
PORTAL_CHANGES = (
    "changes made in the portal apply as soon as Stripe confirms them: see GET /subscription/status"
)
