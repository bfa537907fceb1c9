"""`python -m bench` (`make bench`): measure the spine on this machine and print a report.

Servers come from `shared.testing.servers.provide_servers()` (TEST_MONGO_URL / TEST_AMQP_URL,
testcontainers, or this machine's RabbitMQ and a SecantusDB; TEST_NO_DOCKER=1 skips Docker).
Every run uses fresh bus namespaces and databases and removes them, and stops every process it
started, also on Ctrl-C, SIGTERM or failure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import time
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from bench.cleanup import cleanup, queue_depths
from bench.e2e import E2EResult, PollPolicy, drive
from bench.report import BenchReport, render, render_intake
from bench.spine import run_spine
from shared.testing.helpers import TEST_SECRET
from shared.testing.servers import Servers, provide_servers
from shared.testing.suite import ROOT, LocalSuite
from shared.tracesink import TraceSink

RUN = ROOT / ".run"
LOG_DIR = RUN / "bench-logs"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--events", type=int, default=2000, help="outbox entries for the spine run (default 2000)")
    p.add_argument("--rate", type=float, default=5.0, help="journeys per second end to end (default 5)")
    p.add_argument("--duration", type=float, default=30.0, help="seconds of end-to-end load (default 30)")
    p.add_argument("--poll-ms", type=float, default=10.0, help="first wait between polls of the unread count")
    p.add_argument("--poll-max-ms", type=float, default=100.0, help="longest wait between polls (they grow ×1.25)")
    p.add_argument("--wait", type=float, default=30.0, help="seconds a journey waits for its notification")
    p.add_argument("--trace", action="store_true", help="export the services' spans to a local OTLP sink")
    p.add_argument("--skip-spine", action="store_true", help="only the end-to-end run")
    p.add_argument("--skip-e2e", action="store_true", help="only the outbox → broker → consumer run")
    p.add_argument("--skip-intake", action="store_true", help="no similarity and import figures")
    p.add_argument("--json", type=Path, default=RUN / "bench.json", help="where the numbers go")
    return p.parse_args(argv)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _shielded() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait while processes are stopped and the namespaces removed."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _deferred() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done, then interrupt.

    For starting the servers: a SecantusDB interrupted while it starts would be left running.
    """
    caught: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if caught:
        raise KeyboardInterrupt


def _brief(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    head = f"{type(exc).__name__}: {lines[0] if lines else ''}"
    return head[:300]


def _progress(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def _run_e2e(args: argparse.Namespace, servers: Servers, namespace: str) -> E2EResult:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    for old in LOG_DIR.glob("*.log"):
        old.unlink()
    sink: TraceSink | None = None
    if args.trace:
        spans = RUN / "bench-spans.jsonl"
        spans.unlink(missing_ok=True)
        sink = TraceSink(spans).start()
    tracing = (
        f"spans exported over OTLP to a sink in the bench process ({RUN.name}/bench-spans.jsonl)"
        if sink
        else "spans made by each service's SDK tracer, not exported (no OTLP endpoint; --trace exports them)"
    )
    suite = LocalSuite(
        mongo_url=servers.mongo_url,
        amqp_url=servers.amqp_url,
        namespace=namespace,
        db_prefix=f"{namespace}-",
        jwt_secret=TEST_SECRET,
        otlp_endpoint=sink.endpoint if sink else None,
        log_dir=LOG_DIR,
        environment="test",
    )
    try:
        began = time.perf_counter()
        suite.start()
        _progress(f"five services ready in {time.perf_counter() - began:.1f} s; logs in {LOG_DIR}")
        return asyncio.run(
            drive(
                suite,
                rate=args.rate,
                duration_s=args.duration,
                poll=PollPolicy(first_s=args.poll_ms / 1000, max_s=max(args.poll_ms, args.poll_max_ms) / 1000),
                wait_s=args.wait,
                tracing=tracing,
                mongo_url=servers.mongo_url,
            )
        )
    finally:
        with _shielded():
            suite.stop()
            if sink is not None:
                sink.stop()


def _run(args: argparse.Namespace, servers: Servers, report: BenchReport) -> None:
    spine_ns, e2e_ns = report.namespaces
    if not args.skip_spine:
        _progress(f"1/2 outbox → broker → consumer with {args.events} events (namespace {spine_ns}) …")
        try:
            report.spine = asyncio.run(
                run_spine(
                    mongo_url=servers.mongo_url, amqp_url=servers.amqp_url, namespace=spine_ns, events=args.events
                )
            )
        except Exception as exc:
            traceback.print_exc()
            report.errors["spine"] = _brief(exc)
    if not args.skip_e2e:
        _progress(f"2/2 end to end: {args.rate:g}/s for {args.duration:g} s (namespace {e2e_ns}) …")
        try:
            report.e2e = _run_e2e(args, servers, e2e_ns)
        except Exception as exc:
            traceback.print_exc()
            report.errors["e2e"] = f"{_brief(exc)} (service logs: {LOG_DIR})"


def _run_intake(args: argparse.Namespace, servers: Servers, report: BenchReport) -> None:
    if args.skip_intake:
        return
    from bench import intake, similarity

    _progress("3/4 similar-suggestion checks against 5,000 suggestions …")
    try:
        report.similarity = similarity.run(5000, 200)
    except Exception as exc:
        traceback.print_exc()
        report.errors["similarity"] = _brief(exc)
    _progress("routing proposal accuracy on the labelled set …")
    try:
        from bench import routing

        report.routing = routing.run()
    except Exception as exc:
        traceback.print_exc()
        report.errors["routing"] = _brief(exc)
    _progress("assignment of 1,000 cases: proposals, pre-assignment, window sweep, 集中交办 …")
    try:
        from bench import assignment

        report.assignment = asyncio.run(assignment.run(servers, 1000))
    except Exception as exc:
        traceback.print_exc()
        report.errors["assignment"] = _brief(exc)
    _progress("supervision: a traffic-light sweep and the yearly figures over 100,000 cases …")
    try:
        from bench import supervision

        report.supervision = asyncio.run(supervision.run(servers))
    except Exception as exc:
        traceback.print_exc()
        report.errors["supervision"] = _brief(exc)
    _progress("notify: notifications per second and the delay from an event to the inbox …")
    try:
        from bench import notify

        report.notify = asyncio.run(notify.run(servers))
    except Exception as exc:
        traceback.print_exc()
        report.errors["notify"] = _brief(exc)
    _progress("4/4 import 1,000 suggestions and check each …")
    try:
        report.intake = asyncio.run(intake.run(servers, 1000))
    except Exception as exc:
        traceback.print_exc()
        report.errors["intake"] = _brief(exc)


def _clean(servers: Servers, report: BenchReport, prefix: str) -> None:
    async def both() -> None:
        for namespace in report.namespaces:
            try:
                report.queues_left.update(await queue_depths(servers.amqp_url, namespace))
            except Exception as exc:
                report.cleanup_problems.append(f"queue depths of {namespace}: {exc!r}")
        report.cleanup_problems += await cleanup(
            amqp_url=servers.amqp_url, mongo_url=servers.mongo_url, namespaces=report.namespaces, db_prefix=prefix
        )

    asyncio.run(both())


def main(argv: list[str] | None = None) -> int:
    """Run the bench; 0 when every measurement ran to the end."""
    args = _parse(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored (a `&` job)
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    report = BenchReport(namespaces=[f"{prefix}s", f"{prefix}e"])
    began = time.perf_counter()
    stack = contextlib.ExitStack()
    servers: Servers | None = None
    try:
        _progress("starting servers …")
        with _deferred():
            servers = stack.enter_context(provide_servers())
        report.servers = {
            "mongo_kind": servers.mongo_kind,
            "mongo_url": servers.mongo_url,
            "amqp_kind": servers.amqp_kind,
            "amqp_url": servers.amqp_url,
        }
        _run(args, servers, report)
        _run_intake(args, servers, report)
    except KeyboardInterrupt:
        report.interrupted = True
    except Exception as exc:
        traceback.print_exc()
        report.errors["servers"] = _brief(exc)
    finally:
        with _shielded():
            if servers is not None:
                _progress("cleaning up …")
                try:
                    _clean(servers, report, prefix)
                except Exception as exc:
                    report.cleanup_problems.append(repr(exc))
            try:
                stack.close()
            except Exception as exc:
                report.cleanup_problems.append(f"stopping servers: {exc!r}")
    report.elapsed_s = time.perf_counter() - began
    print(render(report))
    if report.similarity or report.intake or report.routing or report.assignment or report.supervision or report.notify:
        print(render_intake(report))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n")
    if report.interrupted:
        # An event loop stopped by the signal can leave a library's worker thread (anyio's) waiting for
        # work forever, and the interpreter would wait for it at exit. Everything started here is stopped.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
