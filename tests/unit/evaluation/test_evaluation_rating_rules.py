"""Deputies' ratings of a reply (pure: no servers)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.evaluation.policy import Policy
from services.evaluation.ratings import RatingRound, rate, request, settle
from shared.contracts.assignment import UnitRef
from shared.contracts.evaluation import CaseRated, RatingRequested, RatingSubmitted
from shared.contracts.intake import DeputyRef
from shared.contracts.supervision import CaseReplied
from shared.errors import Conflict, Forbidden, Invalid

CST = ZoneInfo("Asia/Shanghai")
POLICY = Policy()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST).astimezone(UTC)  # type: ignore[misc]


def replied(when: datetime = at(2026, 9, 28, 10), co: tuple[str, ...] = ("d2", "d3")) -> CaseReplied:
    return CaseReplied(
        case_id="s1",
        congress_id="c1",
        number="15-2-0001",
        title="关于加强城区停车设施建设的建议",
        field="城乡建设",
        lead_deputy=DeputyRef(id="d1", name="屠永芳"),
        co_signers=[DeputyRef(id=d) for d in co],
        lead_unit=UnitRef(unit_id="urban", name="市城市管理局", role="lead"),
        reply_due_on=date(2026, 10, 8),
        reply_due_at=at(2026, 10, 8, 23),
        category="A",
        public=True,
        submitted_at=when,
        replied_at=when,
        on_time=True,
    )


def opened(policy: Policy = POLICY, **kw: object) -> RatingRound:
    return request(replied(**kw), now=at(2026, 9, 28, 10), policy=policy)  # type: ignore[arg-type]


def test_the_window_is_ten_working_days_across_national_day() -> None:
    r = opened()
    # 29, 30 Sep, (1-7 Oct National Day), 8, 9, Sat 10 (make-up), 12, 13, 14, 15, 16 Oct → closes midnight after 16 Oct
    assert r.closes_at == at(2026, 10, 17, 0)
    requested = r.events[0]
    assert isinstance(requested, RatingRequested)
    assert [(x.id, x.lead) for x in requested.raters] == [("d1", True), ("d2", False), ("d3", False)]


def test_the_lead_deputys_rating_decides_and_ratings_change_until_the_close() -> None:
    r = rate(opened(), deputy_id="d2", rating="satisfied", comment="", now=at(2026, 9, 29), policy=POLICY)
    r = rate(r, deputy_id="d1", rating="satisfied", comment="", now=at(2026, 9, 30), policy=POLICY)
    r = rate(r, deputy_id="d1", rating="unsatisfied", comment="措施不具体", now=at(2026, 10, 8), policy=POLICY)
    submitted = [e for e in r.events if isinstance(e, RatingSubmitted)]
    assert submitted[-1].changed and r.rating_of("d1").changes == 1  # type: ignore[union-attr]
    assert r.open
    final = settle(r, now=at(2026, 10, 17, 0), policy=POLICY)
    rated = [e for e in final.events if isinstance(e, CaseRated)]
    assert [(e.result, e.rated_at) for e in rated] == [("unsatisfied", at(2026, 10, 17, 0))]
    assert final.result_by == "lead"
    with pytest.raises(Conflict) as late:
        rate(final, deputy_id="d3", rating="satisfied", comment="", now=at(2026, 10, 18), policy=POLICY)
    assert late.value.code == "rating.window_closed"


def test_every_deputy_rating_makes_the_result_final_at_once() -> None:
    r = opened(co=("d2",))
    r = rate(r, deputy_id="d2", rating="basically_satisfied", comment="", now=at(2026, 9, 29), policy=POLICY)
    r = rate(r, deputy_id="d1", rating="basically_satisfied", comment="", now=at(2026, 9, 30), policy=POLICY)
    assert not r.open and r.result == "basically_satisfied"


def test_silence_counts_as_the_congress_says() -> None:
    assert settle(opened(), now=at(2026, 10, 17, 0), policy=POLICY).result == "satisfied"
    quiet = Policy(silent_result="none")
    final = settle(opened(quiet), now=at(2026, 10, 17, 0), policy=quiet)
    assert final.result is None and not final.open and final.events == ()


def test_by_majority_a_tie_goes_to_the_less_satisfied() -> None:
    majority = Policy(result_from="majority", final_when_all_rated=False)
    r = opened(majority)
    r = rate(r, deputy_id="d1", rating="satisfied", comment="", now=at(2026, 9, 29), policy=majority)
    r = rate(r, deputy_id="d2", rating="unsatisfied", comment="未解决", now=at(2026, 9, 29), policy=majority)
    final = settle(r, now=at(2026, 10, 17, 0), policy=majority)
    assert (final.result, final.result_by) == ("unsatisfied", "majority")


def test_who_may_rate_and_what_a_rating_needs() -> None:
    with pytest.raises(Forbidden) as stranger:
        rate(opened(), deputy_id="d9", rating="satisfied", comment="", now=at(2026, 9, 29), policy=POLICY)
    assert stranger.value.code == "rating.not_a_rater"
    with pytest.raises(Invalid) as reasons:
        rate(opened(), deputy_id="d1", rating="unsatisfied", comment=" ", now=at(2026, 9, 29), policy=POLICY)
    assert reasons.value.code == "rating.comment_required"
    same = rate(opened(), deputy_id="d1", rating="satisfied", comment="", now=at(2026, 9, 29), policy=POLICY)
    again = rate(same, deputy_id="d1", rating="satisfied", comment="", now=at(2026, 9, 30), policy=POLICY)
    assert again.events == () and again.revision == same.revision
    assert settle(same, now=at(2026, 10, 16, 23) + timedelta(minutes=59), policy=POLICY).open
