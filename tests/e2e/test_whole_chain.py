"""The whole chain across the five service processes: 提 → 交 → 办 → 督 → 评, one trace, and everyone told."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.assignment.units_seed import seed_units
from shared.auth import Role
from shared.settings import ServiceSettings
from shared.testing.helpers import TEST_SECRET, eventually, token
from shared.testing.journeys import inbox, put_deputies, register, set_up_congress, submit
from shared.testing.suite import LocalSuite
from shared.tracesink import TraceSink, read_spans

pytestmark = pytest.mark.e2e
AUTH = ServiceSettings(jwt_secret=TEST_SECRET)


def ok(r: httpx.Response) -> Any:
    assert r.status_code in (200, 201), r.text
    return r.json()


@pytest.mark.timeout(180)
async def test_a_suggestion_from_the_deputy_to_the_closed_case(suite: LocalSuite, sink: TraceSink) -> None:
    deputy = token(AUTH, "dep-1", Role.DEPUTY, name="屠永芳")
    staff = token(AUTH, "staff-1", Role.STAFF)
    url = suite.url
    async with httpx.AsyncClient(timeout=15) as http:
        # 提: submitted and registered
        await set_up_congress(http, url("intake"), token(AUTH, "admin", Role.ADMIN), "c1")
        await put_deputies(http, url("intake"), staff)
        created = await submit(http, url("intake"), deputy)
        case_id, trace_id = created["id"], created["_trace_id"]
        await register(http, url("intake"), staff, case_id)

        # 交: the city's units, the proposal, pre-assignment, acceptance, formal assignment
        units = [
            {
                "id": u.id,
                "name": u.name,
                "kind": u.kind.value,
                "coordinator": u.coordinator,
                "duties": u.duties,
                "keywords": list(u.keywords),
                "aliases": list(u.aliases),
                "contacts": [{"id": f"{u.id}-1", "name": "联络员"}],
            }
            for u in seed_units()
        ]
        ok(await http.post(f"{url('assignment')}/units/bulk", headers=staff, json={"units": units}))

        async def received() -> bool:
            return (await http.get(f"{url('assignment')}/cases/{case_id}", headers=staff)).status_code == 200

        await eventually(received, timeout=30)
        proposal = ok(await http.get(f"{url('assignment')}/cases/{case_id}/proposal", headers=staff))
        lead = proposal["leads"][0]["unit_id"]
        assert proposal["leads"][0]["unit_name"] == "市城市管理局"  # 停车设施
        ok(
            await http.post(
                f"{url('assignment')}/cases/{case_id}/pre-assignment", headers=staff, json={"lead_unit_id": lead}
            )
        )
        unit = token(AUTH, f"{lead}-1", Role.UNIT_HANDLER, unit_id=lead)
        ok(await http.post(f"{url('assignment')}/cases/{case_id}/pre-assignment/accept", headers=unit))
        assigned = ok(await http.post(f"{url('assignment')}/cases/{case_id}/assignment", headers=staff, json={}))
        reply_due_on = assigned["assignment"]["deadlines"]["reply_due_on"]

        # 办 + 督: the ledger opens; sign, contact, reply, review
        async def ledger() -> dict[str, Any] | None:
            r = await http.get(f"{url('supervision')}/cases/{case_id}", headers=staff)
            return r.json() if r.status_code == 200 else None

        opened = await eventually(ledger, timeout=30)
        assert opened["reply_due_on"] == reply_due_on and opened["lead_unit"]["unit_id"] == lead
        ok(await http.post(f"{url('supervision')}/cases/{case_id}/sign", headers=unit))
        contact = {
            "stage": "on_receipt",
            "method": "phone",
            "held_at": "2026-01-01T09:00:00+08:00",
            "deputy_said": "盼早日解决",
        }
        ok(await http.post(f"{url('supervision')}/cases/{case_id}/contacts", headers=unit, json=contact))
        reply = {
            "category": "A",
            "text": "已新建立体停车场。",
            "signed_off_by": "局长",
            "public": True,
            "public_text": "已新建立体停车场。",
        }
        ok(await http.post(f"{url('supervision')}/cases/{case_id}/reply", headers=unit, json=reply))
        ok(await http.post(f"{url('supervision')}/cases/{case_id}/review", headers=staff, json={"accept": True}))

        # 评: the deputy is asked, rates; the result closes the case
        async def asked() -> list[dict[str, Any]]:
            r = await http.get(f"{url('evaluation')}/ratings/pending", headers=deputy)
            return [p for p in r.json()["data"] if p["case_id"] == case_id]

        await eventually(asked, timeout=30)
        rated = ok(
            await http.put(
                f"{url('evaluation')}/cases/{case_id}/ratings/1", headers=deputy, json={"rating": "satisfied"}
            )
        )
        assert rated["result"] == "satisfied"

        async def closed() -> dict[str, Any] | None:
            case = await ledger()
            return case if case and case["status"] == "closed" else None

        assert (await eventually(closed, timeout=30))["close_reason"] == "satisfied"
        public = ok(await http.get(f"{url('supervision')}/public/congresses/c1/replies"))
        assert [p["text"] for p in public["data"]] == ["已新建立体停车场。"]

        # everyone concerned was told
        async def deputy_told() -> list[str]:
            subjects = [str(n["subject"]) for n in await inbox(http, url("notify"), deputy)]
            return subjects if {"建议已登记", "建议已交办", "建议已答复", "请评价办理答复"} <= set(subjects) else []

        await eventually(deputy_told, timeout=30)

        async def unit_told() -> list[str]:
            subjects = [str(n["subject"]) for n in await inbox(http, url("notify"), unit)]
            return subjects if {"预交办建议待确认", "建议正式交办"} <= set(subjects) else []

        await eventually(unit_told, timeout=30)

    async def five_services() -> list[dict[str, Any]]:
        spans = [s for s in read_spans(sink.path) if s["attributes"].get("case.id") == case_id]
        services = {s["service"] for s in spans}
        return spans if {"intake", "assignment", "supervision", "evaluation", "notify"} <= services else []

    spans = await eventually(five_services, timeout=30)
    assert {s["trace_id"] for s in spans} == {trace_id}
