"""Ballots against the real servers: key selection (票决) with its final list, democratic evaluation (民主评议) with
the 60% rules, double votes at the same moment, 100 voters voting at once, the close (by staff, by time, with
votes racing it), secrecy in the database, and refusals with their codes that write nothing."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from evaluation_support import Suite

from shared.testing.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")

OPENED = "evaluation.ballot.opened.v1"
CLOSED = "evaluation.ballot.closed.v1"
OUTCOME = "evaluation.outcome.decided.v1"
SELECTED = "evaluation.key_suggestions.selected.v1"
NOW = datetime(2026, 12, 18, 1, tzinfo=UTC)


def code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def people(n: int, prefix: str = "ev") -> list[dict[str, str]]:
    return [{"id": f"{prefix}-{k:03d}", "name": f"评议代表{k}"} for k in range(n)]


async def create(suite: Suite, congress: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "democratic_evaluation",
        "title": "2026年度承办单位民主评议",
        "year": 2026,
        "items": [{"id": "u-jianshe", "label": "市住建局"}],
        "voters": people(3),
    }
    body.update(fields)
    r = await suite.client.post("/ballots", headers=suite.staff(congress), json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def opened(suite: Suite, congress: str, **fields: Any) -> dict[str, Any]:
    ballot = await create(suite, congress, **fields)
    r = await suite.client.post(f"/ballots/{ballot['id']}/open", headers=suite.staff(congress))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def vote(suite: Suite, congress: str, ballot_id: str, voter: str, body: dict[str, Any]) -> Any:
    return await suite.client.post(f"/ballots/{ballot_id}/votes", headers=suite.evaluator(congress, voter), json=body)


def mark(item: str, choice: str, continue_handling: bool = False) -> dict[str, Any]:
    return {"item_id": item, "choice": choice, "continue_handling": continue_handling}


async def close(suite: Suite, congress: str, ballot_id: str) -> dict[str, Any]:
    r = await suite.client.post(f"/ballots/{ballot_id}/close", headers=suite.staff(congress))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def events(suite: Suite, congress: str, type_: str, count: int) -> list[dict[str, Any]]:
    async def enough() -> list[dict[str, Any]]:
        seen = await suite.tap.events(congress, type_)
        return seen if len(seen) >= count else []

    return await eventually(enough, timeout=60)


async def cast_marks(suite: Suite, congress: str, ballot_id: str, item: str, marks: list[tuple[str, bool]]) -> None:
    """One voter per mark (ev-000, ev-001, …), all at once."""
    results = await asyncio.gather(
        *(
            vote(suite, congress, ballot_id, f"ev-{k:03d}", {"marks": [mark(item, c, h)]})
            for k, (c, h) in enumerate(marks)
        )
    )
    assert [r.status_code for r in results] == [201] * len(marks), [r.text for r in results if r.status_code != 201]


def marks_of(good: int, bad: int, asking: int = 0) -> list[tuple[str, bool]]:
    """`good` satisfied or basically satisfied (alternating), `bad` unsatisfied; the first `asking` ask to continue."""
    choices = [("satisfied" if k % 2 else "basically_satisfied") for k in range(good)] + ["unsatisfied"] * bad
    return [(c, k < asking) for k, c in enumerate(choices)]


# --------------------------------------------------------------------------- key selection (票决)


async def test_a_key_selection_from_draft_to_the_chair_meetings_final_list(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    staff = suite.staff(congress)
    candidates = [{"id": f"s-{k:02d}", "label": f"建议{k}"} for k in range(1, 11)]
    voters = [{"id": f"dep-{k}", "name": f"代表{k}"} for k in range(1, 6)]
    ballot = await create(
        suite,
        congress,
        kind="key_selection",
        title="2026年重点建议票决",
        items=candidates,
        voters=voters,
        max_picks=3,
        public_results=True,
    )
    assert ballot["state"] == "draft" and ballot["secret"] is True and ballot["rules"] is None
    bid = ballot["id"]
    r = await suite.client.post(
        f"/ballots/{bid}/votes", headers=suite.deputy(congress, "dep-1"), json={"picks": ["s-01"]}
    )
    assert (r.status_code, code(r)) == (409, "ballot.not_open")
    assert (await suite.client.get("/ballots/mine", headers=suite.deputy(congress, "dep-1"))).json()["data"] == []

    r = await suite.client.post(f"/ballots/{bid}/open", headers=staff)
    assert r.json()["state"] == "open"
    (event,) = await events(suite, congress, OPENED, 1)
    assert event["data"]["kind"] == "key_selection" and event["data"]["voters"] == [v["id"] for v in voters]

    mine = (await suite.client.get("/ballots/mine", headers=suite.deputy(congress, "dep-1"))).json()["data"]
    assert [(m["id"], m["max_picks"], m["voted"], len(m["items"])) for m in mine] == [(bid, 3, False, 10)]

    picks = {
        "dep-1": ["s-03", "s-01", "s-07"],
        "dep-2": ["s-03", "s-01"],
        "dep-3": ["s-03", "s-02", "s-07"],
        "dep-4": ["s-05", "s-02"],
    }
    for voter, chosen in picks.items():
        r = await suite.client.post(
            f"/ballots/{bid}/votes", headers=suite.deputy(congress, voter), json={"picks": chosen}
        )
        assert r.status_code == 201, r.text
        assert r.json() == {"ballot_id": bid, "recorded": True, "items": []}

    mine = (await suite.client.get("/ballots/mine", headers=suite.deputy(congress, "dep-1"))).json()["data"]
    assert mine[0]["voted"] is True
    # before the close: no results for anyone; staff see the turnout, never the picks
    for headers in (suite.deputy(congress, "dep-1"), staff):
        r = await suite.client.get(f"/ballots/{bid}/results", headers=headers)
        assert (r.status_code, code(r)) == (409, "ballot.not_closed")
    r = await suite.client.get(f"/public/congresses/{congress}/ballots/{bid}/results")
    assert (r.status_code, code(r)) == (404, "ballot.not_found")
    turnout = (await suite.client.get(f"/ballots/{bid}/turnout", headers=staff)).json()
    assert (turnout["voters"], turnout["voted"]) == (5, 4)
    assert [w["id"] for w in turnout["who_voted"]] == ["dep-1", "dep-2", "dep-3", "dep-4"]
    assert [n["id"] for n in turnout["not_voted"]] == ["dep-5"]
    assert "s-03" not in str(turnout)
    detail = (await suite.client.get(f"/ballots/{bid}", headers=staff)).json()
    assert "tally" not in detail and detail["turnout"] == 0
    r = await suite.client.get(f"/ballots/{bid}/turnout", headers=suite.deputy(congress, "dep-1"))
    assert (r.status_code, code(r)) == (403, "auth.role_not_allowed")

    r = await suite.client.post(f"/ballots/{bid}/final-list", headers=staff, json={"case_ids": ["s-03"]})
    assert (r.status_code, code(r)) == (409, "ballot.not_closed")

    results = await close(suite, congress, bid)
    expected = Counter(p for chosen in picks.values() for p in chosen)
    assert {t["item_id"]: t["votes"] for t in results["tally"]} == {c["id"]: expected[c["id"]] for c in candidates}
    assert [(t["item_id"], t["votes"], t["rank"]) for t in results["tally"][:6]] == [
        ("s-03", 3, 1),
        ("s-01", 2, 2),
        ("s-02", 2, 2),
        ("s-07", 2, 2),
        ("s-05", 1, 5),
        ("s-04", 0, 6),
    ]
    assert (results["voters"], results["turnout"]) == (5, 4)
    (closed,) = await events(suite, congress, CLOSED, 1)
    assert closed["data"]["turnout"] == 4 and closed["data"]["tally"][0]["item_id"] == "s-03"
    for headers in (suite.deputy(congress, "dep-5"), staff, suite.leader(congress)):
        r = await suite.client.get(f"/ballots/{bid}/results", headers=headers)
        assert r.status_code == 200 and r.json()["tally"] == results["tally"]
    r = await suite.client.get(f"/ballots/{bid}/results", headers=suite.deputy(congress, "dep-99"))
    assert (r.status_code, code(r)) == (403, "ballot.not_a_voter")
    public = await suite.client.get(f"/public/congresses/{congress}/ballots/{bid}/results")
    assert public.status_code == 200 and public.json()["tally"] == results["tally"]
    r = await suite.client.get(f"/public/congresses/other-congress/ballots/{bid}/results")
    assert r.status_code == 404

    # the chair meeting fixes the final list: any subset, its own order
    body = {"case_ids": ["s-07", "s-03", "s-05"], "note": "主任会议研究确定"}
    r = await suite.client.post(f"/ballots/{bid}/final-list", headers=staff, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["final_list"]["case_ids"] == ["s-07", "s-03", "s-05"]
    r = await suite.client.post(f"/ballots/{bid}/final-list", headers=staff, json=body)
    assert r.status_code == 200
    r = await suite.client.post(f"/ballots/{bid}/final-list", headers=staff, json={"case_ids": ["s-01"]})
    assert (r.status_code, code(r)) == (409, "ballot.final_list_recorded")
    (selected,) = await events(suite, congress, SELECTED, 1)
    assert selected["data"]["case_ids"] == ["s-07", "s-03", "s-05"] and selected["data"]["ballot_id"] == bid
    assert selected["subject"] == "key-suggestions:2026"
    await suite.relay_settled("ballots")
    assert len(await suite.tap.events(congress, SELECTED)) == 1


# --------------------------------------------------------------------------- double votes


async def test_a_double_vote_at_the_same_moment_is_refused_and_counted_once(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    items = [{"id": f"s-{k}"} for k in range(1, 4)]
    selection = await opened(suite, congress, kind="key_selection", items=items, voters=people(3), max_picks=2)
    same = {"picks": ["s-1", "s-2"]}
    first, second = await asyncio.gather(
        vote(suite, congress, selection["id"], "ev-000", same), vote(suite, congress, selection["id"], "ev-000", same)
    )
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    refused = first if first.status_code == 409 else second
    assert code(refused) == "ballot.already_voted"
    again = await vote(suite, congress, selection["id"], "ev-000", {"picks": ["s-3"]})
    assert (again.status_code, code(again)) == (409, "ballot.already_voted")
    assert await suite.db.ballot_votes.count_documents({"ballot_id": selection["id"]}) == 1

    evaluation = await opened(suite, congress, items=[{"id": "u-1"}, {"id": "u-2"}], voters=people(3))
    body = {"marks": [mark("u-1", "satisfied", True)]}
    first, second = await asyncio.gather(
        vote(suite, congress, evaluation["id"], "ev-001", body), vote(suite, congress, evaluation["id"], "ev-001", body)
    )
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    # per item: the other item later is fine, the first item again is not (nor both together)
    r = await vote(suite, congress, evaluation["id"], "ev-001", {"marks": [mark("u-2", "unsatisfied")]})
    assert r.status_code == 201 and r.json()["items"] == ["u-2"]
    r = await vote(suite, congress, evaluation["id"], "ev-001", {"marks": [mark("u-1", "unsatisfied")]})
    assert (r.status_code, code(r)) == (409, "ballot.already_voted")
    assert r.json()["error"]["details"]["item_ids"] == ["u-1"]

    staff = suite.staff(congress)
    turnout = (await suite.client.get(f"/ballots/{selection['id']}/turnout", headers=staff)).json()
    assert (turnout["voted"], [w["id"] for w in turnout["who_voted"]]) == (1, ["ev-000"])
    turnout = (await suite.client.get(f"/ballots/{evaluation['id']}/turnout", headers=staff)).json()
    assert turnout["who_voted"] == [{"id": "ev-001", "name": "评议代表1", "items": ["u-1", "u-2"]}]

    ks = await close(suite, congress, selection["id"])
    assert {t["item_id"]: t["votes"] for t in ks["tally"]} == {"s-1": 1, "s-2": 1, "s-3": 0}
    assert ks["turnout"] == 1
    de = await close(suite, congress, evaluation["id"])
    assert [
        (t["item_id"], t["votes"], t["satisfied"], t["unsatisfied"], t["continue_handling"]) for t in de["tally"]
    ] == [
        ("u-1", 1, 1, 0, 1),
        ("u-2", 1, 0, 1, 0),
    ]


# --------------------------------------------------------------------------- 100 voters at once


async def test_a_100_voter_ballot_with_concurrent_voting_tallies_exactly(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    units = [{"id": "u-jianshe", "label": "市住建局"}, {"id": "u-jiaotong", "label": "市交通局"}]
    ballot = await opened(
        suite, congress, items=units, voters=people(100), closes_at=(NOW + timedelta(days=1)).isoformat()
    )
    rng = random.Random(20261218)
    choices = ["satisfied", "basically_satisfied", "unsatisfied"]
    ballots = {
        f"ev-{k:03d}": [mark(u["id"], rng.choice(choices), rng.random() < 0.3) for u in units] for k in range(100)
    }
    results = await asyncio.gather(
        *(vote(suite, congress, ballot["id"], voter, {"marks": marks}) for voter, marks in ballots.items())
    )
    assert [r.status_code for r in results] == [201] * 100, [r.text for r in results if r.status_code != 201]
    turnout = (await suite.client.get(f"/ballots/{ballot['id']}/turnout", headers=suite.staff(congress))).json()
    assert turnout["voted"] == 100 and turnout["not_voted"] == []

    out = await close(suite, congress, ballot["id"])
    assert out["turnout"] == 100
    for line in out["tally"]:
        marks = [m for ms in ballots.values() for m in ms if m["item_id"] == line["item_id"]]
        counted = Counter(m["choice"] for m in marks)
        assert (line["satisfied"], line["basically_satisfied"], line["unsatisfied"]) == (
            counted["satisfied"],
            counted["basically_satisfied"],
            counted["unsatisfied"],
        )
        assert line["votes"] == 100
        assert line["continue_handling"] == sum(1 for m in marks if m["continue_handling"])
        good = counted["satisfied"] + counted["basically_satisfied"]
        assert line["satisfaction_rate"] == pytest.approx(good / 100)
    assert [o["item_id"] for o in out["outcomes"]] == ["u-jianshe", "u-jiaotong"]
    assert await suite.db.ballot_votes.count_documents({"ballot_id": ballot["id"]}) == 100
    assert await suite.db.ballot_turnout.count_documents({"ballot_id": ballot["id"], "state": "voted"}) == 100


# --------------------------------------------------------------------------- the 60% rules


async def test_the_60_percent_rules_over_two_years(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    units = [
        {"id": "u-at60", "label": "恰好60%"},
        {"id": "u-below", "label": "两年不足60%"},
        {"id": "u-continue", "label": "满意但过半要求继续办理"},
        {"id": "u-half", "label": "恰好一半要求继续办理"},
    ]
    first = await opened(suite, congress, title="2025年度民主评议", year=2025, items=units, voters=people(10))
    await cast_marks(suite, congress, first["id"], "u-at60", marks_of(6, 4))  # exactly 60%: not below
    await cast_marks(suite, congress, first["id"], "u-below", marks_of(5, 5))
    await cast_marks(suite, congress, first["id"], "u-continue", marks_of(10, 0, asking=6))  # 100%, 60% ask
    await cast_marks(suite, congress, first["id"], "u-half", marks_of(10, 0, asking=5))  # exactly half ask
    results = await close(suite, congress, first["id"])
    decided = {o["item_id"]: (o["satisfaction_rate"], o["outcome"]) for o in results["outcomes"]}
    assert decided == {
        "u-at60": (0.6, "passed"),
        "u-below": (0.5, "re_evaluate_next_year"),
        "u-continue": (1.0, "chair_decides_continuation"),
        "u-half": (1.0, "passed"),
    }
    announced = await events(suite, congress, OUTCOME, 4)
    assert {e["data"]["item_id"]: e["data"]["outcome"] for e in announced} == {k: v[1] for k, v in decided.items()}

    # the next year: below again → special inquiry; below for the first time → evaluated again next year
    second = await opened(suite, congress, title="2026年度民主评议", year=2026, items=units[:2], voters=people(10))
    await cast_marks(suite, congress, second["id"], "u-below", marks_of(5, 5))
    await cast_marks(suite, congress, second["id"], "u-at60", marks_of(5, 5))
    results = await close(suite, congress, second["id"])
    assert {o["item_id"]: o["outcome"] for o in results["outcomes"]} == {
        "u-below": "special_inquiry",
        "u-at60": "re_evaluate_next_year",
    }

    staff = suite.staff(congress)
    listed = (await suite.client.get("/outcomes", headers=staff, params={"item_id": "u-below"})).json()
    assert [(o["year"], o["outcome"], o["below"]) for o in listed["data"]] == [
        (2026, "special_inquiry", True),
        (2025, "re_evaluate_next_year", True),
    ]
    listed = (await suite.client.get("/outcomes", headers=staff, params={"year": 2025})).json()
    assert listed["count"] == 4
    other = (await suite.client.get("/outcomes", headers=suite.staff(suite.new_congress()))).json()
    assert other == {"data": [], "count": 0}


async def test_a_ballots_own_rules_decide(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    ballot = await opened(
        suite,
        congress,
        items=[{"id": "u-1"}],
        voters=people(10),
        satisfaction_formula="satisfied_only",
        continue_threshold=0.3,
    )
    # 6 satisfied + 4 basically satisfied: 100% with the default formula, 60% counting only 满意
    marks = [("satisfied", k < 4) for k in range(6)] + [("basically_satisfied", False)] * 4
    await cast_marks(suite, congress, ballot["id"], "u-1", marks)
    results = await close(suite, congress, ballot["id"])
    (outcome,) = results["outcomes"]
    assert (outcome["satisfaction_rate"], outcome["continue_share"], outcome["outcome"]) == (
        0.6,
        0.4,
        "chair_decides_continuation",
    )
    assert results["rules"] == {
        "pass_threshold": 0.6,
        "continue_threshold": 0.3,
        "satisfaction_formula": "satisfied_only",
    }


# --------------------------------------------------------------------------- closing


async def test_votes_after_the_close_or_by_someone_not_on_the_list_are_refused(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    ballot = await opened(suite, congress, voters=people(3), closes_at=(NOW + timedelta(hours=2)).isoformat())
    bid = ballot["id"]
    body = {"marks": [mark("u-jianshe", "satisfied")]}
    r = await vote(suite, congress, bid, "stranger", body)
    assert (r.status_code, code(r)) == (403, "ballot.not_a_voter")
    r = await suite.client.post(f"/ballots/{bid}/votes", headers=suite.staff(congress, "ev-000"), json=body)
    assert (r.status_code, code(r)) == (403, "auth.role_not_allowed")
    r = await vote(suite, suite.new_congress(), bid, "ev-000", body)  # a voter of another congress
    assert (r.status_code, code(r)) == (404, "ballot.not_found")
    assert (await vote(suite, congress, bid, "ev-000", body)).status_code == 201

    # closes_at reached: refused at once, even before the sweep has closed the ballot
    suite.clock.set(NOW + timedelta(hours=2))
    r = await vote(suite, congress, bid, "ev-001", body)
    assert (r.status_code, code(r)) == (409, "ballot.closed")
    assert await suite.app.state.ballots.next_due() is not None
    assert await suite.app.state.ballot_sweep.run_once() >= 1
    (closed,) = await events(suite, congress, CLOSED, 1)
    assert closed["data"]["turnout"] == 1 and closed["data"]["tally"][0]["satisfied"] == 1
    doc = await suite.db.ballots.find_one({"_id": bid})
    assert doc["state"] == "closed" and doc["closing_at"] == NOW + timedelta(hours=2) and doc["closed_by"] == ""
    r = await vote(suite, congress, bid, "ev-002", body)
    assert (r.status_code, code(r)) == (409, "ballot.closed")
    r = await suite.client.post(f"/ballots/{bid}/close", headers=suite.staff(congress))
    assert (r.status_code, code(r)) == (409, "ballot.closed")
    assert await suite.db.ballot_votes.count_documents({"ballot_id": bid}) == 1
    assert await suite.db.ballot_turnout.count_documents({"ballot_id": bid}) == 1


async def test_a_ballot_past_its_closing_time_shows_its_results_on_the_first_read(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    ballot = await opened(suite, congress, voters=people(2), closes_at=(NOW + timedelta(minutes=30)).isoformat())
    assert (
        await vote(suite, congress, ballot["id"], "ev-001", {"marks": [mark("u-jianshe", "unsatisfied")]})
    ).status_code == 201
    suite.clock.set(NOW + timedelta(minutes=31))
    r = await suite.client.get(f"/ballots/{ballot['id']}/results", headers=suite.evaluator(congress, "ev-000"))
    assert r.status_code == 200, r.text
    assert r.json()["outcomes"][0]["outcome"] == "re_evaluate_next_year"
    assert len(await events(suite, congress, CLOSED, 1)) == 1


@pytest.mark.parametrize("kind", ["key_selection", "democratic_evaluation", "second_item"])
async def test_votes_racing_the_close_are_counted_exactly_when_accepted(suite: Suite, kind: str) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    n = 60
    if kind == "key_selection":
        items = [{"id": "s-1"}, {"id": "s-2"}]
        ballot = await opened(suite, congress, kind=kind, items=items, voters=people(n), max_picks=1)
        body: dict[str, Any] = {"picks": ["s-1"]}
    else:
        ballot = await opened(suite, congress, items=[{"id": "u-1"}, {"id": "u-2"}], voters=people(n))
        body = {"marks": [mark("u-1", "satisfied")]}
    bid = ballot["id"]
    if kind == "second_item":  # everyone voted on u-1 already; u-2 races the close (a partial withdrawal)
        await cast_marks(suite, congress, bid, "u-1", [("unsatisfied", False)] * n)
        body = {"marks": [mark("u-2", "satisfied")]}

    async def late_close() -> Any:
        await asyncio.sleep(0.05)
        return await suite.client.post(f"/ballots/{bid}/close", headers=suite.staff(congress))

    votes = [vote(suite, congress, bid, f"ev-{k:03d}", body) for k in range(n)]
    *answers, closed = await asyncio.gather(*votes, late_close())
    assert closed.status_code == 200, closed.text
    accepted = [r for r in answers if r.status_code == 201]
    assert {code(r) for r in answers if r.status_code != 201} <= {"ballot.closed"}
    results = closed.json()
    counted = {t["item_id"]: (t["votes"], t["satisfied"], t["unsatisfied"]) for t in results["tally"]}
    turnout = (await suite.client.get(f"/ballots/{bid}/turnout", headers=suite.staff(congress))).json()
    if kind == "key_selection":
        assert counted["s-1"][0] == results["turnout"] == turnout["voted"] == len(accepted)
    elif kind == "democratic_evaluation":
        assert counted["u-1"] == (len(accepted), len(accepted), 0) and counted["u-2"] == (0, 0, 0)
        assert results["turnout"] == turnout["voted"] == len(accepted)
    else:
        assert counted["u-1"] == (n, 0, n) and counted["u-2"] == (len(accepted), len(accepted), 0)
        assert results["turnout"] == turnout["voted"] == n
        accepted_voters = {r.request.headers["authorization"] for r in accepted}
        assert len(accepted_voters) == len(accepted)
        assert sorted(len(w["items"]) for w in turnout["who_voted"]) == sorted(
            [2] * len(accepted) + [1] * (n - len(accepted))
        )
    assert await suite.db.ballot_votes.count_documents({"ballot_id": bid, "sealed": False}) == 0
    assert await suite.db.ballot_votes.count_documents({"ballot_id": bid}) == results["turnout"]


async def test_a_close_left_unfinished_is_finished_by_the_sweep(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    ballot = await opened(suite, congress, voters=people(3))
    bid = ballot["id"]
    for voter, choice in (("ev-000", "satisfied"), ("ev-001", "unsatisfied")):
        assert (await vote(suite, congress, bid, voter, {"marks": [mark("u-jianshe", choice)]})).status_code == 201
    # a crash after the close began: the ballot is closing, nothing sealed or counted yet
    await suite.db.ballots.update_one(
        {"_id": bid}, {"$set": {"state": "closing", "closing_at": NOW, "next_due_at": NOW + timedelta(seconds=30)}}
    )
    r = await vote(suite, congress, bid, "ev-002", {"marks": [mark("u-jianshe", "satisfied")]})
    assert (r.status_code, code(r)) == (409, "ballot.closed")
    suite.clock.set(NOW + timedelta(seconds=31))
    assert await suite.app.state.ballot_sweep.run_once() == 1
    doc = await suite.db.ballots.find_one({"_id": bid})
    assert doc["state"] == "closed" and doc["turnout"] == 2 and "salt" not in doc and "next_due_at" not in doc
    assert await suite.db.outcomes.count_documents({"ballot_id": bid}) == 1
    assert len(await events(suite, congress, CLOSED, 1)) == 1


# --------------------------------------------------------------------------- secrecy


async def test_a_secret_ballot_keeps_who_voted_apart_from_what(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    voters = people(4, prefix="secret")
    ballot = await opened(suite, congress, items=[{"id": "u-1"}, {"id": "u-2"}], voters=voters)
    bid = ballot["id"]
    for k, v in enumerate(voters[:3]):
        body = {"marks": [mark("u-1", "satisfied" if k else "unsatisfied", True), mark("u-2", "basically_satisfied")]}
        assert (await vote(suite, congress, bid, v["id"], body)).status_code == 201
    ids = {v["id"] for v in voters}

    def holds_voter(value: Any) -> bool:
        if isinstance(value, dict):
            return any(k in ("voter_id", "voter") or holds_voter(v) for k, v in value.items())
        if isinstance(value, list):
            return any(holds_voter(v) for v in value)
        return isinstance(value, str) and any(i in value for i in ids)

    stored = await suite.db.ballot_votes.find({"ballot_id": bid}).to_list()
    assert len(stored) == 3 and not any(holds_voter(d) for d in stored)
    assert all(set(d) == {"_id", "ballot_id", "marks", "sealed"} for d in stored)  # no time either
    turnout = await suite.db.ballot_turnout.find({"ballot_id": bid}).to_list()
    assert len(turnout) == 3 and all("marks" not in d and "picks" not in d and "choice" not in str(d) for d in turnout)
    assert "salt" in await suite.db.ballots.find_one({"_id": bid})

    await close(suite, congress, bid)
    assert "salt" not in await suite.db.ballots.find_one({"_id": bid})  # the votes can never be linked again
    stored = await suite.db.ballot_votes.find({"ballot_id": bid}).to_list()
    assert not any(holds_voter(d) for d in stored) and all(d["sealed"] for d in stored)
    r = await suite.client.get(f"/ballots/{bid}/votes", headers=suite.staff(congress))
    assert (r.status_code, code(r)) == (409, "ballot.secret")


async def test_an_open_ballot_names_its_votes_after_the_close(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    items = [{"id": "s-1"}, {"id": "s-2"}]
    ballot = await opened(
        suite, congress, kind="key_selection", items=items, voters=people(2), max_picks=1, secret=False
    )
    assert (await vote(suite, congress, ballot["id"], "ev-001", {"picks": ["s-2"]})).status_code == 201
    doc = await suite.db.ballot_votes.find_one({"ballot_id": ballot["id"]})
    assert doc["voter_id"] == "ev-001"
    r = await suite.client.get(f"/ballots/{ballot['id']}/votes", headers=suite.staff(congress))
    assert (r.status_code, code(r)) == (409, "ballot.not_closed")
    await close(suite, congress, ballot["id"])
    named = (await suite.client.get(f"/ballots/{ballot['id']}/votes", headers=suite.staff(congress))).json()
    assert named["data"] == [{"voter_id": "ev-001", "picks": ["s-2"], "marks": []}]


# --------------------------------------------------------------------------- refusals that write nothing


@pytest.mark.parametrize(
    ("fields", "status", "expected"),
    [
        ({"title": " "}, 422, "ballot.title_required"),
        ({"items": []}, 422, "ballot.items_required"),
        ({"items": [{"id": "u-1"}, {"id": "u-1"}]}, 422, "ballot.item_repeated"),
        ({"voters": [{"id": "a b"}]}, 422, "ballot.voter_invalid"),
        ({"kind": "key_selection"}, 422, "ballot.max_picks_required"),
        ({"kind": "key_selection", "max_picks": 2}, 422, "ballot.max_picks_invalid"),
        ({"max_picks": 1}, 422, "ballot.max_picks_only_for_key_selection"),
        ({"pass_threshold": 1.5}, 422, "ballot.threshold_invalid"),
        ({"closes_at": "2026-12-17T00:00:00Z"}, 422, "ballot.closes_at_past"),
        ({"closes_at": "2026-12-19T00:00:00"}, 422, "request.invalid"),  # no time zone
        ({"satisfaction_formula": "all"}, 422, "request.invalid"),
        ({"surprise": True}, 422, "request.invalid"),
        ({"kind": "poll"}, 422, "request.invalid"),
    ],
)
async def test_a_bad_ballot_is_refused_with_its_code_and_nothing_is_written(
    suite: Suite, fields: dict[str, Any], status: int, expected: str
) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    body: dict[str, Any] = {
        "kind": "democratic_evaluation",
        "title": "民主评议",
        "year": 2026,
        "items": [{"id": "u-1"}],
        "voters": people(2),
    }
    body.update(fields)
    r = await suite.client.post("/ballots", headers=suite.staff(congress), json=body)
    assert (r.status_code, code(r)) == (status, expected)
    assert await suite.db.ballots.count_documents({"congress_id": congress}) == 0


async def test_a_bad_vote_is_refused_with_its_code_and_nothing_is_written(suite: Suite) -> None:
    suite.clock.set(NOW)
    congress = suite.new_congress()
    items = [{"id": f"s-{k}"} for k in range(1, 4)]
    selection = await opened(suite, congress, kind="key_selection", items=items, voters=people(2), max_picks=2)
    evaluation = await opened(suite, congress, items=[{"id": "u-1"}], voters=people(2))
    cases = [
        (selection, {"picks": []}, 422, "ballot.picks_required"),
        (selection, {"picks": ["s-1", "s-2", "s-3"]}, 422, "ballot.too_many_picks"),
        (selection, {"picks": ["s-1", "s-1"]}, 422, "ballot.pick_repeated"),
        (selection, {"picks": ["s-9"]}, 422, "ballot.unknown_item"),
        (selection, {"marks": [mark("s-1", "satisfied")]}, 422, "ballot.vote_kind_mismatch"),
        (evaluation, {"marks": []}, 422, "ballot.marks_required"),
        (evaluation, {"marks": [mark("u-1", "satisfied"), mark("u-1", "satisfied")]}, 422, "ballot.mark_repeated"),
        (evaluation, {"marks": [mark("u-9", "satisfied")]}, 422, "ballot.unknown_item"),
        (evaluation, {"marks": [mark("u-1", "great")]}, 422, "request.invalid"),
        (evaluation, {"picks": ["u-1"]}, 422, "ballot.vote_kind_mismatch"),
        (evaluation, {"marks": [mark("u-1", "satisfied")], "weight": 2}, 422, "request.invalid"),
    ]
    for ballot, body, status, expected in cases:
        r = await vote(suite, congress, ballot["id"], "ev-000", body)
        assert (r.status_code, code(r)) == (status, expected), body
    r = await suite.client.post(
        "/ballots/nope/votes", headers=suite.evaluator(congress, "ev-000"), json={"picks": ["s-1"]}
    )
    assert (r.status_code, code(r)) == (404, "ballot.not_found")
    for ballot in (selection, evaluation):
        assert await suite.db.ballot_votes.count_documents({"ballot_id": ballot["id"]}) == 0
        assert await suite.db.ballot_turnout.count_documents({"ballot_id": ballot["id"]}) == 0
    r = await suite.client.post(f"/ballots/{selection['id']}/open", headers=suite.staff(congress))
    assert (r.status_code, code(r)) == (409, "ballot.not_draft")
    draft = await create(suite, congress)
    r = await suite.client.post(f"/ballots/{draft['id']}/close", headers=suite.staff(congress))
    assert (r.status_code, code(r)) == (409, "ballot.not_open")
    r = await suite.client.post("/ballots", headers=suite.evaluator(congress, "ev-000"), json={})
    assert (r.status_code, code(r)) == (403, "auth.role_not_allowed")
