"""The whole suite on this machine: five service processes against given servers.

Used by `make run` (scripts/run_suite.py), `make demo` and the end-to-end tests. Each service is a
separate `python -m services.<name>` process with its settings in its environment.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.testing.local import free_port

SERVICES = ["intake", "assignment", "supervision", "evaluation", "notify"]
DEFAULT_PORTS = {"intake": 8001, "assignment": 8002, "supervision": 8003, "evaluation": 8004, "notify": 8005}
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LocalSuite:
    """Five service processes sharing a MongoDB, a RabbitMQ and a bus namespace."""

    mongo_url: str
    amqp_url: str
    namespace: str = "congress"
    db_prefix: str = ""
    jwt_secret: str = ""
    otlp_endpoint: str | None = None
    log_dir: Path = field(default_factory=lambda: ROOT / ".run" / "logs")
    ports: dict[str, int] = field(default_factory=dict)
    environment: str = "development"
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in SERVICES:
            self.ports.setdefault(name, free_port())
        self.log_dir.mkdir(parents=True, exist_ok=True)

    def url(self, service: str) -> str:
        """The base URL of a service."""
        return f"http://127.0.0.1:{self.ports[service]}"

    def env_for(self, service: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The environment a service process runs with."""
        prefix = service.upper() + "_"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "FAILPOINTS"))}
        values = {
            "ENVIRONMENT": self.environment,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(self.ports[service]),
            "PUBLIC_BASE_URL": self.url(service),
            "MONGO_URL": self.mongo_url,
            "MONGO_DB": f"{self.db_prefix}{service}",
            "AMQP_URL": self.amqp_url,
            "BUS_NAMESPACE": self.namespace,
            "OUTBOX_POLL_SECONDS": "2",
        }
        if self.jwt_secret:
            values["JWT_SECRET"] = self.jwt_secret
        if service == "notify":
            values["PORTAL_URL"] = self.url("intake")
        env.update({prefix + k: v for k, v in values.items()})
        env["OTEL_SERVICE_NAME"] = service
        if self.otlp_endpoint:
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = self.otlp_endpoint
            env["OTEL_BSP_SCHEDULE_DELAY"] = "200"
        env["PYTHONPATH"] = str(ROOT)
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.extra_env)
        env.update(extra or {})
        return env

    def start_service(self, service: str, extra_env: dict[str, str] | None = None, wait: bool = True) -> None:
        """Start one service process (and wait until it is ready)."""
        log = (self.log_dir / f"{service}.log").open("ab")
        self.processes[service] = subprocess.Popen(
            [sys.executable, "-m", f"services.{service}"],
            cwd=ROOT,
            env=self.env_for(service, extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            self.wait_ready(service)

    def wait_ready(self, service: str, timeout: float = 90.0) -> None:
        """Wait until /readyz answers 200; raise with the log's tail if the process dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes[service]
            if process.poll() is not None:
                raise RuntimeError(f"{service} exited with {process.returncode}:\n{self.log_tail(service)}")
            try:
                if httpx.get(self.url(service) + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{service} not ready within {timeout:.0f}s:\n{self.log_tail(service)}")

    def wait_exit(self, service: str, timeout: float = 30.0) -> int:
        """Wait for a service process to end by itself; its exit code."""
        return self.processes[service].wait(timeout=timeout)

    def stop_service(self, service: str, sig: int = signal.SIGTERM) -> None:
        """Stop a service process (SIGKILL to simulate a crash)."""
        process = self.processes.pop(service, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def start(self, services: list[str] | None = None) -> LocalSuite:
        """Start the services (all five by default) and wait until each is ready."""
        names = services or SERVICES
        for name in names:
            self.start_service(name, wait=False)
        for name in names:
            self.wait_ready(name)
        return self

    def stop(self) -> None:
        """Stop every service process."""
        for name in list(self.processes):
            self.stop_service(name)

    def log_tail(self, service: str, lines: int = 40) -> str:
        """The end of a service's log."""
        path = self.log_dir / f"{service}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> LocalSuite:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
