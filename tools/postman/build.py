"""The Postman collection (v2.1) and environment made from an OpenAPI document."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from tools.postman import flow
from tools.postman.flow import FLOW, Outcome, Step
from tools.postman.scripts import ENVELOPE_TEST, Shape, lines, skip_script, test_script

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
NAMESPACE = uuid.UUID("5b0f7a8e-2f0c-4c61-9b7e-6d1f1f4b2c10")
GENERATED = "Generated from the OpenAPI document by `nox -s postman`: do not edit by hand."

Operation = Mapping[str, Any]


def collection(document: Mapping[str, Any]) -> dict[str, Any]:
    info = document.get("info", {})
    name = str(info.get("title", "API"))
    description = "\n\n".join(
        part
        for part in (
            info.get("description"),
            "Run the folders in order against a live server: operations, auth (which "
            "keeps the code and the token), user, chatrooms (which keeps the room id), "
            "search, billing. Protected requests send `Authorization: Bearer {{token}}`.",
            GENERATED,
        )
        if part
    )
    return {
        "info": {
            "_postman_id": str(uuid.uuid5(NAMESPACE, name)),
            "name": name,
            "description": description,
            "schema": SCHEMA,
        },
        "item": _folders(document),
        "event": [_event("test", lines(ENVELOPE_TEST))],
    }


def environment(name: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"{name} environment")),
        "name": f"{name} (local)",
        "values": [
            {
                "key": key,
                "value": value,
                "type": "secret" if key in flow.SECRETS else "default",
                "enabled": True,
            }
            for key, value in flow.ENVIRONMENT.items()
        ],
        "_postman_variable_scope": "environment",
    }


def dumps(value: Mapping[str, Any]) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _operations(document: Mapping[str, Any]) -> Iterator[tuple[str, str, Operation]]:
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def _folders(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    operations = {(method, path): op for method, path, op in _operations(document)}
    steps = [step for step in FLOW if (step.method, step.path) in operations]
    named = {(step.method, step.path) for step in steps}
    steps += [
        Step(method, path, (_documented_success(op),))
        for (method, path), op in operations.items()
        if (method, path) not in named
    ]
    by_tag: dict[str, list[Step]] = {}
    for step in steps:
        tags = operations[(step.method, step.path)].get("tags") or ["other"]
        by_tag.setdefault(str(tags[0]), []).append(step)
    order = [tag for tag in flow.FOLDER_ORDER if tag in by_tag]
    order += [tag for tag in by_tag if tag not in order]
    tag_notes = {tag["name"]: tag.get("description") for tag in document.get("tags", [])}
    folders = []
    for tag in order:
        folder: dict[str, Any] = {"name": tag}
        if tag_notes.get(tag):
            folder["description"] = tag_notes[tag]
        folder["item"] = _grouped(
            [
                _request(document, step, operations[(step.method, step.path)])
                for step in by_tag[tag]
            ],
            [step.group for step in by_tag[tag]],
        )
        folders.append(folder)
    return folders


def _grouped(items: list[dict[str, Any]], groups: list[str | None]) -> list[dict[str, Any]]:
    """Consecutive items of one group go into a subfolder of that name."""
    out: list[dict[str, Any]] = []
    for item, group in zip(items, groups, strict=True):
        if group is None:
            out.append(item)
        elif out and out[-1].get("name") == group and "request" not in out[-1]:
            out[-1]["item"].append(item)
        else:
            out.append({"name": group, "item": [item]})
    return out


def _documented_success(op: Operation) -> Outcome:
    statuses = sorted(int(code) for code in op.get("responses", {}) if str(code).isdigit())
    return Outcome(next((s for s in statuses if 200 <= s < 300), 200))


def _request(document: Mapping[str, Any], step: Step, op: Operation) -> dict[str, Any]:
    request: dict[str, Any] = {"method": step.method, "header": _headers(op)}
    protected = bool(op.get("security", document.get("security")))
    if step.authorized is not None:
        protected = step.authorized
    request["auth"] = (
        {"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}", "type": "string"}]}
        if protected
        else {"type": "noauth"}
    )
    body = _body(document, op, step)
    if body is not None:
        request["header"].insert(0, {"key": "Content-Type", "value": "application/json"})
        request["body"] = {"mode": "raw", "raw": body, "options": {"raw": {"language": "json"}}}
    request["url"] = _url(op, step)
    notes = [text for text in (op.get("description"), step.note) if text]
    if notes:
        request["description"] = "\n\n".join(notes)
    events = []
    if step.skip_when:
        events.append(_event("prerequest", skip_script(step.skip_when)))
    shapes = {o.status: _shape(document, op, o.status) for o in step.outcomes if o.code is None}
    shapes_known = {status: shape for status, shape in shapes.items() if shape is not None}
    events.append(_event("test", test_script(step.outcomes, shapes_known, step.captures)))
    name = step.name or op.get("summary") or f"{step.method} {step.path}"
    return {"name": name, "event": events, "request": request}


def _url(op: Operation, step: Step) -> dict[str, Any]:
    path = step.path
    for parameter in op.get("parameters", []):
        if parameter.get("in") == "path":
            name = parameter["name"]
            path = path.replace(f"{{{name}}}", flow.PATH_VALUES.get(name, f"{{{{{name}}}}}"))
    url: dict[str, Any] = {
        "raw": "{{baseUrl}}" + path,
        "host": ["{{baseUrl}}"],
        "path": [segment for segment in path.split("/") if segment],
    }
    query = [
        _parameter(parameter, step.query)
        for parameter in op.get("parameters", [])
        if parameter.get("in") == "query"
    ]
    if query:
        enabled = [q for q in query if not q.get("disabled")]
        if enabled:
            url["raw"] += "?" + "&".join(f"{q['key']}={q['value']}" for q in enabled)
        url["query"] = query
    return url


def _headers(op: Operation) -> list[dict[str, Any]]:
    return [
        _parameter(parameter, {})
        for parameter in op.get("parameters", [])
        if parameter.get("in") == "header"
    ]


def _parameter(parameter: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """A query or header parameter: set when the step gives it, else shown
    switched off, with its default when the document has one."""
    name = parameter["name"]
    default = parameter.get("schema", {}).get("default")
    entry: dict[str, Any] = {
        "key": name,
        "value": values.get(name, "" if default is None else str(default)),
    }
    if parameter.get("description"):
        entry["description"] = parameter["description"]
    if name not in values:
        entry["disabled"] = True
    return entry


def _resolve(document: Mapping[str, Any], schema: Mapping[str, Any] | None) -> Mapping[str, Any]:
    while schema:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = document.get("components", {}).get("schemas", {}).get(name, {})
        elif len(schema.get("allOf", ())) == 1:  # a reference with words of its own
            schema = schema["allOf"][0]
        else:
            break
    return schema or {}


def _body(document: Mapping[str, Any], op: Operation, step: Step) -> str | None:
    if step.raw_body is not None:
        return step.raw_body
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    schema = _resolve(document, content["application/json"].get("schema"))
    required = set(schema.get("required", []))
    values = {}
    for name, prop in schema.get("properties", {}).items():
        if name in step.body:
            values[name] = step.body[name]
        elif name in flow.FIELD_VALUES:
            values[name] = flow.FIELD_VALUES[name]
        elif name in required:
            values[name] = _example(_resolve(document, prop))
    return json.dumps(values, indent=2, ensure_ascii=False)


def _example(schema: Mapping[str, Any]) -> Any:
    for key in ("examples", "example", "default"):
        if key in schema:
            value = schema[key]
            return value[0] if key == "examples" and isinstance(value, list) and value else value
    kinds = {"string": "", "integer": 0, "number": 0, "boolean": False, "array": [], "object": {}}
    return kinds.get(str(schema.get("type")))


def _shape(document: Mapping[str, Any], op: Operation, status: int) -> Shape | None:
    response = op.get("responses", {}).get(str(status), {})
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    envelope = _resolve(document, schema)
    if "data" not in envelope.get("properties", {}):
        return None
    data = _resolve(document, envelope["properties"]["data"])
    return Shape(
        envelope_keys=tuple(
            k for k in envelope.get("required", []) if k not in ("success", "data")
        ),
        data_is_list=data.get("type") == "array",
        data_keys=tuple(data.get("required", [])) if data.get("type") == "object" else (),
    )


def _event(listen: str, exec_lines: list[str]) -> dict[str, Any]:
    return {"listen": listen, "script": {"type": "text/javascript", "exec": exec_lines}}
