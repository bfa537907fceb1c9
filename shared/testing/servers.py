"""Real servers for the tests, in this order of choice:

1. URLs from the environment: TEST_MONGO_URL, TEST_AMQP_URL;
2. testcontainers (MongoDB 7, RabbitMQ 3.13) when a Docker engine answers;
3. local servers: the machine's RabbitMQ (started if down) and SecantusDB on a free port.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from shared.testing.local import SecantusServer, ensure_local_rabbitmq, rabbitmqctl


@dataclass
class Servers:
    """Where the tests' MongoDB and RabbitMQ are, and how to stop and start the broker's app."""

    mongo_url: str
    amqp_url: str
    mongo_kind: str
    amqp_kind: str
    broker_control: Callable[[str], None] | None = field(default=None, repr=False)


def _docker_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def provide_servers() -> Iterator[Servers]:
    """Yield running servers for a test session and clean up what was started."""
    with contextlib.ExitStack() as stack:
        mongo_url = os.environ.get("TEST_MONGO_URL")
        amqp_url = os.environ.get("TEST_AMQP_URL")
        mongo_kind = "env" if mongo_url else ""
        amqp_kind = "env" if amqp_url else ""
        control: Callable[[str], None] | None = None
        docker_ok = (not mongo_url or not amqp_url) and os.environ.get("TEST_NO_DOCKER") != "1" and _docker_answers()
        if not mongo_url and docker_ok:
            from testcontainers.mongodb import MongoDbContainer

            mongo = stack.enter_context(MongoDbContainer("mongo:7"))
            mongo_url = mongo.get_connection_url()
            mongo_kind = "testcontainers"
        if not amqp_url and docker_ok:
            from testcontainers.rabbitmq import RabbitMqContainer

            rabbit = stack.enter_context(RabbitMqContainer("rabbitmq:3.13-management"))
            host, port = rabbit.get_container_host_ip(), rabbit.get_exposed_port(5672)
            amqp_url = f"amqp://guest:guest@{host}:{port}/"
            amqp_kind = "testcontainers"

            def control(action: str) -> None:
                rabbit.exec(["rabbitmqctl", action])

        if not mongo_url:
            server = stack.enter_context(SecantusServer())
            mongo_url = server.url
            mongo_kind = "secantusdb"
        if not amqp_url:
            amqp_url = ensure_local_rabbitmq()
            amqp_kind = "local"

            def control(action: str) -> None:
                rabbitmqctl(action)

        yield Servers(mongo_url, amqp_url, mongo_kind, amqp_kind, control)
