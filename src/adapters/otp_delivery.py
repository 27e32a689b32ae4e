"""How a one-time code reaches the person, while there is no SMS gateway."""

from __future__ import annotations

import logging

from gemini_core.model import OtpPurpose
from gemini_core.phone import mask_mobile

logger = logging.getLogger(__name__)
# The stand-in for an SMS gateway writes here, and only here, with the code.
sms_logger = logging.getLogger("gemini_clone.sms")

# What each code is for, so a person who did not ask for one knows to ignore it.
_MESSAGES = {
    OtpPurpose.LOGIN: "your gemini-clone login code is {code}",
    OtpPurpose.SIGNUP: (
        "your code to confirm your new gemini-clone account is {code}; "
        "if you did not sign up, ignore this message"
    ),
    OtpPurpose.RESET_PASSWORD: "your gemini-clone password reset code is {code}",
}


class ResponseOtpSender:
    """The assignment's mock: the code goes back in the HTTP response."""

    echoes_code = True

    async def deliver(self, mobile_number: str, code: str, purpose: OtpPurpose) -> None:
        logger.info(
            "otp issued for %s (%s), returned in the response", mask_mobile(mobile_number), purpose
        )


class LogOtpSender:
    """Writes the message an SMS gateway would send to the ``gemini_clone.sms``
    logger; point that logger at the operator's channel of choice."""

    echoes_code = False

    async def deliver(self, mobile_number: str, code: str, purpose: OtpPurpose) -> None:
        sms_logger.info("SMS to %s: %s", mobile_number, _MESSAGES[purpose].format(code=code))
