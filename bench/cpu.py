"""CPU time of the processes involved, from /proc (Linux), to see who is busy during a measurement."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROC = Path("/proc")
MACHINE = "whole machine"
OTHERS = "everything else on the machine"
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


def _machine_jiffies() -> tuple[float, float]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    try:
        fields = [float(v) for v in (PROC / "stat").read_text().splitlines()[0].split()[1:9]]
    except (OSError, ValueError, IndexError):
        return 0.0, 0.0
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


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
    """CPU used by labelled processes between start() and stop(), each with its descendants not watched themselves."""

    roots: dict[str, int] = field(default_factory=dict)
    _start: dict[str, dict[int, float]] = field(default_factory=dict)
    _wall: float = 0.0
    _machine: tuple[float, float] = (0.0, 0.0)

    def add(self, label: str, pid: int | None) -> None:
        """Watch a process (ignored when pid is None)."""
        if pid is not None:
            self.roots[label] = pid

    def _snapshot(self) -> dict[str, dict[int, float]]:
        """Per label: CPU seconds of each process in the tree now."""
        stats = _all_stats()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _) in stats.items():
            children.setdefault(ppid, []).append(pid)
        watched = set(self.roots.values())
        out: dict[str, dict[int, float]] = {}
        for label, root in self.roots.items():
            tree: dict[int, float] = {}
            stack = [root]
            while stack:
                pid = stack.pop()
                if pid in stats:
                    tree[pid] = stats[pid][1]
                # a watched process started by another one (a service by the bench) counts for itself only
                stack.extend(c for c in children.get(pid, []) if c not in watched)
            out[label] = tree
        return out

    def start(self) -> None:
        """Begin a measurement."""
        self._start = self._snapshot()
        self._machine = _machine_jiffies()
        self._wall = time.perf_counter()

    def stop(self) -> dict[str, float]:
        """Share of one core each process used since start(), in percent (200 = both cores of two).

        Also the whole machine (MACHINE) and what processes not watched here used (OTHERS).

        Counted per process of the tree: one that ended meanwhile is left out, one that began counts whole.
        """
        end = self._snapshot()
        wall = max(time.perf_counter() - self._wall, 1e-9)
        out: dict[str, float] = {}
        for label, tree in end.items():
            if label not in self._start or not tree:
                continue
            before = self._start[label]
            used = sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in tree.items())
            out[label] = round(100.0 * used / wall, 1)
        busy, total = _machine_jiffies()
        if total > self._machine[1]:
            cores = os.cpu_count() or 1
            machine = 100.0 * cores * (busy - self._machine[0]) / (total - self._machine[1])
            out[MACHINE] = round(machine, 1)
            out[OTHERS] = round(max(0.0, machine - sum(v for k, v in out.items() if k != MACHINE)), 1)
        return out
