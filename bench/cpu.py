"""CPU time of the processes involved, from /proc (Linux), to see who is busy during a measurement."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROC = Path("/proc")
_TICK = float(os.sysconf("SC_CLK_TCK")) if hasattr(os, "sysconf") else 100.0


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a process, or None if it is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    rest = text[text.rfind(")") + 2 :].split()
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / _TICK


def _all_stats() -> dict[int, tuple[int, float]]:
    out: dict[int, tuple[int, float]] = {}
    if not PROC.is_dir():
        return out
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                out[int(entry.name)] = stat
    return out


def _cmdline(pid: int) -> list[str]:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def find_pid(*needles: str) -> int | None:
    """The lowest pid whose command line contains every needle (as substrings of its arguments)."""
    if not PROC.is_dir():
        return None
    for entry in sorted((e for e in PROC.iterdir() if e.name.isdigit()), key=lambda e: int(e.name)):
        joined = " ".join(_cmdline(int(entry.name)))
        if joined and all(needle in joined for needle in needles):
            return int(entry.name)
    return None


def secantus_pid(mongo_url: str) -> int | None:
    """The SecantusDB daemon serving `mongo_url`, if it runs on this machine."""
    port = urlsplit(mongo_url).port
    return find_pid("secantusd", f"--port {port}") if port else None


def rabbitmq_pid() -> int | None:
    """The local RabbitMQ node's Erlang VM, if any."""
    return find_pid("beam.smp", "rabbit")


@dataclass
class CpuMeter:
    """CPU seconds used by labelled processes (each with its descendants) between start() and stop()."""

    roots: dict[str, int] = field(default_factory=dict)
    _start: dict[str, float] = field(default_factory=dict)
    _wall: float = 0.0

    def add(self, label: str, pid: int | None) -> None:
        """Watch a process (ignored when pid is None)."""
        if pid is not None:
            self.roots[label] = pid

    def _snapshot(self) -> dict[str, float]:
        stats = _all_stats()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _) in stats.items():
            children.setdefault(ppid, []).append(pid)
        out: dict[str, float] = {}
        for label, root in self.roots.items():
            total, stack = 0.0, [root]
            while stack:
                pid = stack.pop()
                if pid in stats:
                    total += stats[pid][1]
                stack.extend(children.get(pid, []))
            out[label] = total
        return out

    def start(self) -> None:
        """Begin a measurement."""
        self._start = self._snapshot()
        self._wall = time.perf_counter()

    def stop(self) -> dict[str, float]:
        """Share of one core each process used since start(), in percent (200 = both cores of two)."""
        end = self._snapshot()
        wall = max(time.perf_counter() - self._wall, 1e-9)
        return {
            label: round(100.0 * (end[label] - self._start.get(label, end[label])) / wall, 1)
            for label in end
            if label in self._start
        }
