"""Fixtures every test layer shares: real servers, a unique namespace per test, captured spans."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pymongo import AsyncMongoClient

from shared.testing.helpers import delete_namespace
from shared.testing.servers import Servers, provide_servers
from shared.tracing import CaseIdSpanProcessor

RUN_ID = uuid.uuid4().hex[:8]
SPANS = InMemorySpanExporter()


def pytest_configure(config: pytest.Config) -> None:
    """Install an in-memory span exporter before any app configures tracing."""
    provider = TracerProvider()
    provider.add_span_processor(CaseIdSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(SPANS))
    trace.set_tracer_provider(provider)


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    """MongoDB-compatible server and RabbitMQ for the whole run."""
    with provide_servers() as s:
        yield s


@pytest.fixture
async def namespace(servers: Servers) -> AsyncIterator[str]:
    """A namespace (bus prefix and database prefix) of this test alone; removed afterwards."""
    ns = f"t{RUN_ID}{uuid.uuid4().hex[:6]}"
    yield ns
    await delete_namespace(servers.amqp_url, ns)
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(servers.mongo_url)
    try:
        for name in await client.list_database_names():
            if name.startswith(ns):
                await client.drop_database(name)
    finally:
        await client.close()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Spans finished during the test."""
    SPANS.clear()
    yield SPANS
