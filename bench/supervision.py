"""Supervision at the scale of a large ledger: the traffic-light sweep over 100,000 open cases and the yearly
figures over the same 100,000.

`python -m bench.supervision` prints the figures; `python -m bench` includes them in its report.
Runs the supervision app in this process against the bench servers (real SecantusDB/MongoDB and RabbitMQ)
on a clock the bench sets:

1. n ledger documents of 2026, written into the `cases` collection with `insert_many` before the app
   starts — built by the service's own code (`domain.open_case`, contacts, replies, review, ratings,
   then `store.cases.to_doc`), so they are exactly what the service stores: assigned on every working
   day from March to 10 September with 3- or 6-month deadlines, 60 lead units, 10 fields; past their
   deadline most were replied (some late, some re-handled after an unsatisfied rating, a few overdue
   with no reply), before it most wait for the reply. Every case is open. The ledger is current up to
   the evening of Monday 14 September (each case observed then, as the sweep would have).
2. The sweep (`app.state.sweeper.run_once()`) at 09:00 on Tuesday 15 September, when the cases turning
   yellow, turning red or due a reminder that morning are due; then a second sweep at once (nothing due:
   it touches only what can change), and the time until the sweep's events have left the outbox.
3. `GET /figures?year=2026` (by unit) over the 100,000 cases, and the arithmetic alone on the same rows
   in memory: the rest of the request is reading the rows. Other groupings, the league table and the XLSX
   export read the same rows, so they take about as long (measured once: 13-17 s each on SecantusDB).

Seeding 100,000 documents into SecantusDB takes about a minute; the whole run stays under three minutes on
a 2-core machine.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from pymongo import AsyncMongoClient

from services.supervision import figures as fig
from services.supervision.domain import (
    Case,
    CommitmentIn,
    log_contact,
    observe,
    open_case,
    rated,
    reply,
    review,
)
from services.supervision.main import create_app
from services.supervision.policy import Policy, at_local_hour, deadline_instant
from services.supervision.settings import SupervisionSettings
from services.supervision.store.cases import to_doc
from shared.auth import Role
from shared.contracts.assignment import CaseAssigned, Deadlines, UnitRef
from shared.contracts.intake import DeputyRef
from shared.testing.helpers import delete_namespace, running, settings_for, token
from shared.testing.servers import Servers, provide_servers
from shared.workdays import SHANGHAI

CONGRESS = "c1"
YEAR = 2026
SWEEP_DAY = date(2026, 9, 15)  # a Tuesday
SWEEP_DAY_START = datetime.combine(SWEEP_DAY, dtime(0), tzinfo=SHANGHAI).astimezone(UTC)
SEEDED_AT = datetime.combine(date(2026, 9, 14), dtime(20), tzinfo=SHANGHAI).astimezone(UTC)
FIRST_ASSIGNED = date(2026, 3, 2)
LAST_ASSIGNED = date(2026, 9, 10)
UNITS = [(f"u{k:02d}", f"承办单位{k:02d}") for k in range(1, 61)]
FIELDS = [
    "城乡建设",
    "教育",
    "医疗卫生",
    "交通",
    "生态环境",
    "农业农村",
    "社会保障",
    "文化旅游",
    "公共安全",
    "经济发展",
]
VARIANTS = 8  # templates per assignment day and deadline length
CHUNK = 2_000


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _local(d: date, hour: int) -> datetime:
    return datetime.combine(d, dtime(hour), tzinfo=SHANGHAI).astimezone(UTC)


def _assigned(case_id: str, day: date, months: int, policy: Policy, co: int) -> Case:
    assigned_at = _local(day, 10)
    due = policy.due_date(assigned_at, months)
    co_due = policy.due_date(assigned_at, months - 1)
    event = CaseAssigned(
        case_id=case_id,
        congress_id=CONGRESS,
        number="15-2-0000",
        title="关于加强城区停车设施建设的建议",
        field=FIELDS[0],
        session="15-2",
        lead_deputy=DeputyRef(id="d001", name="代表001", delegation="城关代表团"),
        co_signers=[DeputyRef(id="d002", name="代表002")],
        lead_unit=UnitRef(unit_id=UNITS[0][0], name=UNITS[0][1], role="lead"),
        co_units=[UnitRef(unit_id=u, name=n, role="co") for u, n in UNITS[1 : 1 + co]],
        deadlines=Deadlines(
            reply_due_on=due,
            reply_due_at=deadline_instant(due),
            co_opinion_due_on=co_due,
            co_opinion_due_at=deadline_instant(co_due),
            months=months,
            complex=months == 6,
        ),
        assigned_at=assigned_at,
        assigned_by="staff-1",
    )
    return open_case(event, policy=policy, now=assigned_at)


def _contact(case: Case, when: datetime, policy: Policy) -> Case:
    return log_contact(
        case,
        unit_id=case.lead.unit_id,
        stage="on_receipt",
        method="face_to_face",
        held_at=when,
        deputy_said="希望尽快落实",
        summary="",
        by="handler",
        now=when,
        policy=policy,
    )


def _reply(case: Case, when: datetime, category: str, policy: Policy, *, accept: bool = True) -> Case:
    items = [CommitmentIn(text="年内完成", due_on=date(2027, 3, 31))] if category == "B" else []
    case = reply(
        case,
        unit_id=case.lead.unit_id,
        category=category,  # type: ignore[arg-type]
        text="我单位高度重视，经认真研究，答复如下……" * 10,
        signed_off_by="王局长",
        public=category != "C",
        public_text="经研究，答复如下……" if category != "C" else "",
        reasons="受条件限制，留作参考。" if category == "C" else "",
        commitments=items,
        by="handler",
        now=when,
        policy=policy,
    )
    if not accept:
        return case
    return review(case, accept=True, reasons=[], note="", by="staff-1", now=when + timedelta(hours=20), policy=policy)


def _template(case_id: str, day: date, months: int, policy: Policy, rng: random.Random) -> Case:
    """One case as it stands on the evening of 14 September, by the service's own rules."""
    case = _assigned(case_id, day, months, policy, co=rng.choice((0, 0, 1, 2)))
    due_at = case.reply_due_at
    latest = SEEDED_AT - timedelta(days=2)
    contact_at = min(case.assigned_at + timedelta(days=rng.randint(3, 20)), SEEDED_AT - timedelta(days=3))
    roll = rng.random()
    category = rng.choice("AAABBC")
    if due_at < SWEEP_DAY_START:  # past its deadline: mostly replied
        if roll < 0.08:  # overdue, no reply (some without a contact)
            case = _contact(case, contact_at, policy) if rng.random() < 0.5 else case
        elif roll < 0.12:  # a reply waits for staff's review
            case = _reply(_contact(case, contact_at, policy), latest, category, policy, accept=False)
        else:
            late = rng.random() < 0.2 and due_at + timedelta(days=3) < latest
            submitted = due_at + timedelta(days=3) if late else max(contact_at, due_at - timedelta(days=10))
            case = _reply(_contact(case, contact_at, policy), submitted, category, policy)
            rating_at = submitted + timedelta(days=14)
            if roll > 0.88 and rating_at < latest:  # unsatisfied: re-handled, a new deadline
                case = rated(
                    case,
                    round_=1,
                    result="unsatisfied",
                    rated_at=rating_at,
                    event_id=uuid.uuid4().hex,
                    now=rating_at,
                    policy=policy,
                )
    else:  # deadline ahead: mostly waiting for the reply
        if roll < 0.45:
            pass
        elif roll < 0.85:
            case = _contact(case, contact_at, policy)
        elif roll < 0.89:
            case = _reply(_contact(case, contact_at, policy), latest, category, policy, accept=False)
        else:
            submitted = max(contact_at + timedelta(days=1), latest - timedelta(days=5))
            case = _reply(_contact(case, contact_at, policy), submitted, category, policy)
    return replace(observe(replace(case, events=()), now=SEEDED_AT, policy=policy), events=())


def templates(policy: Policy, seed: int = 2026) -> list[Case]:
    """Cases assigned on every working day from March to 10 September, 3- or 6-month deadlines, mixed states."""
    rng = random.Random(seed)
    out: list[Case] = []
    day = FIRST_ASSIGNED
    while day <= LAST_ASSIGNED:
        if policy.calendar.is_working_day(day):
            for months in (3, 6):
                for v in range(VARIANTS):
                    out.append(_template(f"t-{day.isoformat()}-{months}-{v}", day, months, policy, rng))
        day += timedelta(days=1)
    return out


def ledger_doc(template: Case, k: int, policy: Policy) -> dict[str, Any]:
    """Case number k: a template under its own id, number, lead unit and field, stored as the service stores it."""
    unit_id, name = UNITS[(k * 7) % len(UNITS)]
    case = replace(
        template,
        id=f"bs-{k:06d}",
        number=f"15-2-{k + 1:06d}",
        title=f"关于{FIELDS[k % len(FIELDS)]}的建议（{k + 1}）",
        field=FIELDS[k % len(FIELDS)],
        lead=replace(template.lead, unit_id=unit_id, name=name),
        contacts=tuple(replace(c, unit_id=unit_id) for c in template.contacts),
    )
    doc = to_doc(case, policy)
    doc["applied_events"] = [f"seed-{k}"]
    doc["trace"] = {}
    return doc


async def seed(collection: Any, n: int, policy: Policy, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Write n ledger documents in chunks (keeping their figure rows); seconds spent building and inserting."""
    t0 = time.perf_counter()
    pool = templates(policy)
    build = time.perf_counter() - t0
    insert = 0.0
    for start in range(0, n, CHUNK):
        t1 = time.perf_counter()
        docs = [ledger_doc(pool[k % len(pool)], k, policy) for k in range(start, min(n, start + CHUNK))]
        rows += [d["figures"] for d in docs]
        t2 = time.perf_counter()
        await collection.insert_many(docs, ordered=False)
        build += t2 - t1
        insert += time.perf_counter() - t2
    return {"templates": len(pool), "build_seconds": round(build, 2), "insert_seconds": round(insert, 2)}


async def _lights(collection: Any) -> dict[str, int]:
    return {
        light: await collection.count_documents({"congress_id": CONGRESS, "light": light})
        for light in ("green", "yellow", "red")
    }


async def run(servers: Servers, n: int = 100_000) -> dict[str, Any]:
    """The sweep and the figures over n open ledger cases; seconds."""
    namespace = f"bs{uuid.uuid4().hex[:8]}"
    settings = settings_for(SupervisionSettings, servers, namespace, sweep_seconds=86_400, outbox_poll_seconds=0.5)
    staff = token(settings, "staff-1", Role.STAFF, congress_id=CONGRESS)
    policy = Policy()
    clock = _Clock(SEEDED_AT)
    probe: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_url, tz_aware=True)
    cases = probe[settings.database_name]["cases"]
    f: dict[str, Any] = {"cases": n}
    rows: list[dict[str, Any]] = []
    try:
        f |= await seed(cases, n, policy, rows)  # before the app starts: it builds its indexes over them
        app = create_app(settings, clock=clock)
        t0 = time.perf_counter()
        async with running(app) as http:
            f["startup_seconds"] = round(time.perf_counter() - t0, 2)
            await app.state.sweeper.stop()  # the bench runs the sweep itself, at the moment it chooses
            sweep_at = at_local_hour(SWEEP_DAY, policy.reminder_hour)
            f["open"] = await cases.count_documents({"congress_id": CONGRESS, "closed_at": None})
            f["waiting"] = await cases.count_documents({"next_check_at": {"$exists": True}})
            f["due"] = await cases.count_documents({"next_check_at": {"$lte": sweep_at}})
            before = await _lights(cases)

            clock.now = sweep_at
            t0 = time.perf_counter()
            f["sweep_changed"] = await app.state.sweeper.run_once()
            f["sweep_seconds"] = round(time.perf_counter() - t0, 2)
            t0 = time.perf_counter()
            f["sweep_again_changed"] = await app.state.sweeper.run_once()
            f["sweep_again_seconds"] = round(time.perf_counter() - t0, 3)
            after = await _lights(cases)
            f["turned_yellow"] = after["yellow"] - before["yellow"]
            f["turned_red"] = after["red"] - before["red"]
            t0 = time.perf_counter()
            while await cases.find_one({"outbox_since": {"$exists": True}}, {"_id": 1}):
                if time.perf_counter() - t0 > 90:
                    break
                await asyncio.sleep(0.2)
            f["sweep_events_out_seconds"] = round(time.perf_counter() - t0, 2)

            async def get(path: str, **params: Any) -> tuple[float, Any]:
                t = time.perf_counter()
                r = await http.get(path, headers=staff, params=params, timeout=600)
                r.raise_for_status()
                return round(time.perf_counter() - t, 2), r.json()

            f["figures_unit_seconds"], body = await get("/figures", year=YEAR, by="unit")
            f["figures_groups"] = len(body["groups"])
            f["figures_total_cases"] = body["total"]["cases"]
            f["figures_on_time_rate"] = body["total"]["on_time_rate"]
            # the arithmetic alone, on the same rows in memory: the rest of a request is reading them
            t0 = time.perf_counter()
            fig.table(rows, "unit", now=clock.now)
            f["arithmetic_seconds"] = round(time.perf_counter() - t0, 2)
    finally:
        await delete_namespace(servers.amqp_url, namespace)
        await probe.drop_database(settings.database_name)
        await probe.close()
    return f


def render(f: dict[str, Any]) -> str:
    """The figures as a few lines."""
    n = f["cases"]
    per_second = round(n / f["insert_seconds"]) if f["insert_seconds"] else 0
    return "\n".join(
        [
            f"7. Supervision over {n:,} open ledger cases (one process; SecantusDB/MongoDB and RabbitMQ)",
            f"   seeding (not part of the service's work): {f['templates']:,} cases built by the service's rules, "
            f"cloned to {n:,} documents in {f['build_seconds']} s; insert_many {f['insert_seconds']} s "
            f"({per_second:,}/s); app start-up with its indexes over them {f['startup_seconds']} s; "
            f"{f['waiting']:,} cases wait for their reply (in the sweep's index)",
            f"   traffic-light sweep at 09:00 on 15 Sep: {f['due']:,} cases due, {f['sweep_changed']:,} changed "
            f"({f['turned_yellow']:,} turned yellow, {f['turned_red']:,} red, the rest reminders) in "
            f"{f['sweep_seconds']} s; their events out after {f['sweep_events_out_seconds']} s more; "
            f"a second sweep right after: {f['sweep_again_changed']} changed in {f['sweep_again_seconds']} s",
            f"   GET /figures?year={YEAR} over {f['figures_total_cases']:,} cases: by unit "
            f"({f['figures_groups']} units) {f['figures_unit_seconds']} s — of which the arithmetic "
            f"{f['arithmetic_seconds']} s, the rest reading the figure rows (other groupings, the league table "
            "and the XLSX export read the same rows)",
        ]
    )


def main() -> None:
    """Print the figures."""
    with provide_servers() as servers:
        print(render(asyncio.run(run(servers))))


if __name__ == "__main__":
    main()
