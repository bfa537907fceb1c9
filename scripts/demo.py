"""`make demo`: drive a real suggestion through the running suite and tell what each service did.

Uses the suite `make run` started (.run/suite.json); if none is running, starts one for the demo.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.run_suite import STATE, local_stack  # noqa: E402
from services.assignment.units_seed import seed_units  # noqa: E402
from shared.auth import Role  # noqa: E402
from shared.settings import DEV_SECRET, ServiceSettings  # noqa: E402
from shared.testing.helpers import token  # noqa: E402
from shared.testing.journeys import inbox, put_deputies, register, set_up_congress, submit  # noqa: E402
from shared.tracesink import timeline  # noqa: E402
from shared.workdays import SHANGHAI  # noqa: E402

CONGRESS = "demo"


def running_suite() -> dict[str, Any] | None:
    """The suite `make run` started, if it answers."""
    if not STATE.exists():
        return None
    state: dict[str, Any] = json.loads(STATE.read_text())
    try:
        if all(httpx.get(u + "/readyz", timeout=2).status_code == 200 for u in state["urls"].values()):
            return state
    except httpx.HTTPError:
        return None
    return None


async def wait_for(check: Any, timeout: float = 30.0) -> Any:
    """Poll until `check()` gives something."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise SystemExit("timed out waiting; see .run/logs/")


async def drive(urls: dict[str, str], spans_file: str | None) -> None:
    """One suggestion through the whole chain, from the deputy's draft to the rating, and who was told."""
    auth = ServiceSettings(jwt_secret=os.environ.get("JWT_SECRET", DEV_SECRET))
    deputy = token(auth, "dep-tu", Role.DEPUTY, congress_id=CONGRESS, name="屠永芳")
    cosigner = token(auth, "dep-li", Role.DEPUTY, congress_id=CONGRESS, name="李明")
    staff = token(auth, "staff-wang", Role.STAFF, congress_id=CONGRESS, name="王秘书")
    admin = token(auth, "admin", Role.ADMIN, congress_id=CONGRESS)
    async with httpx.AsyncClient(timeout=15) as http:
        await set_up_congress(http, urls["intake"], admin, CONGRESS, name="示范市人民代表大会")
        deputies = [("dep-tu", "屠永芳", "城关代表团"), ("dep-li", "李明", "北湖代表团")]
        await put_deputies(http, urls["intake"], staff, deputies)
        print("0. intake      congress 示范市人大 (session 15-2) and deputies 屠永芳, 李明 set up")
        created = await submit(http, urls["intake"], deputy, co_signers=[("dep-li", cosigner)])
        trace_id = created["_trace_id"]
        print(
            f"1. intake      deputy 屠永芳 drafted 《{created['title']}》, 李明 confirmed co-signing, "
            f"屠永芳 submitted it (id {created['id']}, status {created['status']})"
        )
        registered = await register(http, urls["intake"], staff, created["id"])
        print(
            f"2. intake      staff registered it: number {registered['number']}; "
            "intake.suggestion.registered.v1 written to its outbox"
        )

        async def case() -> dict[str, Any] | None:
            r = await http.get(f"{urls['assignment']}/cases/{created['id']}", headers=staff)
            return r.json() if r.status_code == 200 else None

        c = await wait_for(case)
        print(f"3. assignment  case {c['number']} recorded, status {c['status']}")

        async def raters() -> dict[str, Any] | None:
            r = await http.get(f"{urls['evaluation']}/suggestions/{created['id']}/raters", headers=staff)
            return r.json() if r.status_code == 200 else None

        r = await wait_for(raters)
        names = [r["lead_deputy"]["name"], *(c["name"] for c in r["co_signers"])]
        print(f"4. evaluation  will ask {', '.join(names)} to rate the replies")

        async def told(headers: dict[str, str]) -> list[dict[str, Any]]:
            notes = await inbox(http, urls["notify"], headers)
            return [n for n in notes if registered["number"] in str(n["body"])]

        notes = await wait_for(lambda: told(deputy))
        print(f"5. notify      屠永芳's inbox: {notes[0]['body']}")
        notes = await wait_for(lambda: told(cosigner))
        print(f"               李明's inbox:   {notes[0]['body']}")
        units = await assign(http, urls["assignment"], auth, staff, created["id"])
        await handle(http, urls["supervision"], auth, staff, created["id"], units)
        await rate(http, urls, [("屠永芳", deputy), ("李明", cosigner)], staff, created["id"])
        readers = [("屠永芳", deputy), ("李明", cosigner)]
        for u in units:
            role = "主办" if u["role"] == "lead" else "协办"
            readers.append((f"{u['name']}（{role}）", liaison(auth, u["unit_id"])))
        readers.append(("工作人员", staff))
        await everyone_told(http, urls["notify"], readers, created["id"])
        print(f"\ncase number {registered['number']}   trace id {trace_id}")
    if spans_file:
        spans: list[dict[str, Any]] = []
        for _ in range(30):
            spans = timeline(Path(spans_file), created["id"])
            if {"intake", "assignment", "evaluation", "notify", "supervision"} <= {s["service"] for s in spans}:
                break
            await asyncio.sleep(0.2)
        traces = {s["trace_id"] for s in spans}
        print(
            f"the case's spans: {len(spans)} from {sorted({s['service'] for s in spans})}, trace ids {sorted(traces)}"
        )
        t0 = spans[0]["start_ns"] if spans else 0
        for s in spans:
            if s["kind"] in (2, 3, 4, 5):  # server, client, producer, consumer
                print(f"  +{(s['start_ns'] - t0) / 1e6:8.1f} ms  {s['service']:<11} {s['name']}")


def liaison(auth: ServiceSettings, unit_id: str) -> dict[str, str]:
    """A token for the unit's liaison, the one contact the demo gives each unit."""
    return token(auth, f"{unit_id}-liaison", Role.UNIT_HANDLER, congress_id=CONGRESS, unit_id=unit_id)


async def assign(
    http: httpx.AsyncClient, url: str, auth: ServiceSettings, staff: dict[str, str], case_id: str
) -> list[dict[str, Any]]:
    """交: the city's units, the proposal, pre-assignment, each unit accepting, formal assignment."""
    units = [
        {
            "id": u.id,
            "name": u.name,
            "kind": u.kind.value,
            "coordinator": u.coordinator,
            "duties": u.duties,
            "keywords": list(u.keywords),
            "aliases": list(u.aliases),
            "contacts": [{"id": f"{u.id}-liaison", "name": "联络员"}],
        }
        for u in seed_units()
    ]
    r = await http.post(f"{url}/units/bulk", headers=staff, json={"units": units})
    r.raise_for_status()
    proposal = (await http.get(f"{url}/cases/{case_id}/proposal", headers=staff)).json()
    leads = proposal["leads"]
    shown = "; ".join(
        f"{p['unit_name']} {p['score']:.2f} ({', '.join(_reason(x) for x in p['reasons'][:2])})" for p in leads
    )
    print(f"6. assignment  {len(units)} units in the registry; proposed to lead: {shown}")
    lead = leads[0]["unit_id"]
    co_units = [c["unit_id"] for c in proposal["co_units"][:1]]
    r = await http.post(
        f"{url}/cases/{case_id}/pre-assignment", headers=staff, json={"lead_unit_id": lead, "co_unit_ids": co_units}
    )
    r.raise_for_status()
    case = r.json()
    window = ", ".join(f"{u['name']} ({'主办' if u['role'] == 'lead' else '协办'})" for u in case["units"])
    closes = datetime.fromisoformat(case["units"][0]["window_closes_at"].replace("Z", "+00:00"))
    last_day = (closes.astimezone(SHANGHAI) - timedelta(microseconds=1)).date()
    print(
        f"7. assignment  staff pre-assigned it (预交办) to {window}; a unit silent until the end of {last_day} "
        "(5 working days) has accepted"
    )
    for u in case["units"]:
        r = await http.post(f"{url}/cases/{case_id}/pre-assignment/accept", headers=liaison(auth, u["unit_id"]))
        r.raise_for_status()
    r = await http.post(f"{url}/cases/{case_id}/assignment", headers=staff, json={})
    r.raise_for_status()
    assignment = r.json()["assignment"]
    deadlines = assignment["deadlines"]
    caveat = (
        "" if assignment["calendar_covered"] else " (that year's holidays are not in the calendar yet: Mon-Fri assumed)"
    )
    print(
        f"8. assignment  every unit accepted; formally assigned (正式交办): reply due {deadlines['reply_due_on']}, "
        f"co-units' opinion due {deadlines['co_opinion_due_on']}{caveat}; assignment.case.assigned.v1 published"
    )
    on_case: list[dict[str, Any]] = case["units"]
    return on_case


async def handle(
    http: httpx.AsyncClient,
    url: str,
    auth: ServiceSettings,
    staff: dict[str, str],
    case_id: str,
    units: list[dict[str, Any]],
) -> None:
    """办 + 督: the ledger opens from the assignment; the lead unit signs, meets the deputy, replies; staff check it."""

    async def opened() -> dict[str, Any] | None:
        r = await http.get(f"{url}/cases/{case_id}", headers=staff)
        return r.json() if r.status_code == 200 else None

    ledger = await wait_for(opened)
    print(
        f"9. supervision ledger opened from the assignment: light {ledger['light']}, "
        f"units sign by {ledger['sign_due_at']}, reply by {ledger['reply_due_on']}"
    )
    lead = next(u for u in units if u["role"] == "lead")
    handler = liaison(auth, lead["unit_id"])
    (await http.post(f"{url}/cases/{case_id}/sign", headers=handler)).raise_for_status()
    contact = {
        "stage": "on_receipt",
        "method": "face_to_face",
        "held_at": datetime.now(SHANGHAI).replace(microsecond=0).isoformat(),
        "deputy_said": "希望年内新增一批停车泊位，优先解决老旧小区夜间停车。",
    }
    (await http.post(f"{url}/cases/{case_id}/contacts", headers=handler, json=contact)).raise_for_status()
    due = (datetime.now(SHANGHAI) + timedelta(days=120)).date().isoformat()
    reply = {
        "category": "B",
        "text": "我局已将城关片区立体停车场纳入年度计划，正在开展前期工作。",
        "signed_off_by": "局长",
        "public": True,
        "public_text": "城关片区立体停车场已纳入年度计划，正在开展前期工作。",
        "commitments": [{"text": "城关片区立体停车场开工建设", "due_on": due}],
    }
    (await http.post(f"{url}/cases/{case_id}/reply", headers=handler, json=reply)).raise_for_status()
    r = await http.post(f"{url}/cases/{case_id}/review", headers=staff, json={"accept": True})
    r.raise_for_status()
    done = r.json()
    print(
        f"10. supervision {lead['name']} signed, met the deputy, replied (category B, one dated commitment); "
        f"staff checked it (三对照): status {done['status']}, second reply due {done['second_reply_due_on']}; "
        "supervision.case.replied.v1 published"
    )


async def rate(
    http: httpx.AsyncClient,
    urls: dict[str, str],
    deputies: list[tuple[str, dict[str, str]]],
    staff: dict[str, str],
    case_id: str,
) -> None:
    """评: the deputies rate the reply; once both have, the result is final and supervision closes the case."""
    lead = deputies[0][1]

    async def asked() -> list[dict[str, Any]]:
        r = await http.get(f"{urls['evaluation']}/ratings/pending", headers=lead)
        return [p for p in r.json()["data"] if p["case_id"] == case_id]

    pending = await wait_for(asked)
    closes = datetime.fromisoformat(pending[0]["window_closes_at"].replace("Z", "+00:00"))
    last_day = (closes.astimezone(SHANGHAI) - timedelta(microseconds=1)).date()
    result = None
    for _, headers in deputies:
        r = await http.put(
            f"{urls['evaluation']}/cases/{case_id}/ratings/1",
            headers=headers,
            json={"rating": "basically_satisfied", "comment": "已纳入计划，希望按期开工。"},
        )
        r.raise_for_status()
        result = r.json()["result"]
    names = "、".join(name for name, _ in deputies)
    print(
        f"11. evaluation {names} asked to rate the reply by the end of {last_day}; both rated 基本满意: "
        f"result {result} (the lead deputy's); evaluation.case.rated.v1 published"
    )

    async def closed() -> dict[str, Any] | None:
        c = (await http.get(f"{urls['supervision']}/cases/{case_id}", headers=staff)).json()
        return c if c["status"] == "closed" else None

    c = await wait_for(closed)
    print(
        f"12. supervision case closed (办结: {c['close_reason']}); its B commitment stays on the look-back list "
        f"(回头看) until {c['commitments'][0]['due_on']}"
    )


async def everyone_told(
    http: httpx.AsyncClient, url: str, readers: list[tuple[str, dict[str, str]]], case_id: str
) -> None:
    """Notify: what each inbox holds about the case — the deputies', each unit's, the staff's — per the rule table."""

    async def of(headers: dict[str, str]) -> list[str]:
        notes = await inbox(http, url, headers)
        return [str(n["subject"]) for n in reversed(notes) if n["case_id"] == case_id]

    async def asked_to_rate() -> list[str]:  # the last notification of the chain so far
        subjects = await of(readers[0][1])
        return subjects if "请评价办理答复" in subjects else []

    await wait_for(asked_to_rate)
    print("13. notify      the case's notifications, by inbox (the congress's rule table decides who and how):")
    for name, headers in readers:
        print(f"               {name}: {'、'.join(await of(headers)) or '—'}")


def _reason(reason: dict[str, Any]) -> str:
    if reason["kind"] == "duty":
        return "duties: " + "、".join(reason["terms"][:3])
    if reason["kind"] == "named":
        return "named in the text: " + "、".join(reason["terms"][:2])
    return f"like case {reason['case_title']}"


def main() -> None:
    """Use the running suite or start one."""
    state = running_suite()
    with contextlib.ExitStack() as stack:
        if state is None:
            print("No suite running (make run); starting one for the demo…")
            suite = stack.enter_context(local_stack())
            state = {"urls": {s: suite.url(s) for s in suite.ports}, "spans_file": str(ROOT / ".run" / "spans.jsonl")}
        asyncio.run(drive(state["urls"], state.get("spans_file")))


if __name__ == "__main__":
    main()
