"""The AsyncAPI document: complete for every contract, true to the publisher, and the same as docs/asyncapi.yaml.

jsonschema is not among the suite's dependencies, so the payloads are checked with the small
validator below; it knows every keyword the document uses and refuses any other.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.asyncapi import OUTPUT, main, render
from shared.asyncapi import document
from shared.bus.publisher import EventPublisher
from shared.bus.topology import Topology
from shared.contracts import CONTENT_TYPE, EventData, new_envelope, registry
from shared.contracts.assignment import CaseAssigned, Deadlines, LeaderRef, UnitRef
from shared.contracts.evaluation import CaseRated, KeySuggestionsSelected
from shared.contracts.intake import DeputyRef
from shared.contracts.supervision import LightChanged
from shared.testing.samples import registered

NOW = datetime(2025, 3, 4, 1, 2, 3, 456789, tzinfo=UTC)
TYPES = [c.event_type for c in registry.all()]
DEPUTY = DeputyRef(id="dep-1", name="屠永芳", delegation="鼓楼区")
LEAD = UnitRef(unit_id="u-1", name="市住房和城乡建设局", role="lead")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    """The document as a JSON reader sees it."""
    result: dict[str, Any] = json.loads(json.dumps(document()))
    return result


# --- a small JSON Schema validator ----------------------------------------------------------

_ANNOTATIONS = {"title", "description", "default", "examples"}
_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def _resolve(root: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = root
    for token in ref[2:].split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def _errors(value: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "$") -> list[str]:
    """Why `value` breaks `schema` (refs resolved against `root`); empty when it conforms."""
    errors: list[str] = []
    for key, rule in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key == "$ref":
            errors += _errors(value, _resolve(root, rule), root, at)
        elif key == "anyOf":
            if all(_errors(value, option, root, at) for option in rule):
                errors.append(f"{at}: matches none of anyOf")
        elif key == "type":
            if not any(_TYPES[t](value) for t in ([rule] if isinstance(rule, str) else rule)):
                errors.append(f"{at}: {value!r} is not of type {rule}")
        elif key == "const":
            if value != rule:
                errors.append(f"{at}: {value!r} is not {rule!r}")
        elif key == "enum":
            if value not in rule:
                errors.append(f"{at}: {value!r} is not one of {rule}")
        elif key == "required":
            if isinstance(value, dict):
                errors += [f"{at}: {name!r} is required" for name in rule if name not in value]
        elif key == "properties":
            if isinstance(value, dict):
                for name, sub in rule.items():
                    if name in value:
                        errors += _errors(value[name], sub, root, f"{at}.{name}")
        elif key == "additionalProperties":
            if isinstance(value, dict) and rule is not True:
                for name in set(value) - set(schema.get("properties", {})):
                    errors += [f"{at}: {name!r} not allowed"] if rule is False else _errors(value[name], rule, root)
        elif key == "items":
            if isinstance(value, list):
                for i, item in enumerate(value):
                    errors += _errors(item, rule, root, f"{at}[{i}]")
        elif key in ("minItems", "minLength"):
            if isinstance(value, list | str) and len(value) < rule:
                errors.append(f"{at}: shorter than {rule}")
        elif key in ("maxItems", "maxLength"):
            if isinstance(value, list | str) and len(value) > rule:
                errors.append(f"{at}: longer than {rule}")
        elif key == "pattern":
            if isinstance(value, str) and not re.search(rule, value):
                errors.append(f"{at}: {value!r} does not match {rule}")
        elif key == "format":
            if isinstance(value, str) and not _FORMATS[rule](value):
                errors.append(f"{at}: {value!r} is not a {rule}")
        else:
            raise AssertionError(f"the test's validator does not know the keyword {key!r} (at {at})")
    return errors


def _is_date_time(value: str) -> bool:
    try:
        return "T" in value and datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


_FORMATS = {"date-time": _is_date_time, "date": _is_date}


# --- examples ---------------------------------------------------------------------------------


def _case_assigned() -> CaseAssigned:
    return CaseAssigned(
        case_id="s-7",
        congress_id="city-15",
        number="15-2-0007",
        title="关于加快老旧小区加装电梯的建议",
        field="城乡建设",
        session="15-2",
        lead_deputy=DEPUTY,
        co_signers=[DeputyRef(id="dep-2", name="李四")],
        lead_unit=LEAD,
        co_units=[UnitRef(unit_id="u-2", name="市财政局", role="co")],
        deadlines=Deadlines(
            reply_due_on=date(2025, 6, 4),
            reply_due_at=datetime(2025, 6, 4, 15, 59, 59, tzinfo=UTC),
            co_opinion_due_on=date(2025, 5, 5),
            co_opinion_due_at=datetime(2025, 5, 5, 15, 59, 59, tzinfo=UTC),
            months=3,
        ),
        lead_leader=LeaderRef(id="l-1", name="王五", title="副市长"),
        assigned_at=NOW,
        assigned_by="staff-9",
    )


def _light_changed() -> LightChanged:
    return LightChanged(
        case_id="s-7",
        congress_id="city-15",
        number="15-2-0007",
        title="关于加快老旧小区加装电梯的建议",
        field="城乡建设",
        lead_deputy=DEPUTY,
        lead_unit=LEAD,
        reply_due_on=date(2025, 6, 4),
        reply_due_at=datetime(2025, 6, 4, 15, 59, 59, tzinfo=UTC),
        light="yellow",
        previous="green",
        reasons=["due_soon"],
        changed_at=NOW,
    )


EXAMPLES: list[EventData] = [
    registered(7),
    _case_assigned(),
    _light_changed(),
    CaseRated(case_id="s-7", congress_id="city-15", round=1, result="basically_satisfied", rated_at=NOW),
    KeySuggestionsSelected(congress_id="city-15", year=2025, case_ids=["s-7", "s-9"], selected_at=NOW),
]


def _wire(data: EventData, **overrides: Any) -> dict[str, Any]:
    envelope = new_envelope(data, source="/congress/city-15/test", subject="s-7", congress_id="city-15", time=NOW)
    body: dict[str, Any] = json.loads(envelope.model_dump_json())
    body.update(overrides)
    return body


class _CapturingBroker:
    """Stands in for the RabbitBroker: keeps what the publisher hands it."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def publish(self, body: bytes, **kwargs: Any) -> None:
        self.calls.append({"body": body, **kwargs})


# --- completeness -------------------------------------------------------------------------


def test_every_contract_has_a_channel_an_operation_and_a_message(doc: dict[str, Any]) -> None:
    assert TYPES, "no contract registered"
    assert list(doc["channels"]) == TYPES
    assert list(doc["operations"]) == TYPES
    assert list(doc["components"]["messages"]) == TYPES
    for contract in registry.all():
        event_type = contract.event_type
        operation = doc["operations"][event_type]
        assert operation["action"] == "send"
        assert operation["channel"] == {"$ref": f"#/channels/{event_type}"}
        assert operation["tags"] == [{"name": event_type.split(".")[0]}]
        assert operation["messages"] == [{"$ref": f"#/channels/{event_type}/messages/{event_type}"}]
        assert doc["channels"][event_type]["messages"] == {event_type: {"$ref": f"#/components/messages/{event_type}"}}
        message = doc["components"]["messages"][event_type]
        assert message["name"] == contract.__name__
        assert message["summary"] == (contract.__doc__ or "").strip().splitlines()[0]
        assert message["contentType"] == CONTENT_TYPE == "application/cloudevents+json"
        assert _resolve(doc, message["correlationId"]["$ref"])["location"] == "$message.payload#/id"


def test_channel_addresses_are_the_event_types_on_the_topic_exchange(doc: dict[str, Any]) -> None:
    for event_type, channel in doc["channels"].items():
        assert channel["address"] == event_type
        assert channel["bindings"]["amqp"] == {
            "is": "routingKey",
            "exchange": {
                "name": "congress.events",
                "type": "topic",
                "durable": True,
                "autoDelete": False,
                "vhost": "/",
            },
            "bindingVersion": "0.3.0",
        }
    assert doc["asyncapi"] == "3.0.0"
    assert doc["servers"]["rabbitmq"]["host"] == "127.0.0.1:5672"
    assert doc["servers"]["rabbitmq"]["protocol"] == "amqp"
    assert doc["servers"]["rabbitmq"]["protocolVersion"] == "0.9.1"


def test_the_namespace_names_the_exchange() -> None:
    other = document("t-ns")
    exchange = Topology("t-ns").exchange
    assert {c["bindings"]["amqp"]["exchange"]["name"] for c in other["channels"].values()} == {exchange}
    assert [c["address"] for c in other["channels"].values()] == TYPES


def test_every_reference_resolves(doc: dict[str, Any]) -> None:
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs
    for ref in refs:
        _resolve(doc, ref)  # raises KeyError on a dangling reference


def test_contract_schemas_are_pydantics_serialization_schemas(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    for contract in registry.all():
        own = contract.model_json_schema(mode="serialization", ref_template="#/components/schemas/{model}")
        defs = own.pop("$defs", {})
        data_ref = doc["components"]["messages"][contract.event_type]["payload"]["properties"]["data"]["$ref"]
        assert _resolve(doc, data_ref) == own
        for name, schema in defs.items():
            assert schemas[name] == schema


def test_the_document_is_deterministic() -> None:
    assert json.dumps(document()) == json.dumps(document())
    assert render() == render()


# --- payloads and headers -----------------------------------------------------------------


@pytest.mark.parametrize("data", EXAMPLES, ids=lambda d: d.event_type)
def test_the_payload_schema_accepts_a_real_event(doc: dict[str, Any], data: EventData) -> None:
    payload = doc["components"]["messages"][data.event_type]["payload"]
    body = _wire(data)
    assert _errors(body, payload, doc) == []
    assert _errors(body["data"], payload["properties"]["data"], doc) == []


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (lambda b: b["data"].pop("case_id"), "'case_id' is required"),
        (lambda b: b["data"].update(round="one"), "is not of type integer"),
        (lambda b: b["data"].update(result="delighted"), "is not one of"),
        (lambda b: b.update(type="evaluation.case.rated.v2"), "is not 'evaluation.case.rated.v1'"),
        (lambda b: b.pop("subject"), "'subject' is required"),
        (lambda b: b["data"].update(rated_at="yesterday"), "is not a date-time"),
    ],
)
def test_the_payload_schema_refuses_a_broken_event(doc: dict[str, Any], breakage: Any, expected: str) -> None:
    body = _wire(EXAMPLES[3])
    breakage(body)
    payload = doc["components"]["messages"]["evaluation.case.rated.v1"]["payload"]
    assert any(expected in error for error in _errors(body, payload, doc))


@pytest.mark.parametrize("data", EXAMPLES[:3], ids=lambda d: d.event_type)
async def test_what_the_publisher_sends_matches_its_channel_and_message(doc: dict[str, Any], data: EventData) -> None:
    broker = _CapturingBroker()
    await EventPublisher(broker, Topology("congress")).publish(_wire(data))  # type: ignore[arg-type]
    (sent,) = broker.calls
    channel = doc["channels"][data.event_type]
    message = doc["components"]["messages"][data.event_type]
    assert sent["routing_key"] == channel["address"]
    assert sent["exchange"] == channel["bindings"]["amqp"]["exchange"]["name"]
    assert sent["content_type"] == message["contentType"]
    assert sent["persist"] is True  # deliveryMode 2
    assert doc["operations"][data.event_type]["bindings"]["amqp"]["deliveryMode"] == 2
    body = json.loads(sent["body"])
    assert sent["message_id"] == body["id"]  # the correlation id's location
    assert _errors(body, message["payload"], doc) == []
    headers = sent["headers"]
    assert _errors(headers, message["headers"], doc) == []
    assert set(headers) <= set(_resolve(doc, message["headers"]["$ref"])["properties"])


# --- the file -------------------------------------------------------------------------------


def test_the_file_on_disk_is_what_the_contracts_give(doc: dict[str, Any]) -> None:
    text = OUTPUT.read_text(encoding="utf-8")
    assert yaml.safe_load(text) == doc, "docs/asyncapi.yaml is stale: run `uv run python scripts/asyncapi.py`"
    assert text == render(), "docs/asyncapi.yaml is stale: run `uv run python scripts/asyncapi.py`"


def test_check_fails_on_a_stale_file_and_passes_once_regenerated(tmp_path: Path) -> None:
    path = tmp_path / "asyncapi.yaml"
    assert main(["--check", "--output", str(path)]) == 1  # missing
    path.write_text(render().replace("deliveryMode: 2", "deliveryMode: 1", 1), encoding="utf-8")
    assert main(["--check", "--output", str(path)]) == 1
    assert main(["--output", str(path)]) == 0
    assert main(["--check", "--output", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == render()
