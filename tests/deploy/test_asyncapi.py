"""docs/asyncapi.yaml is current (regenerated from the code in CI) and a valid AsyncAPI 3 document.

The schema is the official AsyncAPI 3.0.0 JSON Schema from the `@asyncapi/specs` npm package
(tests/deploy/schemas/, Apache-2.0), so the check runs offline.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import yaml

from deploy import asyncapi
from shared.events.catalog import ALL_PAYLOADS
from shared.events.envelope import Envelope
from shared.events.topics import ALL_TOPICS
from tests.deploy.codebase import ROOT, all_consumer_groups

DOCUMENT = ROOT / "docs" / "asyncapi.yaml"
SCHEMA = ROOT / "tests" / "deploy" / "schemas" / "asyncapi-3.0.0.json"


def checked_in() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return data


def resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def test_checked_in_document_is_what_the_code_generates() -> None:
    generated = asyncapi.render(asyncapi.build_document(all_consumer_groups()))
    assert DOCUMENT.read_text(encoding="utf-8") == generated, (
        "docs/asyncapi.yaml is stale: run `python -m deploy.asyncapi > docs/asyncapi.yaml`"
    )


def test_document_is_valid_asyncapi_3() -> None:
    doc = checked_in()
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    errors = list(validator.iter_errors(doc))
    assert not errors, "\n".join(f"{e.json_path}: {e.message[:200]}" for e in errors)
    assert doc["asyncapi"].startswith("3.")
    for ref in refs(doc):
        resolve(doc, ref)  # every reference points somewhere
    for op in doc["operations"].values():
        channel = op["channel"]["$ref"]
        for message in op.get("messages", []):
            assert message["$ref"].startswith(channel + "/messages/"), "operation messages are its channel's"


def test_every_topic_and_payload_is_documented() -> None:
    doc = checked_in()
    topics = {t.base for t in ALL_TOPICS}
    assert set(doc["channels"]) == topics | {f"{t}.dlq" for t in topics}
    documented = {
        name: resolve(doc, ref["$ref"])
        for channel in doc["channels"].values() for name, ref in channel["messages"].items()
    }
    assert {p.__name__ for p in ALL_PAYLOADS} <= set(documented)
    for payload in ALL_PAYLOADS:
        channel = doc["channels"][payload.TOPIC.base]
        assert payload.__name__ in channel["messages"], f"{payload.__name__} is on {payload.TOPIC.base}"
        message = documented[payload.__name__]
        assert message["headers"]["properties"]["ce_type"]["const"] == payload.TYPE
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
        jsonschema.Draft202012Validator.check_schema(resolve(doc, message["payload"]["$ref"]))


def test_headers_are_what_the_outbox_writes() -> None:
    """The CloudEvents headers of an event as `shared` builds it validate against its message."""
    doc = checked_in()
    for payload in ALL_PAYLOADS:
        message = doc["components"]["messages"][payload.__name__]
        source = message["headers"]["properties"]["ce_source"]["const"]
        env = Envelope(type=payload.TYPE, source=source, subject="aggregate-1", data={},
                       traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01")
        headers = {k: v.decode() for k, v in env.headers()}
        jsonschema.validate(headers, message["headers"], cls=jsonschema.Draft7Validator)
