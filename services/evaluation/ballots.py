"""Ballots: key-suggestion selection (票决) and democratic evaluation (民主评议), with the 60% rules. No I/O here.

One mechanism serves both. Staff create a ballot as a draft — its items (candidate cases for a key selection;
units or key suggestions for a democratic evaluation), its named voters, whether it is secret, when it closes —
open it, and close it (or it closes itself at `closes_at`). A voter on the list votes while it is open:

- key selection: picks 1 to `max_picks` distinct items, once;
- democratic evaluation: for each item satisfied / basically satisfied / unsatisfied and whether handling must
  continue, once per item (the items in one request or in several).

Closing counts once and announces the tally (`evaluation.ballot.closed.v1`); nothing is shown of the votes
before. A key selection's tally ranks the items by votes with competition ranking — equal votes share a rank
(1, 2, 2, 4) and are listed by item id — and the chair meeting's final list, any subset of the items in any
order, is recorded afterwards (`evaluation.key_suggestions.selected.v1`).

A democratic evaluation decides each item with the ballot's rules (copied at creation; defaults 0.6 / 0.5 /
"satisfied_and_basic"), in exact fractions so that exactly 60% is not below:

- satisfaction rate = (satisfied + basically satisfied) / valid votes (`satisfied_only`: satisfied / valid),
  valid votes being the votes for that item; continue share = votes asking to continue / valid votes;
- rate below `pass_threshold` → `re_evaluate_next_year`, or `special_inquiry` when last year's recorded outcome
  of the same item in the congress was below too;
- else continue share strictly above `continue_threshold` → `chair_decides_continuation`;
- else `passed`. An item nobody voted on has no rate and no outcome.

Every change returns a new Ballot whose `events` the store writes with the change, in one update.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction
from typing import Literal

from shared.contracts.envelope import EventData
from shared.contracts.evaluation import (
    BallotClosed,
    BallotOpened,
    EvaluationOutcome,
    KeySuggestionsSelected,
    TallyLine,
)
from shared.errors import Conflict, Forbidden, Invalid

Kind = Literal["key_selection", "democratic_evaluation"]
KINDS: tuple[Kind, ...] = ("key_selection", "democratic_evaluation")
State = Literal["draft", "open", "closing", "closed"]
Choice = Literal["satisfied", "basically_satisfied", "unsatisfied"]
CHOICES: tuple[Choice, ...] = ("satisfied", "basically_satisfied", "unsatisfied")
Formula = Literal["satisfied_and_basic", "satisfied_only"]
FORMULAS: tuple[Formula, ...] = ("satisfied_and_basic", "satisfied_only")
OutcomeKind = Literal["passed", "re_evaluate_next_year", "special_inquiry", "chair_decides_continuation"]

TITLE_MAX = 200
LABEL_MAX = 200
ID_MAX = 64  # an item id, a voter id
NAME_MAX = 100  # a voter's name
ITEMS_MAX = 1_000
VOTERS_MAX = 2_000
NOTE_MAX = 2_000
YEAR_MIN, YEAR_MAX = 2000, 2100
DEFAULT_PASS = 0.6
DEFAULT_CONTINUE = 0.5
DEFAULT_FORMULA: Formula = "satisfied_and_basic"


@dataclass(frozen=True)
class Item:
    """A candidate case (key selection) or a unit / key suggestion evaluated (democratic evaluation)."""

    id: str
    label: str = ""


@dataclass(frozen=True)
class Voter:
    """A deputy or evaluator on the ballot's list (the token's `sub`)."""

    id: str
    name: str = ""


@dataclass(frozen=True)
class Rules:
    """A democratic evaluation's thresholds, copied onto the ballot when it is created."""

    pass_threshold: float = DEFAULT_PASS  # a satisfaction rate below it fails
    continue_threshold: float = DEFAULT_CONTINUE  # a continue share strictly above it goes to the chair meeting
    satisfaction_formula: Formula = DEFAULT_FORMULA


@dataclass(frozen=True)
class Mark:
    """One voter's mark on one item of a democratic evaluation."""

    item_id: str
    choice: Choice
    continue_handling: bool = False


@dataclass(frozen=True)
class Vote:
    """What one voter voted — never who: picks (key selection) or marks (democratic evaluation)."""

    picks: tuple[str, ...] = ()
    marks: tuple[Mark, ...] = ()

    @property
    def item_ids(self) -> tuple[str, ...]:
        """The items the vote covers: its marks' items (a key selection's vote covers the whole ballot)."""
        return tuple(m.item_id for m in self.marks)


@dataclass(frozen=True)
class Decision:
    """What a democratic evaluation decided for one item."""

    item_id: str
    label: str
    valid_votes: int
    satisfaction_rate: float
    continue_share: float
    below: bool  # the rate was below the pass threshold
    outcome: OutcomeKind


@dataclass(frozen=True)
class FinalList:
    """The chair meeting's final list of key suggestions (主任会议确定)."""

    case_ids: tuple[str, ...]
    note: str
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class Ballot:
    """A congress's ballot: key-suggestion selection or democratic evaluation."""

    id: str
    congress_id: str
    kind: Kind
    title: str
    year: int
    items: tuple[Item, ...]
    voters: tuple[Voter, ...]
    max_picks: int | None  # key selection only
    secret: bool
    public_results: bool
    closes_at: datetime | None
    rules: Rules | None  # democratic evaluation only
    created_at: datetime
    created_by: str
    state: State = "draft"
    opened_at: datetime | None = None
    opened_by: str = ""
    closing_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str = ""  # "" when it closed itself at `closes_at`
    turnout: int = 0
    tally: tuple[TallyLine, ...] = ()
    decisions: tuple[Decision, ...] = ()
    final_list: FinalList | None = None
    revision: int = 1
    events: tuple[EventData, ...] = ()

    def voter(self, subject: str) -> Voter | None:
        return next((v for v in self.voters if v.id == subject), None)

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    @property
    def closed(self) -> bool:
        return self.state == "closed"

    def accepting(self, now: datetime) -> bool:
        """Whether a vote may be cast now: open, and `closes_at` not reached."""
        return self.state == "open" and (self.closes_at is None or now < self.closes_at)

    def due(self, now: datetime) -> bool:
        """Whether the ballot should close itself now (`closes_at` passed, still open)."""
        return self.state == "open" and self.closes_at is not None and now >= self.closes_at


# --- checks ----------------------------------------------------------------------------------------------


def _text(value: str, *, limit: int, code: str, what: str, required: bool) -> str:
    value = " ".join(value.split())
    if required and not value:
        raise Invalid(f"ballot.{code}_required", f"The {what} is required.")
    if len(value) > limit:
        raise Invalid(f"ballot.{code}_too_long", f"The {what} is at most {limit} characters.", limit=limit)
    return value


def _id(value: str, *, code: str, what: str) -> str:
    value = value.strip()
    if not value or len(value) > ID_MAX or any(c.isspace() for c in value):
        raise Invalid(code, f"Each {what} id is 1 to {ID_MAX} characters without spaces.", value=value[:ID_MAX])
    return value


def _items(items: Sequence[Item]) -> tuple[Item, ...]:
    if not items:
        raise Invalid("ballot.items_required", "A ballot lists at least one item.")
    if len(items) > ITEMS_MAX:
        raise Invalid("ballot.items_too_many", f"A ballot lists at most {ITEMS_MAX} items.", limit=ITEMS_MAX)
    out: list[Item] = []
    seen: set[str] = set()
    for item in items:
        item_id = _id(item.id, code="ballot.item_invalid", what="item")
        label = " ".join(item.label.split())
        if len(label) > LABEL_MAX:
            raise Invalid("ballot.item_invalid", f"An item's label is at most {LABEL_MAX} characters.", value=item_id)
        if item_id in seen:
            raise Invalid("ballot.item_repeated", "An item is listed twice.", item_id=item_id)
        seen.add(item_id)
        out.append(Item(id=item_id, label=label))
    return tuple(out)


def _voters(voters: Sequence[Voter]) -> tuple[Voter, ...]:
    if not voters:
        raise Invalid("ballot.voters_required", "A ballot names at least one voter.")
    if len(voters) > VOTERS_MAX:
        raise Invalid("ballot.voters_too_many", f"A ballot names at most {VOTERS_MAX} voters.", limit=VOTERS_MAX)
    out: list[Voter] = []
    seen: set[str] = set()
    for voter in voters:
        voter_id = _id(voter.id, code="ballot.voter_invalid", what="voter")
        name = " ".join(voter.name.split())
        if len(name) > NAME_MAX:
            raise Invalid("ballot.voter_invalid", f"A voter's name is at most {NAME_MAX} characters.", value=voter_id)
        if voter_id in seen:
            raise Invalid("ballot.voter_repeated", "A voter is named twice.", voter_id=voter_id)
        seen.add(voter_id)
        out.append(Voter(id=voter_id, name=name))
    return tuple(out)


def _rules(pass_threshold: float | None, continue_threshold: float | None, formula: str | None) -> Rules:
    p = DEFAULT_PASS if pass_threshold is None else pass_threshold
    c = DEFAULT_CONTINUE if continue_threshold is None else continue_threshold
    f = DEFAULT_FORMULA if formula is None else formula
    if isinstance(p, bool) or not isinstance(p, int | float) or not 0 < p <= 1:
        raise Invalid("ballot.threshold_invalid", "The pass threshold is above 0 and at most 1 (e.g. 0.6).")
    if isinstance(c, bool) or not isinstance(c, int | float) or not 0 <= c < 1:
        raise Invalid("ballot.threshold_invalid", "The continue threshold is at least 0 and below 1 (e.g. 0.5).")
    formula_: Formula
    if f == "satisfied_and_basic":
        formula_ = "satisfied_and_basic"
    elif f == "satisfied_only":
        formula_ = "satisfied_only"
    else:
        raise Invalid("ballot.formula_invalid", "The formula is satisfied_and_basic or satisfied_only.")
    return Rules(pass_threshold=float(p), continue_threshold=float(c), satisfaction_formula=formula_)


# --- creating, opening -------------------------------------------------------------------------------------


def create(
    *,
    ballot_id: str,
    congress_id: str,
    kind: str,
    title: str,
    year: int,
    items: Sequence[Item],
    voters: Sequence[Voter],
    by: str,
    now: datetime,
    max_picks: int | None = None,
    secret: bool = True,
    public_results: bool = False,
    closes_at: datetime | None = None,
    pass_threshold: float | None = None,
    continue_threshold: float | None = None,
    satisfaction_formula: str | None = None,
) -> Ballot:
    """A new ballot, as a draft (nothing is announced until it opens)."""
    kind_: Kind
    if kind == "key_selection":
        kind_ = "key_selection"
    elif kind == "democratic_evaluation":
        kind_ = "democratic_evaluation"
    else:
        raise Invalid("ballot.kind_invalid", "A ballot is a key_selection or a democratic_evaluation.")
    if isinstance(year, bool) or not YEAR_MIN <= year <= YEAR_MAX:
        raise Invalid("ballot.year_invalid", f"The year is from {YEAR_MIN} to {YEAR_MAX}.")
    clean_items = _items(items)
    rules: Rules | None = None
    if kind_ == "key_selection":
        if pass_threshold is not None or continue_threshold is not None or satisfaction_formula is not None:
            raise Invalid(
                "ballot.rules_only_for_democratic_evaluation",
                "Thresholds and the formula are for a democratic evaluation only.",
            )
        if max_picks is None:
            raise Invalid("ballot.max_picks_required", "A key selection says how many items a voter may pick.")
        if isinstance(max_picks, bool) or not 1 <= max_picks <= len(clean_items):
            raise Invalid(
                "ballot.max_picks_invalid",
                "A voter may pick from 1 to as many items as the ballot lists.",
                limit=len(clean_items),
            )
    else:
        if max_picks is not None:
            raise Invalid("ballot.max_picks_only_for_key_selection", "Only a key selection limits the picks.")
        rules = _rules(pass_threshold, continue_threshold, satisfaction_formula)
    if closes_at is not None and closes_at <= now:
        raise Invalid("ballot.closes_at_past", "The ballot would close in the past.")
    return Ballot(
        id=ballot_id,
        congress_id=congress_id,
        kind=kind_,
        title=_text(title, limit=TITLE_MAX, code="title", what="title", required=True),
        year=year,
        items=clean_items,
        voters=_voters(voters),
        max_picks=max_picks,
        secret=secret,
        public_results=public_results,
        closes_at=closes_at,
        rules=rules,
        created_at=now,
        created_by=by,
    )


def _emit(ballot: Ballot, *events: EventData) -> Ballot:
    return replace(ballot, events=ballot.events + events, revision=ballot.revision + 1)


def open_ballot(ballot: Ballot, *, by: str, now: datetime) -> Ballot:
    """Staff open a draft: voting starts (`evaluation.ballot.opened.v1`)."""
    if ballot.state != "draft":
        raise Conflict("ballot.not_draft", "Only a draft ballot can be opened.", state=ballot.state)
    if ballot.closes_at is not None and ballot.closes_at <= now:
        raise Conflict("ballot.closes_at_past", "The ballot's closing time has passed; create it again.")
    after = replace(ballot, state="open", opened_at=now, opened_by=by)
    return _emit(
        after,
        BallotOpened(
            ballot_id=after.id,
            congress_id=after.congress_id,
            kind=after.kind,
            title=after.title,
            year=after.year,
            items=[i.id for i in after.items],
            voters=[v.id for v in after.voters],
            secret=after.secret,
            closes_at=after.closes_at,
            opened_at=now,
        ),
    )


# --- voting ----------------------------------------------------------------------------------------------


def may_vote(ballot: Ballot, subject: str, now: datetime) -> Voter:
    """The voter, if `subject` may vote on the ballot now; otherwise the refusal."""
    voter = ballot.voter(subject)
    if voter is None:
        raise Forbidden("ballot.not_a_voter", "You are not on this ballot's list of voters.")
    if ballot.state == "draft":
        raise Conflict("ballot.not_open", "The ballot is not open yet.")
    if not ballot.accepting(now):
        raise Conflict("ballot.closed", "The ballot is closed.")
    return voter


def check_vote(
    ballot: Ballot,
    *,
    picks: Sequence[str] | None = None,
    marks: Sequence[Mark] | None = None,
) -> Vote:
    """A vote as cast, checked against the ballot: picks for a key selection, marks for a democratic evaluation."""
    if ballot.kind == "key_selection":
        if marks is not None:
            raise Invalid("ballot.vote_kind_mismatch", "A key selection is voted with `picks`.")
        chosen = [p.strip() for p in picks or ()]
        if not chosen:
            raise Invalid("ballot.picks_required", "Pick at least one item.")
        if len(set(chosen)) != len(chosen):
            raise Invalid("ballot.pick_repeated", "An item is picked twice.")
        limit = ballot.max_picks or 0
        if len(chosen) > limit:
            raise Invalid("ballot.too_many_picks", f"Pick at most {limit} items.", limit=limit)
        unknown = [p for p in chosen if ballot.item(p) is None]
        if unknown:
            raise Invalid("ballot.unknown_item", "A pick is not an item of this ballot.", item_ids=unknown[:10])
        return Vote(picks=tuple(chosen))
    if picks is not None:
        raise Invalid("ballot.vote_kind_mismatch", "A democratic evaluation is voted with `marks`.")
    given = list(marks or ())
    if not given:
        raise Invalid("ballot.marks_required", "Mark at least one item.")
    ids = [m.item_id.strip() for m in given]
    if len(set(ids)) != len(ids):
        raise Invalid("ballot.mark_repeated", "An item is marked twice.")
    unknown = [i for i in ids if ballot.item(i) is None]
    if unknown:
        raise Invalid("ballot.unknown_item", "A mark is not for an item of this ballot.", item_ids=unknown[:10])
    for m in given:
        if m.choice not in CHOICES:
            raise Invalid("ballot.choice_invalid", "A mark is satisfied, basically_satisfied or unsatisfied.")
    return Vote(
        marks=tuple(
            Mark(item_id=i, choice=m.choice, continue_handling=bool(m.continue_handling))
            for i, m in zip(ids, given, strict=True)
        )
    )


# --- closing ---------------------------------------------------------------------------------------------


def begin_close(ballot: Ballot, *, by: str, now: datetime) -> Ballot:
    """Voting stops: the ballot is closing while the votes are sealed and counted (no event yet)."""
    if ballot.state == "draft":
        raise Conflict("ballot.not_open", "A draft ballot cannot be closed; it never opened.")
    if ballot.state != "open":
        raise Conflict("ballot.closed", "The ballot is closed already.")
    return replace(ballot, state="closing", closing_at=now, closed_by=by, revision=ballot.revision + 1)


def count_picks(ballot: Ballot, votes: Iterable[Vote]) -> tuple[TallyLine, ...]:
    """A key selection's tally: most votes first; equal votes share a rank (1, 2, 2, 4) and go by item id."""
    counts = {i.id: 0 for i in ballot.items}
    for vote in votes:
        for pick in vote.picks:
            if pick in counts:
                counts[pick] += 1
    ordered = sorted(ballot.items, key=lambda i: (-counts[i.id], i.id))
    lines: list[TallyLine] = []
    rank = 0
    for n, item in enumerate(ordered, start=1):
        if n == 1 or counts[item.id] != lines[-1].votes:
            rank = n
        lines.append(TallyLine(item_id=item.id, label=item.label, votes=counts[item.id], rank=rank))
    return tuple(lines)


def satisfaction(satisfied: int, basically_satisfied: int, valid: int, formula: Formula) -> Fraction | None:
    """The exact satisfaction rate, or None without valid votes."""
    if valid <= 0:
        return None
    good = satisfied + (basically_satisfied if formula == "satisfied_and_basic" else 0)
    return Fraction(good, valid)


def _exact(threshold: float) -> Fraction:
    """A threshold as the decimal it was written as (0.6 is 3/5, not the nearest binary float)."""
    return Fraction(str(threshold))


def outcome_of(
    rate: Fraction, continue_share: Fraction, rules: Rules, *, below_last_year: bool
) -> tuple[OutcomeKind, bool]:
    """The 60% rules for one item: the outcome, and whether the rate was below the pass threshold."""
    if rate < _exact(rules.pass_threshold):
        return ("special_inquiry" if below_last_year else "re_evaluate_next_year"), True
    if continue_share > _exact(rules.continue_threshold):
        return "chair_decides_continuation", False
    return "passed", False


def count_marks(ballot: Ballot, votes: Iterable[Vote]) -> tuple[TallyLine, ...]:
    """A democratic evaluation's tally, item by item in the ballot's order."""
    rules = ballot.rules or Rules()
    counts: dict[str, dict[str, int]] = {
        i.id: {"satisfied": 0, "basically_satisfied": 0, "unsatisfied": 0, "continue_handling": 0} for i in ballot.items
    }
    for vote in votes:
        for mark in vote.marks:
            line = counts.get(mark.item_id)
            if line is None:
                continue
            line[mark.choice] += 1
            line["continue_handling"] += 1 if mark.continue_handling else 0
    out: list[TallyLine] = []
    for item in ballot.items:
        c = counts[item.id]
        valid = c["satisfied"] + c["basically_satisfied"] + c["unsatisfied"]
        rate = satisfaction(c["satisfied"], c["basically_satisfied"], valid, rules.satisfaction_formula)
        out.append(
            TallyLine(
                item_id=item.id,
                label=item.label,
                votes=valid,
                satisfied=c["satisfied"],
                basically_satisfied=c["basically_satisfied"],
                unsatisfied=c["unsatisfied"],
                continue_handling=c["continue_handling"],
                satisfaction_rate=float(rate) if rate is not None else None,
            )
        )
    return tuple(out)


def decide(ballot: Ballot, tally: Sequence[TallyLine], below_last_year: Mapping[str, bool]) -> tuple[Decision, ...]:
    """Each voted item's outcome; `below_last_year[item]` says last year's recorded outcome was below."""
    rules = ballot.rules or Rules()
    out: list[Decision] = []
    for line in tally:
        rate = satisfaction(line.satisfied, line.basically_satisfied, line.votes, rules.satisfaction_formula)
        if rate is None:
            continue
        share = Fraction(line.continue_handling, line.votes)
        outcome, below = outcome_of(rate, share, rules, below_last_year=below_last_year.get(line.item_id, False))
        out.append(
            Decision(
                item_id=line.item_id,
                label=line.label,
                valid_votes=line.votes,
                satisfaction_rate=float(rate),
                continue_share=float(share),
                below=below,
                outcome=outcome,
            )
        )
    return tuple(out)


def finish_close(
    ballot: Ballot,
    votes: Sequence[Vote],
    *,
    turnout: int,
    below_last_year: Mapping[str, bool],
    now: datetime,
) -> Ballot:
    """The sealed votes counted once: the tally and (democratic evaluation) each item's outcome, announced."""
    if ballot.state != "closing":
        raise Conflict("ballot.closed", "The ballot is closed already.")
    if ballot.kind == "key_selection":
        tally = count_picks(ballot, votes)
        decisions: tuple[Decision, ...] = ()
    else:
        tally = count_marks(ballot, votes)
        decisions = decide(ballot, tally, below_last_year)
    after = replace(ballot, state="closed", closed_at=now, turnout=turnout, tally=tally, decisions=decisions)
    closed = BallotClosed(
        ballot_id=after.id,
        congress_id=after.congress_id,
        kind=after.kind,
        title=after.title,
        year=after.year,
        voters=len(after.voters),
        turnout=turnout,
        tally=list(tally),
        closed_at=now,
    )
    outcomes = [
        EvaluationOutcome(
            congress_id=after.congress_id,
            ballot_id=after.id,
            year=after.year,
            item_id=d.item_id,
            label=d.label,
            satisfaction_rate=d.satisfaction_rate,
            continue_share=d.continue_share,
            outcome=d.outcome,
            decided_at=now,
        )
        for d in decisions
    ]
    return _emit(after, closed, *outcomes)


# --- the chair meeting's final list ------------------------------------------------------------------------


def final_list_ids(ballot: Ballot, case_ids: Sequence[str]) -> tuple[str, ...]:
    """The final list as given, checked: a key selection's closed ballot, a non-empty subset of its items."""
    if ballot.kind != "key_selection":
        raise Conflict("ballot.wrong_kind", "Only a key selection has a final list.")
    if ballot.state != "closed":
        raise Conflict("ballot.not_closed", "The final list follows the close of the ballot.")
    ids = [c.strip() for c in case_ids]
    if not ids:
        raise Invalid("ballot.final_list_required", "The final list names at least one case.")
    if len(set(ids)) != len(ids):
        raise Invalid("ballot.final_list_repeated", "A case is named twice.")
    unknown = [c for c in ids if ballot.item(c) is None]
    if unknown:
        raise Invalid("ballot.final_list_not_on_ballot", "A case is not an item of this ballot.", case_ids=unknown[:10])
    return tuple(ids)


def record_final_list(ballot: Ballot, *, case_ids: Sequence[str], note: str, by: str, now: datetime) -> Ballot:
    """Staff record the chair meeting's final list (`evaluation.key_suggestions.selected.v1`), once.

    The same list again changes nothing; another list once one is recorded is refused.
    """
    ids = final_list_ids(ballot, case_ids)
    text = _text(note, limit=NOTE_MAX, code="note", what="note", required=False)
    if ballot.final_list is not None:
        if ballot.final_list.case_ids == ids:
            return ballot
        raise Conflict("ballot.final_list_recorded", "The final list is recorded already.")
    final = FinalList(case_ids=ids, note=text, recorded_at=now, recorded_by=by)
    return _emit(
        replace(ballot, final_list=final),
        KeySuggestionsSelected(
            congress_id=ballot.congress_id, year=ballot.year, case_ids=list(ids), ballot_id=ballot.id, selected_at=now
        ),
    )


__all__ = [
    "CHOICES",
    "DEFAULT_CONTINUE",
    "DEFAULT_FORMULA",
    "DEFAULT_PASS",
    "FORMULAS",
    "ID_MAX",
    "ITEMS_MAX",
    "KINDS",
    "LABEL_MAX",
    "NAME_MAX",
    "NOTE_MAX",
    "TITLE_MAX",
    "VOTERS_MAX",
    "Ballot",
    "Choice",
    "Decision",
    "FinalList",
    "Formula",
    "Item",
    "Kind",
    "Mark",
    "OutcomeKind",
    "Rules",
    "State",
    "Vote",
    "Voter",
    "begin_close",
    "check_vote",
    "count_marks",
    "count_picks",
    "create",
    "decide",
    "final_list_ids",
    "finish_close",
    "may_vote",
    "open_ballot",
    "outcome_of",
    "record_final_list",
    "satisfaction",
]
