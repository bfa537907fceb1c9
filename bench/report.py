"""The bench's report: readable text for the terminal, the same numbers as JSON."""

from __future__ import annotations

import math
import os
import platform
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.cpu import MACHINE, OTHERS
from bench.e2e import E2EResult
from bench.spine import SpineResult
from bench.stats import Summary


@dataclass
class BenchReport:
    """Everything one `python -m bench` run found."""

    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    servers: dict[str, str] = field(default_factory=dict)
    namespaces: list[str] = field(default_factory=list)
    spine: SpineResult | None = None
    e2e: E2EResult | None = None
    # intake: the similarity index on 5,000 suggestions, and importing + checking 1,000 through the API
    similarity: dict[str, float] | None = None
    intake: dict[str, Any] | None = None
    routing: dict[str, float] | None = None
    # assignment: 1,000 cases through proposals, pre-assignment, the window sweep and a batch assignment
    assignment: dict[str, Any] | None = None
    # supervision: a traffic-light sweep and the yearly figures over 100,000 cases
    supervision: dict[str, Any] | None = None
    # notify: notifications per second to the inbox, and the event → inbox delay at a steady rate
    notify: dict[str, Any] | None = None
    queues_left: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    cleanup_problems: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    interrupted: bool = False

    @property
    def parked(self) -> dict[str, int]:
        """Messages a handler could not take, left in parking queues."""
        return {k: v for k, v in self.queues_left.items() if k.endswith(".parking")}

    @property
    def ok(self) -> bool:
        """True when every measurement ran to the end and nothing was parked."""
        spine_ok = self.spine is None or self.spine.outcome == "done"
        e2e_ok = self.e2e is None or self.e2e.failed == 0
        return not self.errors and not self.interrupted and not self.parked and spine_ok and e2e_ok

    def as_json(self) -> dict[str, Any]:
        """The numbers, for .run/bench.json."""
        return {
            "started_at": self.started_at.isoformat(),
            "machine": machine(),
            "servers": self.servers,
            "namespaces": self.namespaces,
            "spine": self.spine.as_json() if self.spine else None,
            "e2e": self.e2e.as_json() if self.e2e else None,
            "similarity": self.similarity,
            "intake": self.intake,
            "routing": self.routing,
            "assignment": self.assignment,
            "supervision": self.supervision,
            "notify": self.notify,
            "queues_left": self.queues_left,
            "parked": self.parked,
            "errors": self.errors,
            "cleanup_problems": self.cleanup_problems,
            "elapsed_s": round(self.elapsed_s, 1),
            "interrupted": self.interrupted,
            "ok": self.ok,
        }


def machine() -> dict[str, Any]:
    """Where the numbers come from."""
    return {
        "host": socket.gethostname(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def _ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.0f} ms"


def _cpu(cpu: dict[str, float]) -> str:
    ours = {k: v for k, v in cpu.items() if k not in (MACHINE, OTHERS)}
    text = ", ".join(f"{k} {v:.0f}" for k, v in sorted(ours.items(), key=lambda kv: -kv[1]))
    if MACHINE in cpu:
        cores = machine()["cpus"] or 1
        others = cpu.get(OTHERS, 0.0)
        text += f"\n   machine busy {cpu[MACHINE]:.0f} of {cores * 100}, of which {others:.0f} outside this bench"
    return text


def _window(w: dict[str, float]) -> str:
    return "/".join("—" if math.isnan(w[k]) else f"{w[k]:.0f}" for k in ("submit_ms", "register_ms", "in_inbox_ms"))


def _row(label: str, summary: Summary) -> str:
    return f"   {label:<34}{summary.line()}"


def render_intake(report: BenchReport) -> str:
    """The intake figures: similar-suggestion checks and a 1,000-suggestion import."""
    lines: list[str] = []
    if report.similarity:
        s = report.similarity
        lines += [
            "3. Similar-suggestion check (index in the intake process)",
            f"   {int(s['documents'])} registered suggestions indexed in {s['build_seconds']} s; "
            f"a near-duplicate check (tokenize + score) median {s['check_median_ms']} ms, p99 {s['check_p99_ms']} ms; "
            f"found at rank 1 in {s['recall_at_1'] * 100:.0f}% of checks",
        ]
    if report.intake:
        i = report.intake
        lines += [
            "4. Import and check through intake's API",
            f"   {i['suggestions']} suggestions imported from one XLSX in {i['import_seconds']} s "
            f"({i['import_per_suggestion_ms']} ms each), "
            f"their events all out after {i['import_events_out_seconds']} s; "
            f"then checks of all of them in {i['check_all_seconds']} s "
            f"(GET …/checks median {i['check_median_ms']} ms, p99 {i['check_p99_ms']} ms); "
            f"import + check {i['import_and_check_seconds']} s",
        ]
    if report.routing:
        r = report.routing
        lines += [
            "5. Routing proposal (assignment, GET /cases/{id}/proposal and POST /proposals; labelled set of realistic"
            " suggestions)",
            f"   {int(r['cases'])} cases, {int(r['units'])} units: duties only top-1 {r['cold_top1'] * 100:.1f}%, "
            f"top-3 {r['cold_top3'] * 100:.1f}% (duty text alone top-1 {r['cold_duty_text_only_top1'] * 100:.1f}%); "
            f"learning from staff decisions top-1 {r['learning_top1'] * 100:.1f}% "
            f"(mean over 10 orders {r['orders_mean_learning_top1'] * 100:.1f}%), "
            f"top-3 {r['learning_top3'] * 100:.1f}%; "
            f"median {r['median_ms']:.1f} ms per proposal; "
            f"1,000 cases proposed in {r['propose_1000_seconds']:.2f} s "
            f"(router rebuilt from {int(r['cases'])} past decisions in {r['router_build_seconds']:.2f} s)",
        ]
    if report.assignment:
        from bench.assignment import render as render_assignment

        lines += render_assignment(report.assignment).splitlines()
    if report.supervision:
        from bench.supervision import render as render_supervision

        lines += render_supervision(report.supervision).splitlines()
    if report.notify:
        from bench.notify import render as render_notify

        lines += render_notify(report.notify).splitlines()
    return "\n".join(lines)


def render(report: BenchReport) -> str:
    """The report as text."""
    m = machine()
    out = [
        f"Spine bench — {report.started_at:%Y-%m-%d %H:%M} UTC on {m['host']} ({m['cpus']} CPUs, Python {m['python']})",
        f"servers: MongoDB = {report.servers.get('mongo_kind', '?')} {report.servers.get('mongo_url', '')}",
        f"         RabbitMQ = {report.servers.get('amqp_kind', '?')} {report.servers.get('amqp_url', '')}",
        "",
    ]
    s = report.spine
    out.append("1. Outbox → broker → consumer (one process, one ServiceRuntime)")
    if s is not None:
        out += [
            f"   {s.events} aggregates with one pending SuggestionRegistered each, bulk-inserted in {s.seed_s:.1f} s;"
            f" runtime started in {s.start_s:.2f} s; consumer prefetch {s.prefetch}; outcome: {s.outcome}",
            f"   relay     {s.published:>5} published and confirmed in {s.relay_s:6.1f} s"
            f"  →  {s.relay_rate:6.1f} events/s   (first confirm after {_ms(s.first_publish_ms)})",
            f"   consumer  {s.handled:>5} stored                   in {s.consumer_s:6.1f} s"
            f"  →  {s.consumer_rate:6.1f} events/s   (last stored {_ms(s.consumer_after_relay_ms)} after last confirm)",
            "   per event:",
            _row("publish → broker confirm", s.publish_confirm),
            _row("consumer insert_once", s.handler_insert),
            f"   checks: {s.stored_in_db} documents stored, {s.duplicates} redelivered duplicates,"
            f" {s.outbox_left} documents still with outbox entries",
            f"   CPU, % of one core: {_cpu(s.cpu_percent)}",
        ]
    elif "spine" in report.errors:
        out.append(f"   FAILED: {report.errors['spine']}")
    else:
        out.append("   not run (interrupted)" if report.interrupted else "   skipped")
    out.append("")

    e = report.e2e
    out.append("2. End to end: five service processes (LocalSuite), one client")
    if e is not None:
        out += [
            f"   journey: {e.flow}, then poll notify's /inbox/unread-count (one deputy per journey)",
            f"   polling: waits from {e.polling}; {e.polls_per_journey:.1f} polls per journey"
            f" ({e.polls_per_s:.0f}/s on notify), resolution median {_ms(e.poll_resolution.median_ms)},"
            f" p99 {_ms(e.poll_resolution.p99_ms)}",
            f"   tracing: {e.tracing}",
            f"   load: {e.planned} journeys at {e.rate:g}/s (offered {e.offered_rate:.2f}/s) over {e.load_s:.1f} s;"
            f" {e.completed} completed, {e.failed} failed",
        ]
        out += [
            _row("draft    POST /suggestions", e.draft),
            _row("submit   POST …/submit", e.submit),
            _row("register POST …/register", e.register),
            _row("register response → in inbox", e.notified),
            _row("  … → notify's created_at", e.notified_by_created_at),
            f"   CPU, % of one core: {_cpu(e.cpu_percent)}",
        ]
        if e.backlog:
            out.append("   waiting during the load (max / mean of samples every 0.5 s):")
            out.append(
                "     " + ";  ".join(f"{place} {v['max']:.0f} / {v['mean']:.1f}" for place, v in e.backlog.items())
            )
        if len(e.windows) > 1:
            out.append("   medians per 5 s of arrivals (submit / register / register → inbox, ms):")
            out.append("     " + "   ".join(_window(w) for w in e.windows))
        for error, count in e.errors.items():
            out.append(f"   error ×{count}: {error}")
    elif "e2e" in report.errors:
        out.append(f"   FAILED: {report.errors['e2e']}")
    else:
        out.append("   not run (interrupted)" if report.interrupted else "   skipped")
    out.append("")

    parked = report.parked
    unrouted = sum(v for k, v in report.queues_left.items() if k not in parked)
    out.append(
        "parked messages: "
        + (", ".join(f"{k} {v}" for k, v in parked.items()) if parked else "none")
        + f"; unrouted events (types no service subscribes to): {unrouted}"
    )
    for phase, error in report.errors.items():
        if phase not in ("spine", "e2e"):
            out.append(f"{phase}: {error}")
    cleaned = "; ".join(report.cleanup_problems) if report.cleanup_problems else "queues and databases removed"
    out.append(f"cleanup of {', '.join(report.namespaces)}: {cleaned}")
    if report.interrupted:
        out.append("INTERRUPTED: the numbers above are partial")
    out.append(f"took {report.elapsed_s:.0f} s; numbers in .run/bench.json")
    return "\n".join(out)
