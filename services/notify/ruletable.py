"""The rule table: for each event type, which audiences are told and on which channels. No I/O here.

The rules (`rules.py`, `domain.py`) say, for every event, who each audience is and what they are told
in Chinese; the rule table says which of those audiences a congress wants told, and how:

- `channels`: any of `inbox`, `email`, `sms`. E-mail and SMS reach the people behind a recipient (a
  deputy; every contact of a unit) as far as notify's directory knows their address, and as far as
  their own preferences allow;
- `digest`: e-mails and text messages of this audience are not sent one by one but gathered into one
  message per person, channel and day (the inbox still gets each at once). Only automatic reminders
  (催办) can be gathered: a staff member's own urging goes out at once.

`DEFAULT` is the table every congress starts with; a congress replaces the line of one event type
(`PUT /rules/{event_type}`), or goes back to the default (`DELETE`). An event type whose line names
no audience tells nobody.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from shared.errors import Invalid
from shared.workdays import SHANGHAI

INBOX, EMAIL, SMS = "inbox", "email", "sms"
CHANNELS = (INBOX, EMAIL, SMS)
ALL = (INBOX, EMAIL, SMS)

# Every audience the rules can tell, per event type, with what it means (shown by GET /rules).
AUDIENCES: dict[str, dict[str, str]] = {
    "intake.suggestion.co_signing_requested.v1": {"co_signers": "被邀请附议的代表"},
    "intake.suggestion.returned.v1": {"lead_deputy": "领衔代表"},
    "intake.suggestion.registered.v1": {
        "lead_deputy": "领衔代表",
        "co_signers": "附议代表",
        "constituent": "提出意见的群众（联络站意见形成的建议）",
    },
    "intake.opinion.taken_up.v1": {"constituent": "提出意见的群众"},
    "assignment.case.pre_assigned.v1": {"lead_unit": "拟主办单位", "co_units": "拟协办单位"},
    "assignment.case.unit_objected.v1": {"staff": "人大工作人员（交办协商）"},
    "assignment.case.negotiation_decided.v1": {"asked_units": "重新征求意见的单位", "released_units": "不再承办的单位"},
    "assignment.case.assigned.v1": {
        "lead_unit": "主办单位",
        "co_units": "协办单位",
        "lead_deputy": "领衔代表",
        "co_signers": "附议代表",
        "leader": "领办领导",
        "constituent": "提出意见的群众",
    },
    "assignment.case.reassigned.v1": {
        "added_units": "新承办单位",
        "released_units": "不再承办的单位",
        "lead_deputy": "领衔代表",
    },
    "assignment.case.leader_assigned.v1": {"leader": "领办领导"},
    "supervision.case.urged.v1": {"lead_unit": "主办单位", "co_units": "协办单位"},
    "supervision.case.light_changed.v1": {"lead_unit": "主办单位", "staff": "人大工作人员"},
    "supervision.case.reply_submitted.v1": {"staff": "人大工作人员（答复审核）"},
    "supervision.case.reply_sent_back.v1": {"lead_unit": "主办单位"},
    "supervision.case.replied.v1": {
        "lead_deputy": "领衔代表",
        "co_signers": "附议代表",
        "constituent": "提出意见的群众",
    },
    "supervision.case.extension_requested.v1": {"staff": "人大工作人员"},
    "supervision.case.extension_decided.v1": {"lead_unit": "主办单位"},
    "supervision.case.rehandling_started.v1": {"lead_unit": "主办单位", "co_units": "协办单位"},
    "supervision.case.referred_to_chair.v1": {"staff": "人大工作人员"},
    "evaluation.rating.requested.v1": {"raters": "测评代表"},
    "evaluation.ballot.opened.v1": {"voters": "投票人"},
}


@dataclass(frozen=True)
class Send:
    """How one audience of an event type is told."""

    audience: str
    channels: tuple[str, ...]
    digest: bool = False

    def as_doc(self) -> dict[str, object]:
        return {"audience": self.audience, "channels": list(self.channels), "digest": self.digest}

    @classmethod
    def of(cls, doc: dict[str, object]) -> Send:
        channels = doc.get("channels") or ()
        assert isinstance(channels, list | tuple)
        return cls(audience=str(doc["audience"]), channels=tuple(str(c) for c in channels), digest=bool(doc["digest"]))


def _s(audience: str, *channels: str, digest: bool = False) -> Send:
    return Send(audience, channels or ALL, digest)


DEFAULT: dict[str, tuple[Send, ...]] = {
    "intake.suggestion.co_signing_requested.v1": (_s("co_signers"),),
    "intake.suggestion.returned.v1": (_s("lead_deputy"),),
    "intake.suggestion.registered.v1": (_s("lead_deputy"), _s("co_signers"), _s("constituent", SMS)),
    "intake.opinion.taken_up.v1": (_s("constituent", SMS),),
    "assignment.case.pre_assigned.v1": (_s("lead_unit"), _s("co_units")),
    "assignment.case.unit_objected.v1": (_s("staff", INBOX),),
    "assignment.case.negotiation_decided.v1": (_s("asked_units"), _s("released_units", INBOX, EMAIL)),
    "assignment.case.assigned.v1": (
        _s("lead_unit"),
        _s("co_units"),
        _s("lead_deputy"),
        _s("co_signers", INBOX),
        _s("leader", INBOX, EMAIL),
    ),
    "assignment.case.reassigned.v1": (_s("added_units"), _s("released_units"), _s("lead_deputy", INBOX)),
    "assignment.case.leader_assigned.v1": (_s("leader", INBOX, EMAIL),),
    "supervision.case.urged.v1": (_s("lead_unit", digest=True), _s("co_units", digest=True)),
    "supervision.case.light_changed.v1": (_s("lead_unit"), _s("staff", INBOX)),
    "supervision.case.reply_submitted.v1": (_s("staff", INBOX),),
    "supervision.case.reply_sent_back.v1": (_s("lead_unit", INBOX, EMAIL),),
    "supervision.case.replied.v1": (_s("lead_deputy"), _s("co_signers"), _s("constituent", SMS)),
    "supervision.case.extension_requested.v1": (_s("staff", INBOX),),
    "supervision.case.extension_decided.v1": (_s("lead_unit", INBOX, EMAIL),),
    "supervision.case.rehandling_started.v1": (_s("lead_unit"), _s("co_units", INBOX)),
    "supervision.case.referred_to_chair.v1": (_s("staff", INBOX),),
    "evaluation.rating.requested.v1": (_s("raters"),),
    "evaluation.ballot.opened.v1": (_s("voters"),),
}

DIGEST_TIME = "09:30"  # local time the day's digest goes out (automatic reminders come at 09:00)
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def check(event_type: str, sends: list[Send]) -> tuple[Send, ...]:
    """A line of the table that can be followed; Invalid with a stable code otherwise."""
    audiences = AUDIENCES.get(event_type)
    if audiences is None:
        raise Invalid(
            "rule.event_type_unknown",
            "Notify has no rule for this event type.",
            event_type=event_type,
            event_types=sorted(AUDIENCES),
        )
    seen: set[str] = set()
    for s in sends:
        if s.audience not in audiences:
            raise Invalid(
                "rule.audience_unknown",
                f"This event type can tell: {', '.join(audiences)}.",
                audience=s.audience,
                audiences=list(audiences),
            )
        if s.audience in seen:
            raise Invalid("rule.audience_repeated", "Name each audience once.", audience=s.audience)
        seen.add(s.audience)
        if not s.channels or any(c not in CHANNELS for c in s.channels) or len(set(s.channels)) != len(s.channels):
            raise Invalid(
                "rule.channels_invalid",
                "Channels are one or more of inbox, email, sms, each once.",
                audience=s.audience,
                channels=list(CHANNELS),
            )
        if s.digest and not (set(s.channels) & {EMAIL, SMS}):
            raise Invalid(
                "rule.digest_needs_channel", "A digest gathers e-mails or text messages.", audience=s.audience
            )
        if s.digest and event_type != "supervision.case.urged.v1":
            raise Invalid(
                "rule.digest_not_allowed", "Only reminders (supervision.case.urged.v1) are gathered into a digest."
            )
    return tuple(sorted(sends, key=lambda s: list(audiences).index(s.audience)))


def check_time(text: str) -> str:
    """A local time of day as HH:MM; Invalid `rule.digest_time_invalid` otherwise."""
    if not _HHMM.fullmatch(text):
        raise Invalid("rule.digest_time_invalid", "Give the digest time as HH:MM (local time).", digest_time=text)
    return text


@dataclass(frozen=True)
class Table:
    """A congress's table in force: its own lines over the defaults, and its digest time."""

    lines: dict[str, tuple[Send, ...]]
    own: frozenset[str] = frozenset()
    digest_time: str = DIGEST_TIME

    def send(self, event_type: str, audience: str) -> Send | None:
        """How the audience of this event type is told; None: not at all."""
        for s in self.lines.get(event_type, ()):
            if s.audience == audience:
                return s
        return None


def table(own: dict[str, tuple[Send, ...]], digest_time: str = DIGEST_TIME) -> Table:
    """The table of a congress with these own lines."""
    return Table(lines={**DEFAULT, **own}, own=frozenset(own), digest_time=digest_time)


def digest_slot(now: datetime, digest_time: str) -> datetime:
    """When a digest item arriving now goes out: the next digest time (local) strictly after now, in UTC."""
    hh, mm = (int(x) for x in digest_time.split(":"))
    local = now.astimezone(SHANGHAI)
    slot = datetime.combine(local.date(), time(hh, mm), tzinfo=SHANGHAI)
    if slot <= local:
        slot = datetime.combine(local.date() + timedelta(days=1), time(hh, mm), tzinfo=SHANGHAI)
    return slot.astimezone(now.tzinfo)
