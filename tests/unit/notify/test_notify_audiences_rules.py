"""Notify's rules against its rule table: every audience the table offers is one the rules make, and only those.

For every event type of `ruletable.AUDIENCES` a realistic sample event is run through its rule: the lead
deputy (also listed among the co-signers, as happens), a co-signer, the lead unit and a co-unit, a leader,
and the constituent behind a liaison-station opinion.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest

from services.notify import domain, rules
from services.notify.consumers import build_handlers
from services.notify.directory import Directory
from services.notify.domain import Notification
from services.notify.rule_store import RuleStore
from services.notify.ruletable import AUDIENCES, DEFAULT, INBOX, Send, Table, table
from services.notify.settings import NotifySettings
from services.notify.store import InboxStore
from services.notify.webhook_store import WebhookStore
from shared.contracts import EventData, new_envelope, registry
from shared.contracts.assignment import (
    CaseAssigned,
    CasePreAssigned,
    CaseReassigned,
    Deadlines,
    LeaderRef,
    LeaderTookCase,
    NegotiationDecided,
    UnitObjected,
    UnitRef,
    UnitWindow,
)
from shared.contracts.evaluation import BallotOpened, RaterRef, RatingRequested
from shared.contracts.intake import (
    DeputyRef,
    OpinionTakenUp,
    SuggestionCoSigningRequested,
    SuggestionRegistered,
    SuggestionReturned,
)
from shared.contracts.supervision import (
    CaseReplied,
    CaseUrged,
    ExtensionDecided,
    ExtensionRequested,
    LightChanged,
    ReferredToChair,
    RehandlingStarted,
    ReplySentBack,
    ReplySubmitted,
)

NOW = datetime(2025, 3, 5, 8, 0, tzinfo=UTC)
EVENT_ID = "0b7c5f1e-6a3d-4c55-9c1e-2f6f8f0a1b2c"
PORTAL = "https://portal.example.cn"
CONGRESS = "city-15"
CASE = "s-123"
NUMBER = "15-2-0007"
TITLE = "关于加快老旧小区加装电梯的建议"
BALLOT_TITLE = "2025年度重点建议票决"
OPINION = "op-7"

LEAD = DeputyRef(id="d-1", name="屠永芳", delegation="江北区代表团")
CO = DeputyRef(id="d-2", name="李四", delegation="江北区代表团")
CO2 = DeputyRef(id="d-3", name="王五")
SIGNERS = [CO, LEAD]  # the lead deputy listed among the co-signers too: told once, as lead
LEAD_UNIT = UnitRef(unit_id="u-1", name="市住房和城乡建设局", role="lead")
CO_UNIT = UnitRef(unit_id="u-2", name="市财政局", role="co")
NEW_UNIT = UnitRef(unit_id="u-3", name="市城市管理局", role="lead")
LEADER = LeaderRef(id="l-1", name="陈明", title="副市长")
DUE = date(2025, 6, 5)
DEADLINES = Deadlines(
    reply_due_on=DUE,
    reply_due_at=datetime(2025, 6, 5, 16, 0, tzinfo=UTC),
    co_opinion_due_on=date(2025, 5, 5),
    co_opinion_due_at=datetime(2025, 5, 5, 16, 0, tzinfo=UTC),
    months=3,
)
WINDOW = datetime(2025, 3, 12, 16, 0, tzinfo=UTC)

SUGGESTION: dict[str, Any] = {
    "suggestion_id": CASE,
    "congress_id": CONGRESS,
    "session": "15-2",
    "title": TITLE,
    "field": "城乡建设",
    "kind": "session",
    "origin": "liaison_station",
    "lead_deputy": LEAD,
}
CASE_FACTS: dict[str, Any] = {
    "case_id": CASE,
    "congress_id": CONGRESS,
    "number": NUMBER,
    "title": TITLE,
    "field": "城乡建设",
    "session": "15-2",
    "lead_deputy": LEAD,
    "co_signers": SIGNERS,
}
HANDLING: dict[str, Any] = {
    "case_id": CASE,
    "congress_id": CONGRESS,
    "number": NUMBER,
    "title": TITLE,
    "field": "城乡建设",
    "lead_deputy": LEAD,
    "co_signers": SIGNERS,
    "lead_unit": LEAD_UNIT,
    "co_units": [CO_UNIT],
    "reply_due_on": DUE,
    "reply_due_at": DEADLINES.reply_due_at,
}


def _urged(kind: str = "before_deadline", days_left: int = 5) -> CaseUrged:
    return CaseUrged(
        **HANDLING,
        kind=kind,
        days_left=days_left,
        urged_at=NOW,
        urged_by="staff-1" if kind == "manual" else "",
        units=[LEAD_UNIT, CO_UNIT],
    )


def _light(light: str, previous: str = "green") -> LightChanged:
    return LightChanged(**HANDLING, light=light, previous=previous, reasons=["due_soon"], changed_at=NOW)


# One realistic event per event type of the rule table.
SAMPLES: dict[str, EventData] = {
    "intake.suggestion.co_signing_requested.v1": SuggestionCoSigningRequested(
        **SUGGESTION, version=0, requested=[CO, CO2, CO]
    ),
    "intake.suggestion.returned.v1": SuggestionReturned(
        **SUGGESTION,
        co_signers=SIGNERS,
        version=1,
        reason_code="too_broad",
        reason_text="请具体说明措施。",
        returned_at=NOW,
        returned_by="staff-1",
    ),
    "intake.suggestion.registered.v1": SuggestionRegistered(
        **SUGGESTION,
        co_signers=SIGNERS,
        version=1,
        opinion_id=OPINION,
        number=NUMBER,
        sequence=7,
        registered_at=NOW,
        registered_by="staff-9",
    ),
    "intake.opinion.taken_up.v1": OpinionTakenUp(
        opinion_id=OPINION, congress_id=CONGRESS, station_id="st-1", deputy=LEAD, suggestion_id=CASE, taken_up_at=NOW
    ),
    "assignment.case.pre_assigned.v1": CasePreAssigned(
        **CASE_FACTS,
        units=[
            UnitWindow(**LEAD_UNIT.model_dump(), window_closes_at=WINDOW),
            UnitWindow(**CO_UNIT.model_dump(), window_closes_at=WINDOW),
        ],
        pre_assigned_at=NOW,
        pre_assigned_by="staff-1",
    ),
    "assignment.case.unit_objected.v1": UnitObjected(
        **CASE_FACTS,
        unit=CO_UNIT,
        reason="该事项不属于本单位职责。",
        suggested_unit_id="u-3",
        round=1,
        objected_at=NOW,
        objected_by="c-21",
    ),
    "assignment.case.negotiation_decided.v1": NegotiationDecided(
        **CASE_FACTS,
        round=1,
        units=[LEAD_UNIT, NEW_UNIT.model_copy(update={"role": "co"})],
        fresh_windows=[UnitWindow(**NEW_UNIT.model_dump() | {"role": "co"}, window_closes_at=WINDOW)],
        released=[CO_UNIT],
        final=False,
        decided_at=NOW,
        decided_by="staff-1",
    ),
    "assignment.case.assigned.v1": CaseAssigned(
        **CASE_FACTS,
        lead_unit=LEAD_UNIT,
        co_units=[CO_UNIT],
        deadlines=DEADLINES,
        lead_leader=LEADER,
        assigned_at=NOW,
        assigned_by="staff-1",
    ),
    "assignment.case.reassigned.v1": CaseReassigned(
        **CASE_FACTS,
        lead_unit=NEW_UNIT,
        co_units=[CO_UNIT],
        previous_lead_unit=LEAD_UNIT,
        previous_co_units=[CO_UNIT],
        released=[LEAD_UNIT],
        added=[NEW_UNIT],
        deadlines=DEADLINES,
        deadlines_restarted=True,
        reason="职责调整",
        reassigned_at=NOW,
        reassigned_by="staff-1",
    ),
    "assignment.case.leader_assigned.v1": LeaderTookCase(
        **CASE_FACTS, leader=LEADER, assigned=True, at=NOW, by="staff-1"
    ),
    "supervision.case.urged.v1": _urged(),
    "supervision.case.light_changed.v1": _light("yellow"),
    "supervision.case.reply_submitted.v1": ReplySubmitted(
        **HANDLING, category="B", submitted_at=NOW, submitted_by="c-11"
    ),
    "supervision.case.reply_sent_back.v1": ReplySentBack(
        **HANDLING,
        reasons=["off_topic", "measures_mismatch"],
        note="请补充具体措施",
        sent_back_at=NOW,
        sent_back_by="s-1",
    ),
    "supervision.case.replied.v1": CaseReplied(
        **HANDLING, category="A", public=True, submitted_at=NOW, replied_at=NOW, on_time=True
    ),
    "supervision.case.extension_requested.v1": ExtensionRequested(
        **HANDLING,
        extension_id="x-1",
        reason="需协调多个部门",
        requested_due_on=date(2025, 7, 5),
        requested_at=NOW,
        requested_by="c-11",
    ),
    "supervision.case.extension_decided.v1": ExtensionDecided(
        **HANDLING,
        extension_id="x-1",
        approved=True,
        previous_due_on=date(2025, 6, 1),
        note="请按期答复。",
        decided_at=NOW,
        decided_by="staff-1",
    ),
    "supervision.case.rehandling_started.v1": RehandlingStarted(
        **HANDLING | {"round": 2}, previous_round=1, started_at=NOW
    ),
    "supervision.case.referred_to_chair.v1": ReferredToChair(**HANDLING | {"round": 3}, rounds=2, referred_at=NOW),
    "evaluation.rating.requested.v1": RatingRequested(
        case_id=CASE,
        congress_id=CONGRESS,
        number=NUMBER,
        title=TITLE,
        round=1,
        category="A",
        raters=[RaterRef(id="d-1", name="屠永芳", lead=True), RaterRef(id="d-2", name="李四"), RaterRef(id="d-1")],
        window_closes_at=datetime(2025, 4, 4, 16, 0, tzinfo=UTC),
        requested_at=NOW,
    ),
    "evaluation.ballot.opened.v1": BallotOpened(
        ballot_id="b-1",
        congress_id=CONGRESS,
        kind="key_selection",
        title=BALLOT_TITLE,
        year=2025,
        items=["s-123", "s-124", "s-125"],
        voters=["d-1", "d-2", "d-1"],
        secret=True,
        closes_at=datetime(2025, 3, 6, 9, 0, tzinfo=UTC),
        opened_at=NOW,
    ),
}

# The rule of each event type (what consumers.build_handlers registers; checked against it below).
RULES: dict[str, Callable[..., list[Notification]]] = {
    "intake.suggestion.co_signing_requested.v1": domain.on_co_signing_requested,
    "intake.suggestion.returned.v1": domain.on_returned,
    "intake.suggestion.registered.v1": domain.on_registered,
    "intake.opinion.taken_up.v1": domain.on_opinion_taken_up,
    "assignment.case.pre_assigned.v1": rules.on_pre_assigned,
    "assignment.case.unit_objected.v1": rules.on_unit_objected,
    "assignment.case.negotiation_decided.v1": rules.on_negotiation_decided,
    "assignment.case.assigned.v1": rules.on_assigned,
    "assignment.case.reassigned.v1": rules.on_reassigned,
    "assignment.case.leader_assigned.v1": rules.on_leader_assigned,
    "supervision.case.urged.v1": rules.on_urged,
    "supervision.case.light_changed.v1": rules.on_light_changed,
    "supervision.case.reply_submitted.v1": rules.on_reply_submitted,
    "supervision.case.reply_sent_back.v1": rules.on_reply_sent_back,
    "supervision.case.replied.v1": rules.on_replied,
    "supervision.case.extension_requested.v1": rules.on_extension_requested,
    "supervision.case.extension_decided.v1": rules.on_extension_decided,
    "supervision.case.rehandling_started.v1": rules.on_rehandling,
    "supervision.case.referred_to_chair.v1": rules.on_referred_to_chair,
    "evaluation.rating.requested.v1": rules.on_rating_requested,
    "evaluation.ballot.opened.v1": rules.on_ballot_opened,
}
TAKES_CONSTITUENT = {"assignment.case.assigned.v1", "supervision.case.replied.v1"}

# Who each audience of the sample is: units by their unit inbox, staff by their role's inbox, deputies and
# leaders personally, the constituent as `opinion:<opinion id>`.
U1, U2, U3, STAFF, PERSON = "unit:u-1", "unit:u-2", "unit:u-3", "role:staff", f"opinion:{OPINION}"
EXPECTED: dict[str, dict[str, set[str]]] = {
    "intake.suggestion.co_signing_requested.v1": {"co_signers": {"d-2", "d-3"}},
    "intake.suggestion.returned.v1": {"lead_deputy": {"d-1"}},
    "intake.suggestion.registered.v1": {"lead_deputy": {"d-1"}, "co_signers": {"d-2"}, "constituent": {PERSON}},
    "intake.opinion.taken_up.v1": {"constituent": {PERSON}},
    "assignment.case.pre_assigned.v1": {"lead_unit": {U1}, "co_units": {U2}},
    "assignment.case.unit_objected.v1": {"staff": {STAFF}},
    "assignment.case.negotiation_decided.v1": {"asked_units": {U3}, "released_units": {U2}},
    "assignment.case.assigned.v1": {
        "lead_unit": {U1},
        "co_units": {U2},
        "lead_deputy": {"d-1"},
        "co_signers": {"d-2"},
        "leader": {"l-1"},
        "constituent": {PERSON},
    },
    "assignment.case.reassigned.v1": {"added_units": {U3}, "released_units": {U1}, "lead_deputy": {"d-1"}},
    "assignment.case.leader_assigned.v1": {"leader": {"l-1"}},
    "supervision.case.urged.v1": {"lead_unit": {U1}, "co_units": {U2}},
    "supervision.case.light_changed.v1": {"lead_unit": {U1}, "staff": {STAFF}},
    "supervision.case.reply_submitted.v1": {"staff": {STAFF}},
    "supervision.case.reply_sent_back.v1": {"lead_unit": {U1}},
    "supervision.case.replied.v1": {"lead_deputy": {"d-1"}, "co_signers": {"d-2"}, "constituent": {PERSON}},
    "supervision.case.extension_requested.v1": {"staff": {STAFF}},
    "supervision.case.extension_decided.v1": {"lead_unit": {U1}},
    "supervision.case.rehandling_started.v1": {"lead_unit": {U1}, "co_units": {U2}},
    "supervision.case.referred_to_chair.v1": {"staff": {STAFF}},
    "evaluation.rating.requested.v1": {"raters": {"d-1", "d-2"}},
    "evaluation.ballot.opened.v1": {"voters": {"d-1", "d-2"}},
}

UNIT_AUDIENCES = {"lead_unit", "co_units", "asked_units", "released_units", "added_units"}
PERSONAL_AUDIENCES = {"lead_deputy", "co_signers", "leader", "raters", "voters"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _run(event_type: str, event: EventData | None = None) -> list[Notification]:
    extra = {"constituent": OPINION} if event_type in TAKES_CONSTITUENT else {}
    return RULES[event_type](
        SAMPLES[event_type] if event is None else event, event_id=EVENT_ID, portal_url=PORTAL, now=NOW, **extra
    )


def _all_types() -> list[Any]:
    return list(AUDIENCES)


# --- the test data itself ------------------------------------------------------------------------


def test_every_event_type_of_the_table_has_a_sample_a_rule_and_an_expectation() -> None:
    assert set(SAMPLES) == set(RULES) == set(EXPECTED) == set(AUDIENCES)
    for event_type, event in SAMPLES.items():
        assert event.event_type == event_type
        assert registry.contract_for(event_type) is type(event)


# --- every audience is one the table knows, and every one the table offers is made --------------


@pytest.mark.parametrize("event_type", _all_types())
def test_every_notification_is_for_an_audience_of_the_table(event_type: str) -> None:
    out = _run(event_type)
    assert out
    for n in out:
        assert n.audience in AUDIENCES[event_type], n


@pytest.mark.parametrize("event_type", _all_types())
def test_every_audience_the_table_offers_is_made_by_the_rule(event_type: str) -> None:
    made = {n.audience for n in _run(event_type)}
    assert made == set(AUDIENCES[event_type])


@pytest.mark.parametrize("event_type", _all_types())
def test_each_audience_reaches_exactly_its_recipients(event_type: str) -> None:
    told: dict[str, set[str]] = {}
    for n in _run(event_type):
        told.setdefault(n.audience, set()).add(n.recipient_id)
    assert told == EXPECTED[event_type]


@pytest.mark.parametrize("event_type", _all_types())
def test_nobody_is_told_twice_about_one_event(event_type: str) -> None:
    out = _run(event_type)
    recipients = [n.recipient_id for n in out]
    assert len(recipients) == len(set(recipients))
    assert len({n.id for n in out}) == len(out)


@pytest.mark.parametrize("event_type", _all_types())
def test_recipients_are_addressed_as_their_audience_says(event_type: str) -> None:
    for n in _run(event_type):
        if n.audience in UNIT_AUDIENCES:
            assert re.fullmatch(r"unit:u-[0-9]+", n.recipient_id), n
        elif n.audience == "staff":
            assert n.recipient_id == "role:staff"
        elif n.audience == "constituent":
            assert n.recipient_id == f"opinion:{OPINION}"
        else:
            assert n.audience in PERSONAL_AUDIENCES, n.audience
            assert re.fullmatch(r"[dl]-[0-9]+", n.recipient_id), n


@pytest.mark.parametrize("event_type", _all_types())
def test_notifications_carry_the_event_and_go_to_the_inbox(event_type: str) -> None:
    for n in _run(event_type):
        assert n.event_type == event_type
        assert n.event_id == EVENT_ID
        assert n.congress_id == CONGRESS
        assert n.channel == INBOX
        assert n.id == f"{EVENT_ID}:{n.recipient_id}:inbox"
        assert n.created_at == NOW
        assert n.link.startswith(f"{PORTAL}/")


@pytest.mark.parametrize("event_type", _all_types())
def test_subject_and_body_are_chinese_and_name_the_case(event_type: str) -> None:
    title = BALLOT_TITLE if event_type == "evaluation.ballot.opened.v1" else TITLE
    for n in _run(event_type):
        assert CJK.search(n.subject), n.subject
        assert CJK.search(n.body), n.body
        assert "{" not in n.body and "None" not in n.body, n.body  # no unfilled or missing value
        if event_type != "intake.opinion.taken_up.v1":  # OpinionTakenUp carries no title to name
            assert f"《{title}》" in n.body or title in n.body, n.body


def test_a_lead_deputy_among_the_co_signers_is_told_as_lead_deputy() -> None:
    for event_type in ("intake.suggestion.registered.v1", "assignment.case.assigned.v1", "supervision.case.replied.v1"):
        mine = [n for n in _run(event_type) if n.recipient_id == "d-1"]
        assert [n.audience for n in mine] == ["lead_deputy"], event_type


def test_a_leader_who_is_also_the_lead_deputy_is_told_once() -> None:
    event = SAMPLES["assignment.case.assigned.v1"]
    assert isinstance(event, CaseAssigned)
    same = event.model_copy(update={"lead_leader": LeaderRef(id="d-1", name="屠永芳")})
    out = _run("assignment.case.assigned.v1", same)
    assert [n.audience for n in out if n.recipient_id == "d-1"] == ["lead_deputy"]


def test_without_an_opinion_the_constituent_is_not_told() -> None:
    event = SAMPLES["intake.suggestion.registered.v1"].model_copy(update={"opinion_id": None})
    assert "constituent" not in {n.audience for n in _run("intake.suggestion.registered.v1", event)}
    for event_type in sorted(TAKES_CONSTITUENT):
        out = RULES[event_type](SAMPLES[event_type], event_id=EVENT_ID, portal_url=PORTAL, now=NOW, constituent=None)
        assert "constituent" not in {n.audience for n in out}
        assert not any(n.recipient_id.startswith("opinion:") for n in out)


# --- reminders and lights ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "days_left", "digestible"),
    [("manual", 3, False), ("manual", -2, False), ("before_deadline", 5, True), ("overdue", -2, True)],
)
def test_only_automatic_reminders_may_be_gathered_into_a_digest(kind: str, days_left: int, digestible: bool) -> None:
    out = _run("supervision.case.urged.v1", _urged(kind, days_left))
    assert {n.recipient_id for n in out} == {U1, U2}
    assert [n.digestible for n in out] == [digestible, digestible]


def test_no_other_rule_makes_a_digestible_notification() -> None:
    for event_type in AUDIENCES:
        if event_type != "supervision.case.urged.v1":
            assert not any(n.digestible for n in _run(event_type)), event_type


def test_an_overdue_reminder_says_by_how_many_days() -> None:
    body = _run("supervision.case.urged.v1", _urged("overdue", -4))[0].body
    assert "已超过答复期限" in body and "4天" in body and TITLE in body


@pytest.mark.parametrize("light", ["green", "none"])
def test_a_light_turning_green_or_off_tells_nobody(light: str) -> None:
    assert _run("supervision.case.light_changed.v1", _light(light, previous="yellow")) == []


@pytest.mark.parametrize(("light", "label"), [("yellow", "黄色"), ("red", "红色")])
def test_a_yellow_or_red_light_tells_the_lead_unit_and_staff(light: str, label: str) -> None:
    out = _run("supervision.case.light_changed.v1", _light(light))
    assert {(n.audience, n.recipient_id) for n in out} == {("lead_unit", U1), ("staff", STAFF)}
    assert all(label in n.subject and label in n.body for n in out)


# --- consumers register a handler for every event type of the table ------------------------------


class _Inbox:
    def __init__(self) -> None:
        self.delivered: list[Notification] = []

    async def deliver(self, notification: Notification) -> bool:
        self.delivered.append(notification)
        return True


class _Directory:
    """What build_handlers touches of the directory: its own handlers (at build time) and the opinion lookups."""

    def __init__(self) -> None:
        self.remembered: list[str | None] = []

    async def on_deputy_updated(self, event: object) -> None: ...

    async def on_unit_updated(self, event: object) -> None: ...

    async def on_opinion_recorded(self, event: object) -> None: ...

    async def remember_opinion(self, event: SuggestionRegistered) -> None:
        self.remembered.append(event.opinion_id)

    async def case_opinion(self, congress_id: str, case_id: str) -> str | None:
        assert (congress_id, case_id) == (CONGRESS, CASE)
        return OPINION


class _Rules:
    def __init__(self, t: Table) -> None:
        self.t = t

    async def table(self, congress_id: str) -> Table:
        return self.t


class _Webhooks:
    def __init__(self) -> None:
        self.fanned: list[str] = []

    async def fan_out(self, envelope: dict[str, Any]) -> None:
        self.fanned.append(str(envelope["type"]))


SETTINGS = cast(NotifySettings, SimpleNamespace(portal_url=PORTAL))


def _handlers(inbox: _Inbox | None = None, rule_store: _Rules | None = None, webhooks: _Webhooks | None = None) -> Any:
    return build_handlers(
        cast(InboxStore, inbox or _Inbox()),
        SETTINGS,
        cast(Directory, _Directory()),
        webhooks=cast(WebhookStore, webhooks) if webhooks is not None else None,
        rule_store=cast(RuleStore, rule_store) if rule_store is not None else None,
        clock=lambda: NOW,
    )


def _envelope(event_type: str) -> Any:
    return new_envelope(
        SAMPLES[event_type], source="/test", subject=CASE, congress_id=CONGRESS, event_id=EVENT_ID, time=NOW
    )


def test_build_handlers_registers_every_event_type_of_the_table() -> None:
    handlers = _handlers()
    assert set(AUDIENCES) <= set(handlers.routing_keys)
    for event_type in AUDIENCES:
        assert handlers.get(event_type) is not None, event_type


def test_build_handlers_with_webhooks_still_registers_every_event_type_of_the_table() -> None:
    handlers = _handlers(webhooks=_Webhooks())
    assert set(AUDIENCES) <= set(handlers.routing_keys)


@pytest.mark.parametrize("event_type", _all_types())
async def test_the_registered_handler_tells_every_audience_of_the_table(event_type: str) -> None:
    inbox = _Inbox()
    handler = _handlers(inbox).get(event_type)
    await handler(_envelope(event_type))
    assert {n.audience for n in inbox.delivered} == set(AUDIENCES[event_type])
    assert {n.recipient_id for n in inbox.delivered} == set().union(*EXPECTED[event_type].values())
    assert all(n.event_type == event_type for n in inbox.delivered)


@pytest.mark.parametrize("event_type", _all_types())
async def test_the_registered_handler_follows_the_default_table(event_type: str) -> None:
    inbox = _Inbox()
    await _handlers(inbox, _Rules(table({}))).get(event_type)(_envelope(event_type))
    wanted = {s.audience for s in DEFAULT[event_type] if INBOX in s.channels}
    assert {n.audience for n in inbox.delivered} == wanted


async def test_an_empty_line_of_the_congress_tells_nobody() -> None:
    inbox = _Inbox()
    await _handlers(inbox, _Rules(table({"supervision.case.urged.v1": ()}))).get("supervision.case.urged.v1")(
        _envelope("supervision.case.urged.v1")
    )
    assert inbox.delivered == []


async def test_a_line_of_the_congress_tells_only_its_audiences() -> None:
    inbox = _Inbox()
    own: dict[str, tuple[Send, ...]] = {
        "assignment.case.assigned.v1": (Send("constituent", (INBOX,)), Send("leader", (INBOX,)))
    }
    await _handlers(inbox, _Rules(table(own))).get("assignment.case.assigned.v1")(
        _envelope("assignment.case.assigned.v1")
    )
    assert {(n.audience, n.recipient_id) for n in inbox.delivered} == {("constituent", PERSON), ("leader", "l-1")}


async def test_with_webhooks_the_handler_still_tells_people_and_fans_out() -> None:
    inbox, hooks = _Inbox(), _Webhooks()
    await _handlers(inbox, webhooks=hooks).get("supervision.case.replied.v1")(_envelope("supervision.case.replied.v1"))
    assert {n.audience for n in inbox.delivered} == set(AUDIENCES["supervision.case.replied.v1"])
    assert hooks.fanned == ["supervision.case.replied.v1"]
