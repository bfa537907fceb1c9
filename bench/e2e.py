"""End to end across processes: the five services (LocalSuite) driven at a steady rate over HTTP.

Each journey uses its own deputy, so the deputy's unread count going from 0 to 1 is exactly the
notification of this suggestion arriving: the client polls GET /inbox/unread-count from the
moment the register response is in until it does. Arrivals are open-loop (one journey every
1/rate seconds, whatever the previous ones are doing), for a bounded count. The client polls with
growing waits (PollPolicy) so that measuring does not become the load.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from bench.backlog import BacklogSampler
from bench.cpu import CpuMeter, rabbitmq_pid, secantus_pid
from bench.flow import CONGRESS_ID, IntakeFlow
from bench.stats import Summary
from services.intake.store import DEPUTIES, SUGGESTIONS
from shared.auth import Role
from shared.settings import ServiceSettings
from shared.testing.helpers import TEST_SECRET, token
from shared.testing.journeys import inbox
from shared.testing.suite import SERVICES, LocalSuite

AUTH = ServiceSettings(jwt_secret=TEST_SECRET)


@dataclass(frozen=True)
class PollPolicy:
    """How a waiting client polls: at once, then after `first_s`, each wait `growth` times longer, up to `max_s`.

    A fixed short interval would flood notify and the shared database as soon as notifications lag
    (every waiting client polling 50 times a second), and the lag would feed on itself. With growing
    waits the error is at most one wait (about a fifth of the delay, never more than `max_s`) plus a
    poll's round trip, and a journey polls a dozen times rather than hundreds.
    """

    first_s: float = 0.010
    growth: float = 1.25
    max_s: float = 0.100

    def describe(self) -> str:
        """One line for the report."""
        return f"{self.first_s * 1000:g} ms, ×{self.growth:g} per poll, at most {self.max_s * 1000:g} ms"


WARMUP = 3
WINDOW_S = 5.0


@dataclass
class Journey:
    """One suggestion's trip, in seconds (None where it did not get that far)."""

    deputy: str
    started: float = 0.0
    draft_s: float | None = None
    submit_s: float | None = None
    register_s: float | None = None
    notified_s: float | None = None  # register response → unread count 1, as the polling client saw it
    created_s: float | None = None  # register response → notify's created_at on the notification (wall clocks)
    polls: int = 0
    resolution_s: float | None = None  # last poll that saw 0 sent → the one that saw 1 answered
    error: str | None = None


@dataclass
class E2EResult:
    """What the end-to-end run measured."""

    flow: str
    tracing: str
    rate: float
    planned: int
    offered_rate: float
    completed: int
    failed: int
    errors: dict[str, int]
    polling: str
    polls_per_journey: float
    polls_per_s: float
    poll_resolution: Summary
    draft: Summary
    submit: Summary
    register: Summary
    notified: Summary
    notified_by_created_at: Summary
    load_s: float
    windows: list[dict[str, float]] = field(default_factory=list)
    backlog: dict[str, dict[str, float]] = field(default_factory=dict)
    cpu_percent: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """JSON-friendly."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, Summary):
                out[key] = value.as_json()
            elif isinstance(value, float):
                out[key] = round(value, 3)
            elif key == "windows":
                out[key] = [{k: (None if math.isnan(v) else v) for k, v in w.items()} for w in value]
            else:
                out[key] = value
        return out


def _describe(exc: BaseException) -> str:
    """An error as a short line that is the same for every journey it happens to (no hosts, no ids)."""
    if isinstance(exc, httpx.HTTPStatusError):
        r = exc.response
        text = f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = re.sub(r"https?://[^/\s]+", "", text)
    text = re.sub(r"/[^/\s]*\d[^/\s]*", "/{id}", text)
    return text[:200]


class Driver:
    """Runs journeys against a started suite."""

    def __init__(
        self, suite: LocalSuite, http: httpx.AsyncClient, flow: IntakeFlow, *, poll: PollPolicy, wait_s: float
    ):
        self.suite = suite
        self.http = http
        self.flow = flow
        self.poll = poll
        self.wait_s = wait_s
        self.staff = token(AUTH, "bench-staff", Role.STAFF, congress_id=CONGRESS_ID)
        self.notify = suite.url("notify")

    async def journey(self, deputy: str, name: str) -> Journey:
        """Submit → register → wait for the deputy's notification."""
        j = Journey(deputy=deputy, started=time.perf_counter())
        headers = token(AUTH, deputy, Role.DEPUTY, congress_id=CONGRESS_ID, name=name)
        try:
            submitted = await self.flow.submit(self.http, headers)
            j.draft_s, j.submit_s = submitted.draft_s, submitted.submit_s
            began = time.perf_counter()
            await self.flow.register(self.http, self.staff, submitted.suggestion_id)
            registered, registered_wall = time.perf_counter(), time.time()
            j.register_s = registered - began
            wait, last_miss = self.poll.first_s, registered
            while True:
                sent = time.perf_counter()
                r = await self.http.get(f"{self.notify}/inbox/unread-count", headers=headers)
                r.raise_for_status()
                j.polls += 1
                if int(r.json()["unread"]) >= 1:
                    seen = time.perf_counter()
                    j.notified_s, j.resolution_s = seen - registered, seen - last_miss
                    break
                last_miss = sent
                if time.perf_counter() - registered > self.wait_s:
                    j.error = f"no notification within {self.wait_s:.0f}s"
                    return j
                await asyncio.sleep(wait)
                wait = min(wait * self.poll.growth, self.poll.max_s)
            notes = await inbox(self.http, self.notify, headers)
            if notes:
                created = datetime.fromisoformat(str(notes[0]["created_at"]))
                j.created_s = created.timestamp() - registered_wall
        except (httpx.HTTPError, AssertionError, KeyError, ValueError) as exc:
            j.error = _describe(exc)
        return j


async def drive(
    suite: LocalSuite,
    *,
    rate: float,
    duration_s: float,
    poll: PollPolicy,
    wait_s: float,
    tracing: str,
    mongo_url: str,
) -> E2EResult:
    """Warm up, then run `rate × duration_s` journeys at a steady rate; summarise."""
    planned = max(1, round(rate * duration_s))
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=50)
    async with httpx.AsyncClient(timeout=20.0, limits=limits) as http:
        flow = IntakeFlow(suite.url("intake"))
        deputies = [(f"bench-dep-{i:04d}", f"代表{i:04d}", "基准代表团") for i in range(planned + WARMUP)]
        driver = Driver(suite, http, flow, poll=poll, wait_s=wait_s)
        await flow.prepare(http, driver.staff, deputies)
        for deputy, name, _ in deputies[:WARMUP]:  # connections, caches, first index use: not measured
            warm = await driver.journey(deputy, name)
            if warm.error:
                raise RuntimeError(f"warm-up journey failed: {warm.error}")

        meter = CpuMeter()
        for service in SERVICES:
            process = suite.processes.get(service)
            meter.add(service, process.pid if process else None)
        meter.add("secantusdb", secantus_pid(mongo_url))
        meter.add("rabbitmq", rabbitmq_pid())
        meter.add("bench client", os.getpid())

        sampler = BacklogSampler(
            mongo_url=mongo_url,
            amqp_url=suite.amqp_url,
            namespace=suite.namespace,
            database=f"{suite.db_prefix}intake",
            collections=[SUGGESTIONS, DEPUTIES],
            services=SERVICES,
        )
        tasks: list[asyncio.Task[Journey]] = []
        meter.start()
        sampler.start()
        first = time.perf_counter() + 0.05
        for i, (deputy, name, _) in enumerate(deputies[WARMUP:]):
            delay = first + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(driver.journey(deputy, name), name=f"journey-{i}"))
        try:
            journeys = await asyncio.gather(*tasks)
        finally:
            backlog = await sampler.stop()
        load_s = time.perf_counter() - first
        cpu = meter.stop()

    ok = [j for j in journeys if j.error is None]
    starts = sorted(j.started for j in journeys)
    offered = (len(starts) - 1) / (starts[-1] - starts[0]) if len(starts) > 1 else 0.0
    drafts = [j.draft_s for j in ok if j.draft_s is not None]
    return E2EResult(
        flow=flow.description,
        tracing=tracing,
        rate=rate,
        planned=planned,
        offered_rate=offered,
        completed=len(ok),
        failed=len(journeys) - len(ok),
        errors=dict(Counter(j.error for j in journeys if j.error is not None).most_common(5)),
        polling=poll.describe(),
        polls_per_journey=statistics.fmean([j.polls for j in ok]) if ok else 0.0,
        polls_per_s=sum(j.polls for j in journeys) / load_s if load_s > 0 else 0.0,
        poll_resolution=Summary.of_seconds([j.resolution_s for j in ok if j.resolution_s is not None]),
        draft=Summary.of_seconds(drafts),
        submit=Summary.of_seconds([j.submit_s for j in journeys if j.submit_s is not None]),
        register=Summary.of_seconds([j.register_s for j in journeys if j.register_s is not None]),
        notified=Summary.of_seconds([j.notified_s for j in ok if j.notified_s is not None]),
        notified_by_created_at=Summary.of_seconds([j.created_s for j in ok if j.created_s is not None]),
        load_s=load_s,
        windows=_windows(journeys, first, WINDOW_S),
        backlog=backlog,
        cpu_percent=cpu,
    )


def _windows(journeys: list[Journey], first: float, width_s: float) -> list[dict[str, float]]:
    """Medians per `width_s` of arrivals, to see whether latency drifts during the run (milliseconds)."""
    buckets: dict[int, list[Journey]] = {}
    for j in journeys:
        buckets.setdefault(int((j.started - first) // width_s), []).append(j)
    out: list[dict[str, float]] = []
    for index in sorted(buckets):
        group = buckets[index]

        def median_ms(values: list[float | None]) -> float:
            present = [v for v in values if v is not None]
            return round(statistics.median(present) * 1000, 1) if present else math.nan

        out.append(
            {
                "from_s": index * width_s,
                "journeys": len(group),
                "submit_ms": median_ms([j.submit_s for j in group]),
                "register_ms": median_ms([j.register_s for j in group]),
                "in_inbox_ms": median_ms([j.notified_s for j in group]),
                "polls": statistics.median([j.polls for j in group]),
            }
        )
    return out
