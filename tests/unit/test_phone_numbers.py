"""One number, one account: every way of writing a number is read as its one
canonical E.164 form (the ``PhoneNumbers`` port over ``phonenumbers``), and
what is not a valid number is a 400 naming ``mobile_number``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from adapters.phonenumbers_parser import LibPhoneNumbers
from entrypoints.settings import SettingsError, load_settings
from gemini_core.errors import ValidationFailed
from tests.support.api import assert_error, make_settings, running_app
from tests.support.fakes import ScriptedModel, cheap_hasher

CANONICAL = "+919876543210"
# The same number in ASCII, Devanagari, Arabic-Indic and full-width digits.
SCRIPTS = [
    "+919876543210",
    "+\u096f\u0967\u096f\u096e\u096d\u096c\u096b\u096a\u0969\u0968\u0967\u0966",
    "+\u0669\u0661\u0669\u0668\u0667\u0666\u0665\u0664\u0663\u0662\u0661\u0660",
    "+\uff19\uff11\uff19\uff18\uff17\uff16\uff15\uff14\uff13\uff12\uff11\uff10",
]
INVALID = [
    "+999999999999",  # no such country code
    "+1234567",  # too short for +1
    "+0123456789",
    "+91 98765 4321",  # one digit short
    "+91abc",
    "+91 98765 43210 ext 5",
    "+91\x009876543210",
    "12345",
    "+",
    " ",
]


async def verify(client: httpx.AsyncClient, mobile: str) -> dict[str, str]:
    sent = await client.post("/auth/send-otp", json={"mobile_number": mobile})
    assert sent.status_code == 200, sent.text
    code = sent.json()["data"]["otp"]
    verified = await client.post("/auth/verify-otp", json={"mobile_number": mobile, "otp": code})
    assert verified.status_code == 200, verified.text
    return dict(verified.json()["data"]["user"])


def test_the_four_scripts_are_one_number() -> None:
    phones = LibPhoneNumbers(None)
    assert {phones.canonical(raw) for raw in SCRIPTS} == {CANONICAL}


async def test_one_number_in_four_digit_scripts_is_one_account(
    client: httpx.AsyncClient,
) -> None:
    users = [await verify(client, mobile) for mobile in SCRIPTS]

    assert {user["id"] for user in users} == {users[0]["id"]}
    assert {user["mobile_number"] for user in users} == {CANONICAL}
    for mobile in SCRIPTS:
        again = await client.post("/auth/signup", json={"mobile_number": mobile})
        assert_error(again, 409, "mobile_taken")


async def test_the_four_scripts_share_one_send_budget(client: httpx.AsyncClient) -> None:
    for mobile in [*SCRIPTS, SCRIPTS[0]]:
        sent = await client.post("/auth/send-otp", json={"mobile_number": mobile})
        assert sent.status_code == 200, sent.text
    for mobile in SCRIPTS:
        refused = await client.post("/auth/send-otp", json={"mobile_number": mobile})
        assert_error(refused, 429, "rate_limited")


@pytest.mark.parametrize(
    "written", ["+44 (0)20 7946 0958", "+44 20 7946 0958", "0044 20 7946 0958", "+442079460958"]
)
async def test_the_trunk_prefix_and_spacing_give_one_e164_number(
    client: httpx.AsyncClient, written: str
) -> None:
    created = await client.post("/auth/signup", json={"mobile_number": written})
    assert created.status_code == 201, created.text
    assert created.json()["data"]["user"]["mobile_number"] == "+442079460958"


@pytest.mark.parametrize("mobile", INVALID)
async def test_invalid_numbers_are_400_naming_the_field(
    client: httpx.AsyncClient, mobile: str
) -> None:
    for path in ("/auth/send-otp", "/auth/signup"):
        response = await client.post(path, json={"mobile_number": mobile})
        body = assert_error(response, 400, "validation_error")
        assert body["error"]["details"]["fields"][0]["field"] == "mobile_number"
        assert body["error"]["message"].startswith("mobile_number ")


@pytest.mark.parametrize("mobile", ["9876543210", "098765 43210", "98765-43210"])
async def test_national_numbers_are_read_in_the_default_region(
    client: httpx.AsyncClient, mobile: str
) -> None:
    # The default DEFAULT_REGION is IN: the assignment's clients send these.
    assert (await verify(client, mobile))["mobile_number"] == CANONICAL
    assert (await verify(client, CANONICAL))["mobile_number"] == CANONICAL


async def test_another_default_region_reads_its_own_national_numbers(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, DEFAULT_REGION="gb")
    async with running_app(settings, hasher=cheap_hasher(), model=ScriptedModel()) as client:
        assert (await verify(client, "020 7946 0958"))["mobile_number"] == "+442079460958"
        assert (await verify(client, "+91 98765 43210"))["mobile_number"] == CANONICAL
        assert_error(
            await client.post("/auth/send-otp", json={"mobile_number": "9876543210"}),
            400,
            "validation_error",
        )


async def test_without_a_default_region_national_numbers_are_refused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, DEFAULT_REGION="none")
    async with running_app(settings, hasher=cheap_hasher(), model=ScriptedModel()) as client:
        body = assert_error(
            await client.post("/auth/send-otp", json={"mobile_number": "9876543210"}),
            400,
            "validation_error",
        )
        assert "+" in body["error"]["message"]
        assert (await verify(client, "0091 98765 43210"))["mobile_number"] == CANONICAL


def test_default_region_setting(tmp_path: Path) -> None:
    base = {"DATA_DIR": str(tmp_path)}
    assert load_settings(base).default_region == "IN"
    assert load_settings({**base, "DEFAULT_REGION": "gb"}).default_region == "GB"
    assert load_settings({**base, "DEFAULT_REGION": "none"}).default_region is None
    for bad in ("XX", "India", "1"):
        with pytest.raises(SettingsError, match="DEFAULT_REGION"):
            load_settings({**base, "DEFAULT_REGION": bad})


@pytest.mark.parametrize("mobile", INVALID)
def test_the_parser_refuses_what_is_no_number(mobile: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        LibPhoneNumbers("IN").canonical(mobile)
    assert refused.value.details["fields"][0]["field"] == "mobile_number"


def test_the_parser_always_answers_ascii_e164() -> None:
    phones = LibPhoneNumbers("IN")
    for raw in [*SCRIPTS, "9876543210", "+1 415 555 0100", "\uff0b44 (0)20 7946 0958"]:
        canonical = phones.canonical(raw)
        assert canonical.startswith("+") and canonical[1:].isascii()
        assert canonical[1:].isdigit()
        assert phones.canonical(canonical) == canonical
