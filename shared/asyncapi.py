"""The event catalogue as an AsyncAPI 3.0 document, generated from the registered contracts.

One channel per event type (address = the routing key on the `<ns>.events` topic exchange), one
`send` operation by its producing service (the first segment of the type), one message whose
payload is the CloudEvents envelope with `data` = the contract's JSON Schema (pydantic,
serialization mode), and the AMQP headers `shared/bus/publisher.py` sets. Channels, operations
and messages are keyed by the event type. The output is deterministic: maps sorted by name, no
timestamps. `scripts/asyncapi.py` writes it to `docs/asyncapi.yaml`.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from shared.contracts import CONTENT_TYPE, RawEnvelope, registry
from shared.contracts.envelope import Envelope, EventData

ASYNCAPI_VERSION = "3.0.0"
AMQP_BINDING_VERSION = "0.3.0"
SERVER = "rabbitmq"
SCHEMAS = "#/components/schemas/"
CORRELATION_ID = "eventId"
HEADERS = "AmqpHeaders"
_PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

_DESCRIPTION = """\
The domain events of the deputies' suggestions suite (人大代表建议办理). The five services talk only \
through these events on RabbitMQ.

Every event is a CloudEvents 1.0 event in structured content mode: the AMQP message body is the whole \
envelope as UTF-8 JSON (content type `application/cloudevents+json`), and the event type is both the \
envelope's `type` and the routing key on the topic exchange `{exchange}`. Messages are published \
persistent (`delivery_mode` 2), `mandatory`, with publisher confirms and `message_id` = the envelope's \
`id`. The exchange has the alternate exchange `{exchange}.unrouted`, which keeps events no queue is \
bound to.

Names start with the bus namespace (`*_BUS_NAMESPACE`, here `{namespace}`). Consumers ignore fields they \
do not know; a change that is not additive gets a new `.vN` type.

Generated from `shared/contracts/` by `scripts/asyncapi.py`; do not edit by hand. The catalogue with \
the meaning of every field is docs/events.md, the bus (queues, retries, parking) docs/bus.md."""

_HEADERS: dict[str, Any] = {
    "type": "object",
    "title": HEADERS,
    "description": (
        "AMQP headers set by the publisher (shared/bus/publisher.py). Copies a consumer moves to a retry "
        "or parking queue carry more (`x-service`, `x-original-routing-key`, `x-attempt`, `x-parked-reason`, "
        "`x-parked-at`, `x-error`; see docs/bus.md)."
    ),
    "properties": {
        "traceparent": {
            "type": "string",
            "description": (
                "W3C trace context of the publish span, a child of the envelope's `traceparent` in the same trace."
            ),
            "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
        },
        "tracestate": {"type": "string", "description": "W3C `tracestate`, when there is one."},
        "baggage": {
            "type": "string",
            "description": (
                "W3C baggage; always contains `case.id=<subject>`, percent-encoded as baggage values are "
                "(`case.id=deputy%3Adep-0412`)."
            ),
        },
        "x-congress-id": {"type": "string", "description": "The envelope's `congressid`."},
    },
    "required": ["traceparent", "baggage", "x-congress-id"],
}


def document(namespace: str = "congress") -> dict[str, Any]:
    """The AsyncAPI 3.0 document of every registered contract, for the bus namespace `namespace`."""
    contracts = registry.all()
    exchange = f"{namespace}.events"
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    envelope = _envelope_schema()
    refs, schemas = _contract_schemas(contracts)
    if HEADERS in schemas:
        raise TypeError(f"a contract model is named {HEADERS}, the name of the headers schema")
    for contract in contracts:
        event_type = contract.event_type
        producer = event_type.split(".", 1)[0]
        summary, description = _doc(contract)
        channels[event_type] = {
            "address": event_type,
            "title": event_type,
            "description": f"Routing key `{event_type}` on the topic exchange `{exchange}`.",
            "messages": {event_type: {"$ref": f"#/components/messages/{_pointer(event_type)}"}},
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {
                        "name": exchange,
                        "type": "topic",
                        "durable": True,
                        "autoDelete": False,
                        "vhost": "/",
                    },
                    "bindingVersion": AMQP_BINDING_VERSION,
                }
            },
        }
        operations[event_type] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{_pointer(event_type)}"},
            "title": f"{producer} publishes {event_type}",
            "summary": summary,
            "description": (
                f"{producer} publishes through its outbox: persistent, `mandatory`, with publisher confirms."
            ),
            "tags": [{"name": producer}],
            "messages": [{"$ref": f"#/channels/{_pointer(event_type)}/messages/{_pointer(event_type)}"}],
            "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": AMQP_BINDING_VERSION}},
        }
        message: dict[str, Any] = {
            "name": contract.__name__,
            "title": event_type,
            "summary": summary,
        }
        if description:
            message["description"] = description
        message.update(
            {
                "contentType": CONTENT_TYPE,
                "correlationId": {"$ref": f"#/components/correlationIds/{CORRELATION_ID}"},
                "headers": {"$ref": SCHEMAS + HEADERS},
                "payload": _payload(envelope, event_type, refs[contract]),
                "tags": [{"name": producer}],
            }
        )
        messages[event_type] = message
    producers = sorted({c.event_type.split(".", 1)[0] for c in contracts})
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "人大代表建议办理 — domain events",
            "version": _project_version(),
            "description": _DESCRIPTION.format(exchange=exchange, namespace=namespace),
            "tags": [{"name": p, "description": f"Events {p} publishes."} for p in producers],
        },
        "servers": {
            SERVER: {
                "host": "127.0.0.1:5672",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "RabbitMQ as `make run` uses it (guest/guest); vhost `/`.",
            }
        },
        "defaultContentType": CONTENT_TYPE,
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {
            "messages": dict(sorted(messages.items())),
            "schemas": dict(sorted({**schemas, HEADERS: copy.deepcopy(_HEADERS)}.items())),
            "correlationIds": {
                CORRELATION_ID: {
                    "description": (
                        "The CloudEvents `id`, also the AMQP `message_id`: unique per event, so the same id twice is "
                        "the same event delivered twice. The events of one case share the `subject` (the case id)."
                    ),
                    "location": "$message.payload#/id",
                }
            },
        },
    }


def _contract_schemas(
    contracts: list[type[EventData]],
) -> tuple[dict[type[EventData], dict[str, Any]], dict[str, Any]]:
    """Each contract's reference into `components.schemas`, and those schemas (the contracts' and
    the models they use), by name; pydantic names them, qualifying a name two models share."""
    keyed, definitions = models_json_schema([(c, "serialization") for c in contracts], ref_template=SCHEMAS + "{model}")
    refs = {c: dict(keyed[(c, "serialization")]) for c in contracts}
    schemas: dict[str, Any] = definitions.get("$defs", {})
    return refs, dict(sorted(schemas.items()))


def _envelope_schema() -> dict[str, Any]:
    """The envelope's JSON Schema (serialization mode), without `data`."""
    schema = RawEnvelope.model_json_schema(mode="serialization")
    schema["title"] = "Envelope"
    schema["description"] = _first_line(Envelope.__doc__)
    del schema["properties"]["data"]
    return schema


def _payload(envelope: dict[str, Any], event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The envelope of one event type: `type` fixed to it, `data` its contract."""
    payload = copy.deepcopy(envelope)
    payload["title"] = f"Envelope of {event_type}"
    properties: dict[str, Any] = payload["properties"]
    properties["type"] = {
        "const": event_type,
        "description": "The event type, also the AMQP routing key.",
        "title": "Type",
        "type": "string",
    }
    properties["data"] = data
    return payload


def _doc(contract: type[EventData]) -> tuple[str, str]:
    """The contract's docstring: its first line, and the rest."""
    lines = (contract.__doc__ or "").strip().splitlines()
    summary = lines[0].strip() if lines else contract.event_type
    rest = " ".join(line.strip() for line in lines[1:] if line.strip())
    return summary, rest


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text and text.strip() else ""


def _pointer(key: str) -> str:
    """A map key as a JSON Pointer token."""
    return key.replace("~", "~0").replace("/", "~1")


def _project_version() -> str:
    with _PYPROJECT.open("rb") as f:
        return str(tomllib.load(f)["project"]["version"])
