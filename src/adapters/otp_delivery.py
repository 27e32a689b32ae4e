"""How a one-time code reaches the person, while there is no SMS gateway."""

from __future__ import annotations

import logging

from gemini_core.model import OtpPurpose
from gemini_core.phone import mask_mobile

logger = logging.getLogger(__name__)
# The stand-in for an SMS gateway writes here, and only here, with the code.
sms_logger = logging.getLogger("gemini_clone.sms")


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
        sms_logger.info("SMS to %s: your gemini-clone code is %s", mobile_number, code)
