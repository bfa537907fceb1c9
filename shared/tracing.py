"""OpenTelemetry for the suite: provider setup, `case.id` on every span of a case, one trace per case.

- OTLP over HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set (Jaeger in docker-compose).
- FastAPI server spans and PyMongo command spans come from the instrumentations; the bus makes
  publish and consume spans and carries the W3C trace context (and baggage) in message headers
  and in the outbox.
- A case keeps the trace context of the request that created it. Requests that act on an existing
  case join that trace (CaseTraceMiddleware), so every span of one case, in every service, shares one
  trace id; the case id rides in baggage and is copied onto every span as `case.id`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import baggage, context, propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

CASE_ID = "case.id"
_pymongo_instrumented = False


class CaseIdSpanProcessor(SpanProcessor):
    """Copies the case id from baggage onto every span as it starts."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        """Stamp `case.id` when the context carries one."""
        case_id = baggage.get_baggage(CASE_ID, parent_context)
        if case_id is not None:
            span.set_attribute(CASE_ID, str(case_id))

    def on_end(self, span: ReadableSpan) -> None:
        """Nothing to do at the end."""


def configure_tracing(service_name: str) -> TracerProvider:
    """Install the process's tracer provider once (OTLP if configured) and instrument PyMongo."""
    global _pymongo_instrumented
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(
            resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)})
        )
        provider.add_span_processor(CaseIdSpanProcessor())
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
    if not _pymongo_instrumented:
        from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

        PymongoInstrumentor().instrument(tracer_provider=provider)
        _pymongo_instrumented = True
    return provider


def tracer(name: str) -> trace.Tracer:
    """A tracer from the installed provider."""
    return trace.get_tracer(name)


def current_trace_context() -> dict[str, str]:
    """The current W3C trace context (traceparent, tracestate, baggage) as a carrier dict."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from(carrier: dict[str, Any] | None) -> Context:
    """A context extracted from a carrier (message headers, a stored outbox entry)."""
    clean = {k: str(v) for k, v in (carrier or {}).items() if v is not None}
    return propagate.extract(clean)


def trace_id_hex(span: trace.Span | None = None) -> str:
    """The 32-hex trace id of a span (the current one by default)."""
    ctx = (span or trace.get_current_span()).get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else ""


@contextmanager
def case_scope(case_id: str, parent: Context | None = None) -> Iterator[None]:
    """Within this block, every new span carries `case.id`; the current span gets it too."""
    trace.get_current_span(parent).set_attribute(CASE_ID, case_id)
    token = context.attach(baggage.set_baggage(CASE_ID, case_id, parent))
    try:
        yield
    finally:
        context.detach(token)


@contextmanager
def case_span(tracer_: trace.Tracer, name: str, case_id: str, traceparent: str | None) -> Iterator[None]:
    """A span in the case's own trace (when known), linked to the current one (a batch request, a sweep).

    Work done for many cases at once runs each case in such a span, so the events it writes continue the
    case's trace and an operator still finds the batch that did it through the link.
    """
    current = trace.get_current_span().get_span_context()
    links = [trace.Link(current)] if current.is_valid else []
    parent = context_from({"traceparent": traceparent}) if traceparent else None
    with tracer_.start_as_current_span(name, context=parent, links=links), case_scope(case_id):
        yield


# (case id, the request's Authorization header) → the case's traceparent, if the caller may see the case
CaseTraceResolver = Callable[[str, str | None], Awaitable[str | None]]


class CaseTraceMiddleware:
    """Lets a request that acts on an existing case join the case's trace.

    It sits outside the OpenTelemetry ASGI middleware: for paths matching `pattern` (with a
    `case_id` group) and no incoming `traceparent`, it looks up the case's stored traceparent and
    adds it, with the case id as baggage, to the request headers the server span is built from.
    The resolver sees the Authorization header: a caller who may not see the case does not join
    (and so never learns) its trace.
    """

    def __init__(self, app: Any, pattern: str, resolver: CaseTraceResolver) -> None:
        self.app = app
        self.pattern = re.compile(pattern)
        self.resolver = resolver

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """ASGI entry point."""
        if scope["type"] == "http":
            match = self.pattern.match(scope.get("path", ""))
            headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
            if match and not any(k == b"traceparent" for k, _ in headers):
                case_id = match.group("case_id")
                authorization = next((v.decode("latin-1") for k, v in headers if k == b"authorization"), None)
                try:
                    traceparent = await self.resolver(case_id, authorization)
                except Exception:
                    traceparent = None
                if traceparent:
                    headers = [(k, v) for k, v in headers if k != b"baggage"]
                    headers.append((b"traceparent", traceparent.encode()))
                    headers.append((b"baggage", f"{CASE_ID}={case_id}".encode()))
                    scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


def instrument_fastapi(app: Any, case_path: str | None = None, resolver: CaseTraceResolver | None = None) -> None:
    """Server spans for a FastAPI app, and (optionally) case-trace joining outside them."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz", exclude_spans=["receive", "send"])
    if case_path and resolver:
        import types

        inner_build = app.build_middleware_stack

        def build_middleware_stack(self: Any) -> Any:
            return CaseTraceMiddleware(inner_build(), case_path, resolver)

        app.build_middleware_stack = types.MethodType(build_middleware_stack, app)
