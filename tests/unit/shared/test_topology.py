"""Broker names under a namespace, the declarations they lead to, and a service's handler table."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from faststream.rabbit import ExchangeType

from shared.bus.consumer import EventHandlers
from shared.bus.topology import Topology
from shared.contracts.envelope import Envelope, EventData
from shared.contracts.intake import SuggestionRegistered, SuggestionSubmitted


def _all_names(t: Topology, service: str) -> list[str]:
    return [
        t.exchange,
        t.unrouted,
        t.queue(service),
        t.dead_letter_exchange(service),
        t.parking(service),
        t.retry_queue(service, 1_000),
    ]


# --- names ---------------------------------------------------------------------------------


def test_names_follow_the_documented_layout() -> None:
    t = Topology("congress")
    assert t.exchange == "congress.events"
    assert t.unrouted == "congress.events.unrouted"
    assert t.queue("notify") == "congress.notify"
    assert t.dead_letter_exchange("notify") == "congress.notify.dlx"
    assert t.parking("notify") == "congress.notify.parking"


@pytest.mark.parametrize("delay_ms", [1_000, 5_000, 30_000, 120_000])
def test_retry_queue_names_carry_service_and_delay(delay_ms: int) -> None:
    assert Topology("congress").retry_queue("notify", delay_ms) == f"congress.notify.retry.{delay_ms}"


def test_each_delay_has_its_own_retry_queue() -> None:
    t = Topology("congress")
    names = {t.retry_queue("notify", d) for d in [1_000, 5_000, 30_000, 120_000]}
    assert len(names) == 4


def test_every_name_starts_with_the_namespace_and_a_dot() -> None:
    for name in _all_names(Topology("t1a2b3"), "intake"):
        assert name.startswith("t1a2b3.")


def test_two_namespaces_share_no_name() -> None:
    a, b = Topology("ta"), Topology("tb")
    assert not set(_all_names(a, "notify")) & set(_all_names(b, "notify"))


def test_two_services_in_one_namespace_share_only_the_events_exchange() -> None:
    t = Topology("congress")
    shared = set(_all_names(t, "notify")) & set(_all_names(t, "assignment"))
    assert shared == {t.exchange, t.unrouted}


# --- declarations ---------------------------------------------------------------------------


def test_the_events_exchange_is_a_durable_topic_with_the_unrouted_alternate() -> None:
    t = Topology("congress")
    exchange = t.events_exchange()
    assert exchange.name == "congress.events"
    assert exchange.type == ExchangeType.TOPIC
    assert exchange.durable
    assert exchange.arguments == {"alternate-exchange": "congress.events.unrouted"}


def test_a_service_queue_is_quorum_and_dead_letters_to_its_own_exchange() -> None:
    queue = Topology("congress").service_queue("notify", delivery_limit=20)
    assert queue.name == "congress.notify"
    assert queue.durable
    args: dict[str, Any] = dict(queue.arguments or {})
    assert args["x-queue-type"] == "quorum"
    assert args["x-dead-letter-exchange"] == "congress.notify.dlx"
    assert args["x-delivery-limit"] == 20
    assert args["x-dead-letter-strategy"] == "at-least-once"
    assert args["x-overflow"] == "reject-publish"


# --- EventHandlers --------------------------------------------------------------------------


async def _handle_registered(event: Envelope[SuggestionRegistered]) -> None:
    return None


async def _handle_submitted(event: Envelope[SuggestionSubmitted]) -> None:
    return None


class _Aardvark(EventData):
    event_type: ClassVar[str] = "zoo.aardvark.arrived.v1"


async def _handle_aardvark(event: Envelope[_Aardvark]) -> None:
    return None


def test_routing_keys_are_the_handled_types_sorted() -> None:
    handlers = EventHandlers()
    handlers.add(SuggestionSubmitted, _handle_submitted)
    handlers.add(_Aardvark, _handle_aardvark)
    handlers.add(SuggestionRegistered, _handle_registered)
    assert handlers.routing_keys == [
        "intake.suggestion.registered.v1",
        "intake.suggestion.submitted.v1",
        "zoo.aardvark.arrived.v1",
    ]


def test_no_handlers_means_no_bindings() -> None:
    assert EventHandlers().routing_keys == []


def test_get_returns_the_handler_of_a_type_or_none() -> None:
    handlers = EventHandlers()
    handlers.add(SuggestionRegistered, _handle_registered)
    assert handlers.get("intake.suggestion.registered.v1") is _handle_registered
    assert handlers.get("intake.suggestion.submitted.v1") is None
    assert handlers.get("intake.suggestion.registered.v2") is None


def test_a_second_handler_for_one_type_is_refused_and_the_first_stays() -> None:
    handlers = EventHandlers()
    handlers.add(SuggestionRegistered, _handle_registered)
    with pytest.raises(ValueError, match=r"intake\.suggestion\.registered\.v1"):
        handlers.add(SuggestionRegistered, _handle_submitted)  # type: ignore[arg-type]
    assert handlers.get("intake.suggestion.registered.v1") is _handle_registered
    assert handlers.routing_keys == ["intake.suggestion.registered.v1"]
