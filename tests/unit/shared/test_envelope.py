"""Event contracts: the CloudEvents envelope, parsing at the door, and the rules contracts obey."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

from shared.contracts import CONTENT_TYPE, registry
from shared.contracts.envelope import ContractRegistry, Envelope, EventData, UnknownEventType, new_envelope
from shared.contracts.intake import DeputyRef, SuggestionRegistered, SuggestionSubmitted

NOW = datetime(2025, 1, 20, 8, 0, 0, 123456, tzinfo=UTC)
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _registered() -> SuggestionRegistered:
    return SuggestionRegistered(
        suggestion_id="s-123",
        congress_id="city-15",
        session="15-2",
        title="关于加快老旧小区加装电梯的建议",
        field="城乡建设",
        kind="session",
        origin="deputy",
        lead_deputy=DeputyRef(id="d-1", name="屠永芳"),
        co_signers=[DeputyRef(id="d-2", name="李四")],
        confidential=True,
        number="15-2-0007",
        sequence=7,
        registered_at=NOW,
        registered_by="staff-9",
    )


def _envelope(**overrides: Any) -> Envelope[Any]:
    args: dict[str, Any] = {
        "source": "/congress/intake",
        "subject": "s-123",
        "congress_id": "city-15",
        "traceparent": TRACEPARENT,
    }
    args.update(overrides)
    return new_envelope(_registered(), **args)


def _wire(envelope: Envelope[Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(envelope.model_dump_json())
    return result


# --- new_envelope ---------------------------------------------------------------------------


def test_new_envelope_fills_the_cloudevents_attributes() -> None:
    env = _envelope()
    assert env.specversion == "1.0"
    assert env.type == env.routing_key == "intake.suggestion.registered.v1"
    assert env.subject == env.case_id == "s-123"
    assert env.congressid == "city-15"
    assert env.source == "/congress/intake"
    assert env.traceparent == TRACEPARENT
    assert env.datacontenttype == "application/json"
    assert env.id
    assert env.time.tzinfo is not None
    assert CONTENT_TYPE == "application/cloudevents+json"


def test_new_envelope_gives_each_event_its_own_id_unless_one_is_given() -> None:
    assert _envelope().id != _envelope().id
    assert _envelope(event_id="evt-1").id == "evt-1"


def test_the_wire_form_is_a_structured_cloudevent_with_the_data_inline() -> None:
    wire = _wire(_envelope(event_id="evt-1", time=NOW))
    assert wire["specversion"] == "1.0"
    assert wire["id"] == "evt-1"
    assert wire["type"] == "intake.suggestion.registered.v1"
    assert wire["congressid"] == "city-15"
    assert wire["data"]["number"] == "15-2-0007"
    assert wire["data"]["lead_deputy"] == {"id": "d-1", "name": "屠永芳", "delegation": ""}
    assert "event_type" not in wire["data"]  # a class attribute, not a field


# --- parse ------------------------------------------------------------------------------------


def test_an_envelope_round_trips_through_bytes_into_the_typed_contract() -> None:
    original = _envelope(event_id="evt-1", time=NOW, tracestate="congo=t61rcWkgMzE")
    parsed = registry.parse(original.model_dump_json().encode())
    assert isinstance(parsed.data, SuggestionRegistered)
    assert parsed.data == original.data
    assert parsed.data.lead_deputy == DeputyRef(id="d-1", name="屠永芳")
    assert parsed.data.registered_at == NOW
    assert (parsed.id, parsed.type, parsed.subject, parsed.congressid, parsed.source) == (
        "evt-1",
        "intake.suggestion.registered.v1",
        "s-123",
        "city-15",
        "/congress/intake",
    )
    assert parsed.time == NOW
    assert (parsed.traceparent, parsed.tracestate) == (TRACEPARENT, "congo=t61rcWkgMzE")
    assert parsed == original


def test_parse_picks_the_contract_from_the_type() -> None:
    submitted = SuggestionSubmitted(
        **_registered().model_dump(include=set(SuggestionSubmitted.model_fields) - {"submitted_at"}), submitted_at=NOW
    )
    env = new_envelope(submitted, source="/congress/intake", subject="s-123", congress_id="city-15")
    assert isinstance(registry.parse(env.model_dump_json().encode()).data, SuggestionSubmitted)


def test_parse_refuses_an_unknown_event_type() -> None:
    wire = _wire(_envelope())
    wire["type"] = "intake.suggestion.vanished.v1"
    with pytest.raises(UnknownEventType):
        registry.parse(json.dumps(wire).encode())


def test_parse_refuses_a_newer_version_nobody_registered() -> None:
    wire = _wire(_envelope())
    wire["type"] = "intake.suggestion.registered.v2"
    with pytest.raises(UnknownEventType):
        registry.parse(json.dumps(wire).encode())


def test_parse_refuses_a_type_that_is_not_a_routing_key() -> None:
    wire = _wire(_envelope())
    wire["type"] = "SuggestionRegistered"
    with pytest.raises(ValidationError):
        registry.parse(json.dumps(wire).encode())


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.pop("number"),
        lambda d: d.update(sequence="seven"),
        lambda d: d.update(lead_deputy="d-1"),
        lambda d: d.update(registered_at="yesterday"),
    ],
    ids=["missing-field", "wrong-type", "wrong-shape", "bad-datetime"],
)
def test_parse_refuses_data_that_breaks_its_contract(breakage: Any) -> None:
    wire = _wire(_envelope())
    breakage(wire["data"])
    with pytest.raises(ValidationError):
        registry.parse(json.dumps(wire).encode())


@pytest.mark.parametrize("attribute", ["id", "source", "subject", "congressid", "time", "type"])
def test_parse_refuses_an_envelope_missing_a_required_attribute(attribute: str) -> None:
    wire = _wire(_envelope())
    del wire[attribute]
    with pytest.raises(ValidationError):
        registry.parse(json.dumps(wire).encode())


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b'{"specversion": "1.0", ', b"[]", '{"id": "\u5efa"'.encode()],
    ids=["empty", "text", "truncated", "array", "unterminated"],
)
def test_parse_refuses_bad_json_with_a_validation_error(body: bytes) -> None:
    with pytest.raises(ValidationError):
        registry.parse(body)


def test_an_unknown_field_in_data_is_ignored() -> None:
    wire = _wire(_envelope())
    wire["data"]["handling_deadline"] = "2025-04-20"  # a field a later producer adds without a new version
    wire["data"]["lead_deputy"]["phone"] = "13800000000"
    parsed = registry.parse(json.dumps(wire).encode())
    assert parsed.type == "intake.suggestion.registered.v1"
    assert isinstance(parsed.data, SuggestionRegistered)
    assert parsed.data == _registered()
    assert not hasattr(parsed.data, "handling_deadline")


def test_a_contract_is_immutable() -> None:
    with pytest.raises(ValidationError):
        _registered().number = "15-2-9999"  # type: ignore[misc]


# --- the contract rules ---------------------------------------------------------------------


def test_every_registered_contract_names_a_versioned_routing_key() -> None:
    types = [c.event_type for c in registry.all()]
    assert "intake.suggestion.submitted.v1" in types
    assert "intake.suggestion.registered.v1" in types
    assert types == sorted(types)
    assert registry.contract_for("intake.suggestion.registered.v1") is SuggestionRegistered


@pytest.mark.parametrize(
    "bad_type",
    [
        "SuggestionRegistered",
        "intake.suggestion.registered",
        "intake.suggestion.registered.1",
        "intake.suggestion.registered.vx",
        "Intake.suggestion.registered.v1",
        "intake.suggestion.registered.v1.extra",
        "intake-svc.suggestion.registered.v1",
        "",
    ],
)
def test_a_contract_with_a_malformed_event_type_is_refused_at_class_definition(bad_type: str) -> None:
    with pytest.raises(TypeError, match="producer"):

        class Broken(EventData):
            event_type: ClassVar[str] = bad_type

            value: int = 0


def test_a_contract_with_a_good_event_type_can_be_defined() -> None:
    class Fine(EventData):
        event_type: ClassVar[str] = "testing.widget_part.was_made.v12"

        value: int = 0

    assert Fine(value=3).value == 3


def test_registering_two_classes_for_one_type_is_refused() -> None:
    contracts = ContractRegistry()

    @contracts.register
    class First(EventData):
        event_type: ClassVar[str] = "testing.widget.made.v1"

    class Second(EventData):
        event_type: ClassVar[str] = "testing.widget.made.v1"

    with pytest.raises(TypeError, match=r"testing\.widget\.made\.v1"):
        contracts.register(Second)
    assert contracts.contract_for("testing.widget.made.v1") is First


def test_registering_the_same_class_twice_is_harmless() -> None:
    contracts = ContractRegistry()

    class Only(EventData):
        event_type: ClassVar[str] = "testing.widget.made.v1"

    assert contracts.register(Only) is Only
    assert contracts.register(Only) is Only
    assert contracts.all() == [Only]


def test_a_fresh_registry_knows_no_types() -> None:
    with pytest.raises(UnknownEventType):
        ContractRegistry().contract_for("intake.suggestion.registered.v1")
