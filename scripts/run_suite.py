"""`make run`: the whole suite on this machine, without Docker.

RabbitMQ: the machine's own (started with `rabbitmq-server -detached` if it is down), or AMQP_URL.
MongoDB: SecantusDB started here with its data in .run/secantus-data, or MONGO_URL.
Traces: an OTLP sink writing .run/spans.jsonl (or OTEL_EXPORTER_OTLP_ENDPOINT if you run Jaeger).
Then the five services as separate processes, on ports 8001-8005.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.settings import DEV_SECRET  # noqa: E402
from shared.testing.local import SecantusServer, ensure_local_rabbitmq, port_open  # noqa: E402
from shared.testing.suite import DEFAULT_PORTS, SERVICES, LocalSuite  # noqa: E402
from shared.tracesink import TraceSink  # noqa: E402

RUN = ROOT / ".run"
STATE = RUN / "suite.json"


@contextlib.contextmanager
def local_stack(mongo_port: int = 27017, sink_port: int = 4318) -> Iterator[LocalSuite]:
    """Servers, trace sink and the five services; everything stopped on exit."""
    RUN.mkdir(exist_ok=True)
    with contextlib.ExitStack() as stack:
        amqp_url = os.environ.get("AMQP_URL") or ensure_local_rabbitmq()
        mongo_url = os.environ.get("MONGO_URL")
        if not mongo_url:
            port = mongo_port if not port_open("127.0.0.1", mongo_port) else 0
            mongo = SecantusServer(
                port=port or None, storage=str(RUN / "secantus-data"), log_path=str(RUN / "secantus.log")
            )
            stack.enter_context(mongo)
            mongo_url = mongo.url
        otlp = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        sink = None
        if not otlp:
            sink = TraceSink(RUN / "spans.jsonl", port=sink_port if not port_open("127.0.0.1", sink_port) else 0)
            sink.start()
            stack.callback(sink.stop)
            otlp = sink.endpoint
        ports = {s: p for s, p in DEFAULT_PORTS.items() if not port_open("127.0.0.1", p)}
        suite = LocalSuite(
            mongo_url=mongo_url,
            amqp_url=amqp_url,
            jwt_secret=os.environ.get("JWT_SECRET", DEV_SECRET),
            otlp_endpoint=otlp,
            log_dir=RUN / "logs",
            ports=ports,
        )
        stack.callback(suite.stop)
        suite.start()
        STATE.write_text(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "mongo_url": mongo_url,
                    "amqp_url": amqp_url,
                    "urls": {s: suite.url(s) for s in SERVICES},
                    "spans_file": str(sink.path) if sink else None,
                    "otlp_endpoint": otlp,
                },
                indent=2,
            )
        )
        stack.callback(lambda: STATE.unlink(missing_ok=True))
        yield suite


def main() -> None:
    """Run until Ctrl-C or SIGTERM."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with local_stack() as suite:
        print("The suite is running (Ctrl-C stops it):")
        for service in SERVICES:
            print(f"  {service:<12} {suite.url(service)}   docs: {suite.url(service)}/docs")
        print(f"  MongoDB      {suite.mongo_url}")
        print(f"  RabbitMQ     {suite.amqp_url}  (management UI, if enabled: http://127.0.0.1:15672)")
        print(f"  traces       {suite.otlp_endpoint} → .run/spans.jsonl")
        print(f"  logs         {suite.log_dir}/<service>.log")
        print("A token:  uv run python -m shared.auth --sub dep-1 --congress demo --role deputy --name 屠永芳")
        print("Try it:   make demo")
        try:
            while all(p.poll() is None for p in suite.processes.values()):
                time.sleep(1)
            dead = [s for s, p in suite.processes.items() if p.poll() is not None]
            print(f"stopped: {', '.join(dead)} exited; see .run/logs/")
        except KeyboardInterrupt:
            print("\nstopping…")


if __name__ == "__main__":
    main()
