"""Servers this machine can run itself: its RabbitMQ, and SecantusDB as the MongoDB stand-in."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_local_rabbitmq(host: str = "127.0.0.1", port: int = 5672, wait_s: float = 90.0) -> str:
    """The machine's RabbitMQ, started with `rabbitmq-server -detached` if it is down; its URL."""
    url = f"amqp://guest:guest@{host}:{port}/"
    if port_open(host, port):
        _ensure_app_running()
        return url
    if shutil.which("rabbitmq-server") is None:
        raise RuntimeError(f"RabbitMQ is not reachable at {host}:{port} and rabbitmq-server is not installed")
    subprocess.run(["rabbitmq-server", "-detached"], check=False, capture_output=True)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if port_open(host, port):
            return url
        time.sleep(0.5)
    raise RuntimeError(f"RabbitMQ did not come up at {host}:{port} within {wait_s:.0f}s")


def _ensure_app_running() -> None:
    # A previous run may have stopped the app (rabbitmqctl stop_app) and died before starting it.
    if shutil.which("rabbitmqctl") is None:
        return
    status = subprocess.run(["rabbitmqctl", "-q", "ping"], capture_output=True, text=True, timeout=60)
    if status.returncode != 0:
        subprocess.run(["rabbitmqctl", "start_app"], capture_output=True, timeout=120)


def secantusd_command() -> list[str]:
    """How to start the SecantusDB daemon from this environment."""
    exe = Path(sys.executable).with_name("secantusd-py")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("secantusd-py")
    if found:
        return [found]
    raise RuntimeError("secantusd-py not found: install the dev dependencies (make setup)")


class SecantusServer:
    """A SecantusDB daemon on a free port, with its data in a directory (a temporary one by default)."""

    def __init__(self, port: int | None = None, storage: str | None = None, log_path: str | None = None) -> None:
        self.port = port or free_port()
        self._tmp = None if storage else tempfile.mkdtemp(prefix="secantus-")
        self.storage = storage or self._tmp or ""
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The MongoDB URL of this server."""
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self, wait_s: float = 60.0) -> SecantusServer:
        """Start the daemon and wait until it answers ping."""
        Path(self.storage).mkdir(parents=True, exist_ok=True)
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                *secantusd_command(),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--storage-path",
                self.storage,
                "--log-level",
                "WARNING",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"secantusd-py exited with {self.process.returncode}")
            if port_open("127.0.0.1", self.port):
                try:
                    client: MongoClient[dict[str, object]]
                    with MongoClient(self.url, serverSelectionTimeoutMS=1000) as client:
                        client.admin.command("ping")
                    return self
                except PyMongoError:
                    pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"SecantusDB did not answer on port {self.port} within {wait_s:.0f}s")

    def stop(self) -> None:
        """Stop the daemon and remove a temporary data directory."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> SecantusServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def rabbitmqctl(*args: str) -> None:
    """Run rabbitmqctl on the local broker (root on this machine)."""
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120, env={**os.environ})
