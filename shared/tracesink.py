"""A small OTLP/HTTP trace receiver that writes spans as JSON lines: the case timeline without Jaeger.

`make run` starts one and points every service at it; `make demo`, the e2e tests and an operator
read the file (or use `timeline()`) to follow one case across the five services.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


def _value(v: Any) -> Any:
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind else None


def decode(body: bytes) -> list[dict[str, Any]]:
    """OTLP protobuf export request → flat span dicts."""
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    out = []
    for rs in request.resource_spans:
        resource = {a.key: _value(a.value) for a in rs.resource.attributes}
        for ss in rs.scope_spans:
            for span in ss.spans:
                out.append(
                    {
                        "service": resource.get("service.name", ""),
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex(),
                        "name": span.name,
                        "kind": int(span.kind),
                        "start_ns": int(span.start_time_unix_nano),
                        "end_ns": int(span.end_time_unix_nano),
                        "attributes": {a.key: _value(a.value) for a in span.attributes},
                        "status": int(span.status.code),
                    }
                )
    return out


class TraceSink:
    """Receives OTLP/HTTP protobuf on /v1/traces and appends spans to a JSONL file."""

    def __init__(self, path: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                if self.path.rstrip("/") != "/v1/traces":
                    self.send_response(404)
                    self.end_headers()
                    return
                spans = decode(body)
                with sink._lock, sink.path.open("a", encoding="utf-8") as f:
                    for span in spans:
                        f.write(json.dumps(span, ensure_ascii=False) + "\n")
                reply = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="trace-sink", daemon=True)

    @property
    def endpoint(self) -> str:
        """The OTLP endpoint to give OTEL_EXPORTER_OTLP_ENDPOINT."""
        host, port = self.server.server_address[:2]
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{host_text}:{port}"

    def start(self) -> TraceSink:
        """Serve in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def read_spans(path: Path) -> Iterator[dict[str, Any]]:
    """Every span in a sink file."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def timeline(path: Path, case_id: str) -> list[dict[str, Any]]:
    """The spans of one case, in time order."""
    spans = [s for s in read_spans(path) if s["attributes"].get("case.id") == case_id]
    return sorted(spans, key=lambda s: s["start_ns"])


def main() -> None:
    """Serve a sink, or print the timeline of a case from a sink file."""
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--file", type=Path, default=Path(".run/spans.jsonl"))
    serve.add_argument("--port", type=int, default=4318)
    show = sub.add_parser("timeline")
    show.add_argument("case_id")
    show.add_argument("--file", type=Path, default=Path(".run/spans.jsonl"))
    args = parser.parse_args()
    if args.cmd == "serve":
        sink = TraceSink(args.file, port=args.port).start()
        print(f"OTLP sink on {sink.endpoint}, writing {args.file}")
        sink.thread.join()
    else:
        spans = timeline(args.file, args.case_id)
        t0 = spans[0]["start_ns"] if spans else 0
        for s in spans:
            print(f"+{(s['start_ns'] - t0) / 1e6:9.1f} ms  {s['service']:<11} {s['trace_id']}  {s['name']}")


if __name__ == "__main__":
    main()
