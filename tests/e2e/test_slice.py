"""The first slice across processes: submit → register → the deputy's inbox, one trace id."""

from __future__ import annotations

import httpx
import pytest

from shared.auth import Role
from shared.settings import ServiceSettings
from shared.testing.helpers import TEST_SECRET, eventually, token
from shared.testing.journeys import inbox, put_deputies, register, set_up_congress, submit
from shared.testing.suite import LocalSuite
from shared.tracesink import TraceSink, read_spans

pytestmark = pytest.mark.e2e
AUTH = ServiceSettings(jwt_secret=TEST_SECRET)


async def test_submit_register_inbox_one_trace(suite: LocalSuite, sink: TraceSink) -> None:
    deputy = token(AUTH, "dep-1", Role.DEPUTY, name="屠永芳")
    staff = token(AUTH, "staff-1", Role.STAFF)
    async with httpx.AsyncClient(timeout=10) as http:
        await set_up_congress(http, suite.url("intake"), token(AUTH, "admin", Role.ADMIN), "c1")
        await put_deputies(http, suite.url("intake"), staff)
        created = await submit(http, suite.url("intake"), deputy)
        registered = await register(http, suite.url("intake"), staff, created["id"])
        assert registered["number"] == "15-2-0001"

        async def notified() -> list[dict[str, object]]:
            return await inbox(http, suite.url("notify"), deputy)

        notes = await eventually(notified, timeout=30)
        assert len(notes) == 1 and registered["number"] in str(notes[0]["body"])

        r = await http.get(f"{suite.url('assignment')}/cases/{created['id']}", headers=staff)
        assert r.status_code == 200 and r.json()["status"] == "awaiting_pre_assignment"
        assert r.headers["x-trace-id"] == created["_trace_id"]  # acting on the case joins its trace
        r = await http.get(f"{suite.url('evaluation')}/suggestions/{created['id']}/raters", headers=staff)
        assert r.status_code == 200 and r.headers["x-trace-id"] == created["_trace_id"]
        # someone of another congress, or with no token, neither sees the case nor learns its trace
        outsider = token(AUTH, "staff-x", Role.STAFF, congress_id="c2")
        for headers in (outsider, {}):
            r = await http.get(f"{suite.url('intake')}/suggestions/{created['id']}", headers=headers)
            assert r.status_code in (401, 404)
            assert r.headers.get("x-trace-id") != created["_trace_id"]

    async def case_spans_from_three_services() -> list[dict[str, object]]:
        spans = [s for s in read_spans(sink.path) if s["attributes"].get("case.id") == created["id"]]
        services = {s["service"] for s in spans}
        return spans if {"intake", "assignment", "notify"} <= services else []

    spans = await eventually(case_spans_from_three_services, timeout=30)
    trace_ids = {s["trace_id"] for s in spans}
    assert trace_ids == {created["_trace_id"]}, trace_ids
    # the register request joined the case's trace
    assert registered["_trace_id"] == created["_trace_id"]
    assert any(s["name"].endswith("process") for s in spans if s["service"] == "notify")
    # the other services stayed healthy
    async with httpx.AsyncClient(timeout=10) as http:
        for service in ("supervision", "evaluation"):
            assert (await http.get(suite.url(service) + "/readyz")).status_code == 200
