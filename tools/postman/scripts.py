"""The JavaScript of the collection's scripts (Postman's `pm` sandbox)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tools.postman.flow import Outcome


@dataclass(frozen=True)
class Shape:
    """What the document says a success answer holds: the envelope's
    required keys and, under `data`, a list or an object's required keys."""

    envelope_keys: tuple[str, ...]
    data_is_list: bool
    data_keys: tuple[str, ...]


# Runs after every request: the API's one envelope, whatever the route.
ENVELOPE_TEST = """\
// Every answer is the API's envelope: {success: true, data, meta?} or
// {success: false, error: {code, message, details?}}; a 204 has no body,
// a file download (an export) is the file.
const contentType = pm.response.headers.get("Content-Type") || "";
const disposition = pm.response.headers.get("Content-Disposition") || "";
if (pm.response.code === 204) {
    pm.test("envelope: a 204 has no body", function () {
        pm.expect(pm.response.text()).to.equal("");
    });
} else if (pm.response.code === 200 && disposition.indexOf("attachment") === 0) {
    pm.test("envelope: a file download, with a file name", function () {
        pm.expect(disposition).to.match(/filename="[A-Za-z0-9._-]+"/);
    });
} else if (contentType.indexOf("text/event-stream") === 0) {
    pm.test("envelope: an event stream", function () {
        pm.expect(pm.response.code).to.equal(200);
    });
} else {
    pm.test("envelope: the answer is JSON", function () {
        pm.expect(contentType).to.match(/^application\\/json/);
    });
    const body = pm.response.json();
    if (pm.response.code < 400) {
        pm.test("envelope: success is true, with data", function () {
            pm.expect(body.success).to.equal(true);
            pm.expect(body).to.have.property("data");
        });
    } else {
        pm.test("envelope: success is false, with error.code and error.message", function () {
            pm.expect(body.success).to.equal(false);
            pm.expect(body.error.code).to.be.a("string").and.match(/^[a-z][a-z0-9_]*$/);
            pm.expect(body.error.message).to.be.a("string").and.not.empty;
        });
    }
}"""


def lines(text: str) -> list[str]:
    return text.split("\n")


def skip_script(variable: str) -> list[str]:
    return [
        f"// Skipped while the environment's {variable} is true (a collection run).",
        f'if (pm.environment.get("{variable}") === "true") {{',
        "    pm.execution.skipRequest();",
        "}",
    ]


def test_script(
    outcomes: Sequence[Outcome], shapes: Mapping[int, Shape], captures: Mapping[str, str]
) -> list[str]:
    accepted = {str(outcome.status): outcome.code for outcome in outcomes}
    statuses = json.dumps([outcome.status for outcome in outcomes])
    out = [
        f"// Accepted: {_describe(outcomes)}.",
        f"const accepted = {json.dumps(accepted)};",
        f'pm.test("status is {_title(outcomes)}", function () {{',
        f"    pm.expect(pm.response.code, pm.response.text()).to.be.oneOf({statuses});",
        "});",
    ]
    if any(outcome.code for outcome in outcomes):
        out += [
            "const expectedCode = accepted[String(pm.response.code)];",
            "if (expectedCode) {",
            '    pm.test("error.code is " + expectedCode, function () {',
            "        pm.expect(pm.response.json().error.code).to.equal(expectedCode);",
            "    });",
            "}",
        ]
    for outcome in outcomes:
        if outcome.code is None and outcome.status != 204:
            out += _success_checks(outcome.status, shapes.get(outcome.status), captures)
    return out


def _success_checks(status: int, shape: Shape | None, captures: Mapping[str, str]) -> list[str]:
    body: list[str] = []
    if shape is not None:
        if shape.envelope_keys:
            keys = json.dumps(list(shape.envelope_keys))
            body += [
                f'pm.test("has {", ".join(shape.envelope_keys)}", function () {{',
                f"    pm.expect(answer).to.include.keys({keys});",
                "});",
            ]
        if shape.data_is_list:
            body += [
                'pm.test("data is a list", function () {',
                '    pm.expect(answer.data).to.be.an("array");',
                "});",
            ]
        elif shape.data_keys:
            keys = json.dumps(list(shape.data_keys))
            body += [
                f'pm.test("data has {", ".join(shape.data_keys)}", function () {{',
                f"    pm.expect(answer.data).to.include.keys({keys});",
                "});",
            ]
    for variable, path in captures.items():
        body += [
            f'pm.test("keeps data.{path} as {variable}", function () {{',
            f'    const value = pick(answer.data, "{path}");',
            f'    pm.expect(value, "data.{path}").to.be.a("string").and.not.empty;',
            f'    pm.environment.set("{variable}", value);',
            "});",
        ]
    if not body:
        return []
    head = [f"if (pm.response.code === {status}) {{", "    const answer = pm.response.json();"]
    if captures:
        head.append(
            '    const pick = (o, path) => path.split(".").reduce('
            "(v, k) => (v == null ? undefined : v[k]), o);"
        )
    return [*head, *("    " + line for line in body), "}"]


def _title(outcomes: Sequence[Outcome]) -> str:
    parts = [f"{o.status} {o.code}" if o.code else str(o.status) for o in outcomes]
    return " or ".join(parts)


def _describe(outcomes: Sequence[Outcome]) -> str:
    parts = []
    for o in outcomes:
        text = f"{o.status} {o.code}" if o.code else str(o.status)
        parts.append(f"{text} ({o.when})" if o.when else text)
    return "; ".join(parts)
