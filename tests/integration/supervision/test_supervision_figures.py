"""Figures, the league table, the XLSX export and the published replies against the real servers.

A year of 60 cases of one congress goes through the real path — formal assignments published to the
broker, the units' sign-for, contacts and replies over HTTP, staff's review, evaluation's ratings as
events, B commitments done — with mixed units, fields, categories, deadlines, on-time and late replies.
The test writes down what it did to each case and computes the expected figures from that record alone.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from supervision_support import Suite, assigned_event, wrap

from shared.contracts.assignment import CaseCancelled
from shared.contracts.intake import DeputyRef
from shared.testing.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")

CST = ZoneInfo("Asia/Shanghai")
UNITS = ["u1", "u2", "u3", "u4"]
FIELDS = ["城乡建设", "教育", "医疗卫生"]
DEADLINES = [date(2026, 6, 10), date(2026, 6, 30)]
SLOTS = [date(2026, 5, 15), date(2026, 6, 15), date(2026, 7, 2)]  # when replies are submitted
RESUBMIT = date(2026, 7, 2)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


def at_day(d: date, hour: int = 10) -> datetime:
    return at(d.year, d.month, d.day, hour)


async def post(suite: Suite, path: str, headers: dict[str, str], body: Any = None) -> Any:
    response = await suite.client.post(path, headers=headers, json=body)
    assert response.status_code == 200, (path, response.text)
    return response.json()


@dataclass
class Plan:
    """What the test does to one case, and so what the figures must say about it."""

    case_id: str
    number: str
    unit: str
    field: str
    due: date
    confidential: bool = False
    cancelled: bool = False
    contact: bool = False
    category: str | None = None  # None: never replies
    slot: date | None = None  # when its (first) reply is submitted
    sent_back_first: bool = False  # the first reply (public) is sent back; the unit replies again on RESUBMIT
    left_in_review: bool = False  # the reply is never reviewed
    public: bool = False
    rating: str | None = None
    b_done: bool = False
    commitment_id: str = ""

    @property
    def delivered(self) -> bool:
        return self.category is not None and not self.left_in_review

    @property
    def submitted_on(self) -> date | None:
        """The submission of the reply that reached the deputy."""
        if not self.delivered:
            return None
        return RESUBMIT if self.sent_back_first else self.slot

    @property
    def final_category(self) -> str | None:
        if not self.delivered:
            return None
        return "A" if self.category == "B" and self.b_done else self.category


def make_plans(congress: str) -> list[Plan]:
    rng = random.Random(20260310)
    plans: list[Plan] = []
    for i in range(60):
        p = Plan(
            case_id=f"f-{congress[-6:]}-{i:02d}",
            number=f"15-2-{i + 1:04d}",
            unit=UNITS[rng.randrange(4)],
            field=FIELDS[i % 3],
            due=DEADLINES[rng.randrange(2)],
            confidential=rng.random() < 0.12,
        )
        plans.append(p)
        if i in (7, 41):
            p.cancelled = True
            continue
        r = rng.random()
        if r < 0.1:
            continue  # never contacted, never replied: overdue at the end
        p.contact = True
        if r < 0.2:
            continue  # contacted, no reply
        p.category = rng.choice("AABBC")
        p.slot = rng.choice(SLOTS)
        p.public = rng.random() < 0.6
        if p.slot == SLOTS[0] and rng.random() < 0.15:
            p.sent_back_first = True
        elif rng.random() < 0.05:
            p.left_in_review = True
        if p.delivered:
            p.rating = rng.choice([None, "satisfied", "satisfied", "basically_satisfied", "unsatisfied"])
            p.b_done = p.category == "B" and rng.random() < 0.5
    # the mix the test relies on is there
    assert sum(p.left_in_review for p in plans) >= 1 and sum(p.sent_back_first for p in plans) >= 1
    assert any(p.b_done for p in plans) and any(p.category == "B" and not p.b_done for p in plans)
    assert any(p.delivered and p.submitted_on and p.submitted_on > p.due for p in plans)
    return plans


def reply_body(p: Plan, *, public: bool, marker: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": p.category,
        "text": f"内部答复{marker}：{p.case_id}，含内部研究意见。",
        "signed_off_by": "王局长",
        "public": public,
        "public_text": f"公开答复{marker}：{p.case_id}" if public else "",
    }
    if p.category == "B":
        body["commitments"] = [{"text": "年内建成立体停车场", "due_on": "2026-12-31"}]
    if p.category == "C":
        body["reasons"] = "受财力所限，暂时难以实施。"
    return body


async def run_year(suite: Suite, congress: str) -> list[Plan]:
    """Drive 60 cases of 2026 (and 3 of 2025) through assignment, handling, review, rating."""
    plans = make_plans(congress)
    staff = suite.staff(congress)
    suite.clock.set(at(2026, 3, 10, 10))
    envelopes = []
    for p in plans:
        event = assigned_event(
            congress,
            p.case_id,
            assigned_at=at(2026, 3, 10, 10),
            reply_due_on=p.due,
            lead=p.unit,
            co=(),
            field_=p.field,
            number=p.number,
        )
        envelopes.append(
            wrap(event.model_copy(update={"title": f"关于{p.field}的建议{p.number}", "confidential": p.confidential}))
        )
    for k in range(3):  # last year's cases: other ledger year
        envelopes.append(
            wrap(
                assigned_event(
                    congress,
                    f"f-{congress[-6:]}-old{k}",
                    assigned_at=at(2025, 12, 15, 10),
                    reply_due_on=date(2026, 3, 16),
                )
            )
        )
    await suite.publish(*envelopes)

    async def all_there() -> bool:
        return await suite.db.cases.count_documents({"congress_id": congress}) == 63

    await eventually(all_there, timeout=60)

    suite.clock.set(at(2026, 3, 11, 10))
    for p in plans:
        if not p.cancelled and p.contact:
            await post(suite, f"/cases/{p.case_id}/sign", suite.unit(congress, p.unit))
    cancelled = [p for p in plans if p.cancelled]
    await suite.publish(
        *(
            wrap(
                CaseCancelled(
                    case_id=p.case_id,
                    congress_id=congress,
                    number=p.number,
                    title="关于…的建议",
                    field=p.field,
                    lead_deputy=DeputyRef(id="d1", name="屠永芳"),
                    reason="withdrawn",
                    units=[],
                    was_assigned=True,
                    cancelled_at=at(2026, 3, 11, 10),
                )
            )
            for p in cancelled
        )
    )

    async def gone() -> bool:
        query = {"_id": {"$in": [p.case_id for p in cancelled]}, "status": "cancelled"}
        return await suite.db.cases.count_documents(query) == len(cancelled)

    await eventually(gone)

    suite.clock.set(at(2026, 4, 1, 10))
    for p in plans:
        if p.contact:
            contact = {
                "stage": "on_receipt",
                "method": "face_to_face",
                "held_at": "2026-04-01T09:00:00+08:00",
                "deputy_said": "希望尽快解决",
            }
            await post(suite, f"/cases/{p.case_id}/contacts", suite.unit(congress, p.unit), contact)

    for slot in SLOTS:
        suite.clock.set(at_day(slot))
        replying = [p for p in plans if p.category and p.slot == slot]
        resubmitting = [p for p in plans if p.sent_back_first] if slot == RESUBMIT else []
        for p in replying:
            first_public = True if (p.sent_back_first or p.left_in_review) else p.public
            marker = "（退回件）" if p.sent_back_first else "（待审件）" if p.left_in_review else ""
            await post(
                suite,
                f"/cases/{p.case_id}/reply",
                suite.unit(congress, p.unit),
                reply_body(p, public=first_public, marker=marker),
            )
        for p in resubmitting:
            await post(suite, f"/cases/{p.case_id}/reply", suite.unit(congress, p.unit), reply_body(p, public=p.public))
        for k, p in enumerate([*replying, *resubmitting]):
            if p.left_in_review:
                continue
            suite.clock.set(at_day(slot, 16) + timedelta(minutes=k))  # each reply reaches its deputy at its own time
            if p.sent_back_first and p not in resubmitting:
                body = {"accept": False, "reasons": ["measures_mismatch"], "note": "措施与问题不对应"}
                case = await post(suite, f"/cases/{p.case_id}/review", staff, body)
                assert case["status"] == "handling"
                continue
            case = await post(suite, f"/cases/{p.case_id}/review", staff, {"accept": True})
            assert case["status"] == "replied"
            if p.category == "B":
                p.commitment_id = case["commitments"][0]["id"]

    suite.clock.set(at(2026, 7, 10, 10))
    rated = [p for p in plans if p.rating]
    for p in rated:
        await suite.rate(congress, p.case_id, p.rating or "")
    for p in plans:
        if p.b_done:
            case = await post(
                suite, f"/cases/{p.case_id}/commitments/{p.commitment_id}/done", staff, {"note": "已建成"}
            )
            assert case["became_a"] is True

    async def all_rated() -> bool:
        query = {"_id": {"$in": [p.case_id for p in rated]}, "ratings.0": {"$exists": True}}
        return await suite.db.cases.count_documents(query) == len(rated)

    await eventually(all_rated, timeout=60)
    suite.clock.set(at(2026, 7, 20, 10))
    return plans


# --- what the figures must be, from the test's own record -------------------------------------------


def ratio(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def expected(plans: list[Plan]) -> dict[str, Any]:
    live = [p for p in plans if not p.cancelled]
    replied = [p for p in live if p.delivered]
    on_time = [p for p in replied if p.submitted_on and p.submitted_on <= p.due]
    # at 20 July every deadline (10 and 30 June) has passed: a case with no reply is due, unless a reply
    # waits for staff's review
    overdue = [p for p in live if p.category is None]
    due = len(replied) + len(overdue)
    closed = [p for p in live if p.rating in ("satisfied", "basically_satisfied")]
    rated = [p for p in live if p.rating]
    good = [p for p in rated if p.rating != "unsatisfied"]
    a = [p for p in replied if p.final_category == "A"]
    contacted = [p for p in live if p.contact]
    return {
        "cases": len(live),
        "replied": len(replied),
        "due": due,
        "on_time": len(on_time),
        "overdue": len(overdue),
        "closed": len(closed),
        "category_a": len(a),
        "category_b": sum(p.final_category == "B" for p in replied),
        "category_c": sum(p.final_category == "C" for p in replied),
        "rated": len(rated),
        "satisfied": sum(p.rating == "satisfied" for p in rated),
        "basically_satisfied": sum(p.rating == "basically_satisfied" for p in rated),
        "unsatisfied": sum(p.rating == "unsatisfied" for p in rated),
        "contacted": len(contacted),
        "on_time_rate": ratio(len(on_time), due),
        "completion_rate": ratio(len(closed), len(live)),
        "solved_rate": ratio(len(a), len(replied)),
        "satisfaction_rate": ratio(len(good), len(rated)),
        "contact_rate": ratio(len(contacted), len(live)),
    }


def grouped(plans: list[Plan], key: Callable[[Plan], Any]) -> dict[Any, dict[str, Any]]:
    keys = {key(p) for p in plans if not p.cancelled}
    return {k: expected([p for p in plans if key(p) == k]) for k in keys}


def strip(group: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in group.items() if k not in ("key", "label")}


# --- the tests -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def year_state() -> dict[str, Any]:
    return {}


async def seeded(suite: Suite, state: dict[str, Any]) -> tuple[str, list[Plan]]:
    if "plans" not in state:
        congress = suite.new_congress()
        state["congress"], state["plans"] = congress, await run_year(suite, congress)
    return state["congress"], state["plans"]


async def test_the_figures_of_a_year_match_what_the_test_did(suite: Suite, year_state: dict[str, Any]) -> None:
    congress, plans = await seeded(suite, year_state)
    staff = suite.staff(congress)
    response = await suite.client.get("/figures", headers=staff, params={"year": 2026})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["year"], body["by"], body["congress_id"]) == (2026, "unit", congress)
    want_total = expected(plans)
    assert want_total["cases"] == 58
    assert strip(body["total"]) == want_total
    assert {g["key"]: strip(g) for g in body["groups"]} == grouped(plans, lambda p: p.unit)
    assert {g["key"]: g["label"] for g in body["groups"]} == {u: f"单位{u}" for u in {p.unit for p in plans}}

    by_field = (await suite.client.get("/figures", headers=staff, params={"year": 2026, "by": "field"})).json()
    assert {g["key"]: strip(g) for g in by_field["groups"]} == grouped(plans, lambda p: p.field)
    by_category = (await suite.client.get("/figures", headers=staff, params={"year": 2026, "by": "category"})).json()
    assert {g["key"]: strip(g) for g in by_category["groups"]} == grouped(plans, lambda p: p.final_category)
    assert [g["key"] for g in by_category["groups"]] == ["A", "B", "C", None]
    by_congress = (await suite.client.get("/figures", headers=staff, params={"year": 2026, "by": "congress"})).json()
    assert [(g["key"], strip(g)) for g in by_congress["groups"]] == [(congress, want_total)]

    # without a year: last year's three cases (never replied, overdue) come in
    every = (await suite.client.get("/figures", headers=suite.leader(congress), params={"by": "year"})).json()
    assert [(g["key"], g["cases"], g["overdue"]) for g in every["groups"]] == [
        ("2025", 3, 3),
        ("2026", 58, want_total["overdue"]),
    ]
    assert every["total"]["cases"] == 61
    # another year has nothing
    empty = (await suite.client.get("/figures", headers=staff, params={"year": 2024})).json()
    assert empty["groups"] == [] and empty["total"]["cases"] == 0 and empty["total"]["on_time_rate"] is None


async def test_the_league_table_ranks_the_units(suite: Suite, year_state: dict[str, Any]) -> None:
    congress, plans = await seeded(suite, year_state)
    response = await suite.client.get("/figures/league", headers=suite.leader(congress), params={"year": 2026})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ranked_by"] == ["on_time_rate", "satisfaction_rate", "completion_rate"]
    want = grouped(plans, lambda p: p.unit)

    def order(unit: str) -> tuple[Any, ...]:
        g = want[unit]
        return (*(-1.0 * g[k] if g[k] is not None else 1.0 for k in body["ranked_by"]), unit)

    assert [row["key"] for row in body["data"]] == sorted(want, key=order)
    ranks = [1 + sum(order(v)[:3] < order(u)[:3] for v in want) for u in sorted(want, key=order)]
    assert [row["rank"] for row in body["data"]] == ranks
    for row in body["data"]:
        assert strip({k: v for k, v in row.items() if k != "rank"}) == want[row["key"]]


async def test_the_export_opens_in_excel_with_a_row_per_unit_and_the_total(
    suite: Suite, year_state: dict[str, Any]
) -> None:
    congress, plans = await seeded(suite, year_state)
    response = await suite.client.get(
        "/figures/export", headers=suite.staff(congress), params={"year": 2026, "by": "unit"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and 'filename="figures-2026-unit.xlsx"' in disposition
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    for name in ("承办单位", "件数", "已答复", "按时答复", "按时办复率", "办结率", "解决率", "满意率", "见面沟通率"):
        assert name in header
    col = {name: i for i, name in enumerate(header)}
    want = grouped(plans, lambda p: p.unit)
    got = {r[col["承办单位"]]: r for r in rows[1:]}
    assert set(got) == {f"单位{u}" for u in want} | {"合计"}
    for unit, w in [*((f"单位{u}", w) for u, w in want.items()), ("合计", expected(plans))]:
        r = got[unit]
        assert (r[col["件数"]], r[col["已答复"]], r[col["按时答复"]]) == (w["cases"], w["replied"], w["on_time"])
        assert (r[col["按时办复率"]], r[col["办结率"]], r[col["解决率"]]) == (
            w["on_time_rate"],
            w["completion_rate"],
            w["solved_rate"],
        )
        assert (r[col["满意率"]], r[col["见面沟通率"]]) == (w["satisfaction_rate"], w["contact_rate"])

    league = await suite.client.get(
        "/figures/export", headers=suite.staff(congress), params={"year": 2026, "by": "league"}
    )
    assert league.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(league.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "排名" and rows[1][0] == 1 and len(rows) == len(want) + 2


async def test_published_replies_show_only_delivered_public_replies_of_open_cases(
    suite: Suite, year_state: dict[str, Any]
) -> None:
    congress, plans = await seeded(suite, year_state)
    want = {p.case_id: p for p in plans if p.delivered and p.public and not p.confidential}
    assert want and any(p.confidential and p.delivered and p.public for p in plans)  # something is held back
    response = await suite.client.get(f"/public/congresses/{congress}/replies", params={"limit": 100})  # no token
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(want)
    assert {r["case_id"] for r in body["data"]} == set(want)
    assert "内部答复" not in response.text and "（退回件）" not in response.text and "（待审件）" not in response.text
    for r in body["data"]:
        p = want[r["case_id"]]
        assert r["text"] == f"公开答复：{p.case_id}"
        assert (r["number"], r["field"], r["lead_unit"], r["category"], r["year"]) == (
            p.number,
            p.field,
            f"单位{p.unit}",
            p.category,
            2026,
        )
        assert r["replied_at"].startswith(str(p.submitted_on))  # reviewed the same day
    # newest first, and paged
    times = [r["replied_at"] for r in body["data"]]
    assert times == sorted(times, reverse=True)
    page = (await suite.client.get(f"/public/congresses/{congress}/replies", params={"skip": 2, "limit": 3})).json()
    assert page["count"] == len(want) and [r["case_id"] for r in page["data"]] == [
        r["case_id"] for r in body["data"][2:5]
    ]
    assert (await suite.client.get(f"/public/congresses/{congress}/replies", params={"year": 2025})).json() == {
        "data": [],
        "count": 0,
    }
    too_many = await suite.client.get(f"/public/congresses/{congress}/replies", params={"limit": 101})
    assert too_many.status_code == 422
    other = (await suite.client.get(f"/public/congresses/{suite.new_congress()}/replies")).json()
    assert other == {"data": [], "count": 0}


async def test_figures_are_for_staff_and_leaders_only(suite: Suite, year_state: dict[str, Any]) -> None:
    congress, plans = await seeded(suite, year_state)
    handler = suite.unit(congress, plans[0].unit)
    for path in ("/figures", "/figures/league", "/figures/export"):
        refused = await suite.client.get(path, headers=handler, params={"year": 2026})
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "auth.role_not_allowed")
        anonymous = await suite.client.get(path, params={"year": 2026})
        assert anonymous.status_code == 401
    bad = await suite.client.get("/figures", headers=suite.staff(congress), params={"by": "deputy"})
    assert bad.status_code == 422
    # another congress's staff see only their own (nothing)
    theirs = (await suite.client.get("/figures", headers=suite.staff(suite.new_congress()))).json()
    assert theirs["groups"] == [] and theirs["total"]["cases"] == 0
