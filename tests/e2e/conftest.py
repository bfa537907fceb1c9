"""End-to-end fixtures: the five services as separate processes, spans collected over OTLP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.testing.helpers import TEST_SECRET
from shared.testing.servers import Servers
from shared.testing.suite import LocalSuite
from shared.tracesink import TraceSink


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[TraceSink]:
    """An OTLP receiver the services export their spans to."""
    s = TraceSink(tmp_path / "spans.jsonl").start()
    yield s
    s.stop()


@pytest.fixture
def suite_factory(servers: Servers, namespace: str, sink: TraceSink, tmp_path: Path) -> Iterator[LocalSuite]:
    """A suite not yet started (tests choose which services to start, and how)."""
    suite = LocalSuite(
        mongo_url=servers.mongo_url,
        amqp_url=servers.amqp_url,
        namespace=namespace,
        db_prefix=f"{namespace}-",
        jwt_secret=TEST_SECRET,
        otlp_endpoint=sink.endpoint,
        log_dir=tmp_path / "logs",
        environment="test",
    )
    try:
        yield suite
    finally:
        suite.stop()


@pytest.fixture
def suite(suite_factory: LocalSuite) -> LocalSuite:
    """All five services running."""
    return suite_factory.start()
