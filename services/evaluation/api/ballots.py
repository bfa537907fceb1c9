"""Ballots: key-suggestion selection (票决) and democratic evaluation (民主评议).

Staff create, open and close ballots, follow the turnout (who voted, never what) and record the chair
meeting's final list; voters on a ballot's list vote while it is open; the results are readable from the
close on — by staff, leaders and the ballot's voters, and by anyone when the ballot's results are public.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.evaluation.ballots import (
    Ballot,
    Choice,
    Decision,
    Formula,
    Item,
    Kind,
    Mark,
    OutcomeKind,
    State,
    Voter,
    create,
    record_final_list,
)
from services.evaluation.store.ballots import BallotStore
from shared.auth import CurrentPrincipal, Principal, Role, require
from shared.contracts.evaluation import TallyLine
from shared.errors import Conflict, Forbidden, NotFound
from shared.mongo import Doc

router = APIRouter(tags=["ballots"])

Clock = Callable[[], datetime]


def _ballots(request: Request) -> BallotStore:
    store: BallotStore = request.app.state.ballots
    return store


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


Ballots = Annotated[BallotStore, Depends(_ballots)]
Now = Annotated[Clock, Depends(_clock)]
StaffUser = Annotated[Principal, Depends(require(Role.STAFF))]
StaffOrLeader = Annotated[Principal, Depends(require(Role.STAFF, Role.LEADER))]
VoterUser = Annotated[Principal, Depends(require(Role.EVALUATOR, Role.DEPUTY))]
BallotId = Annotated[str, Path(max_length=64)]


def _wake_sweep(request: Request) -> None:
    """A ballot that will close at a moment: the close sweep looks again at its next moment."""
    sweep = getattr(request.app.state, "ballot_sweep", None)
    if sweep is not None:
        sweep.wake()


# --- schemas ---------------------------------------------------------------------------------------------


class Strict(BaseModel):
    """Request bodies refuse unknown fields; lengths and limits are the ballots' rules (`ballot.*` codes)."""

    model_config = ConfigDict(extra="forbid")


class ItemIn(Strict):
    """An item: a candidate case id (key selection), a unit id or key-suggestion case id (democratic evaluation)."""

    id: str = Field(description="1-64 characters without spaces, unique on the ballot", examples=["s-0007"])
    label: str = Field(default="", description="≤ 200 characters", examples=["关于加强城区停车设施建设的建议"])


class VoterIn(Strict):
    """A voter: the `sub` of the deputy's or evaluator's token."""

    id: str = Field(description="1-64 characters without spaces, unique on the ballot", examples=["dep-17"])
    name: str = Field(default="", description="≤ 100 characters", examples=["屠永芳"])


class BallotIn(Strict):
    """A new ballot (a draft until opened).

    A `key_selection` needs `max_picks` (1 to the number of items). A `democratic_evaluation` may set its
    rules: `pass_threshold` (default 0.6; a satisfaction rate below it fails), `continue_threshold` (default
    0.5; a share of votes asking to continue strictly above it goes to the chair meeting) and
    `satisfaction_formula` (default `satisfied_and_basic`; `satisfied_only` counts only 满意).
    """

    kind: Kind
    title: str = Field(description="1-200 characters")
    year: int = Field(description="The year the ballot is about (2000-2100)", examples=[2026])
    items: list[ItemIn] = Field(description="1-1000 items")
    voters: list[VoterIn] = Field(description="1-2000 voters")
    max_picks: int | None = None
    secret: bool = True
    public_results: bool = False
    closes_at: AwareDatetime | None = None
    pass_threshold: float | None = None
    continue_threshold: float | None = None
    satisfaction_formula: Formula | None = None


class MarkIn(Strict):
    """A democratic evaluation's mark on one item."""

    item_id: str
    choice: Choice
    continue_handling: bool = False


class VoteIn(Strict):
    """A vote: `picks` (key selection: 1 to `max_picks` distinct items) or `marks` (democratic evaluation: one
    per item, for some or all items; each item once per voter)."""

    picks: list[str] | None = None
    marks: list[MarkIn] | None = None


class FinalListIn(Strict):
    """The chair meeting's final list: any of the ballot's items, in the meeting's order."""

    case_ids: list[str]
    note: str = Field(default="", description="≤ 2000 characters")


class ItemPublic(BaseModel):
    id: str
    label: str


class VoterPublic(BaseModel):
    id: str
    name: str


class RulesPublic(BaseModel):
    pass_threshold: float
    continue_threshold: float
    satisfaction_formula: Formula


class FinalListPublic(BaseModel):
    case_ids: list[str]
    note: str
    recorded_at: datetime
    recorded_by: str


def _final(b: Ballot) -> FinalListPublic | None:
    f = b.final_list
    if f is None:
        return None
    return FinalListPublic(case_ids=list(f.case_ids), note=f.note, recorded_at=f.recorded_at, recorded_by=f.recorded_by)


def _rules(b: Ballot) -> RulesPublic | None:
    r = b.rules
    if r is None:
        return None
    return RulesPublic(
        pass_threshold=r.pass_threshold,
        continue_threshold=r.continue_threshold,
        satisfaction_formula=r.satisfaction_formula,
    )


class BallotSummary(BaseModel):
    """A ballot without its lists (`closing`: the close is being counted, a moment)."""

    id: str
    kind: Kind
    title: str
    year: int
    state: State
    item_count: int
    voter_count: int
    max_picks: int | None
    secret: bool
    public_results: bool
    closes_at: datetime | None
    created_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    turnout: int  # counted at the close; see /turnout while open

    @classmethod
    def fields(cls, b: Ballot) -> dict[str, Any]:
        return {
            "id": b.id,
            "kind": b.kind,
            "title": b.title,
            "year": b.year,
            "state": b.state,
            "item_count": len(b.items),
            "voter_count": len(b.voters),
            "max_picks": b.max_picks,
            "secret": b.secret,
            "public_results": b.public_results,
            "closes_at": b.closes_at,
            "created_at": b.created_at,
            "opened_at": b.opened_at,
            "closed_at": b.closed_at,
            "turnout": b.turnout,
        }

    @classmethod
    def of(cls, b: Ballot) -> BallotSummary:
        return cls.model_validate(cls.fields(b))


class BallotPublic(BallotSummary):
    """A ballot as staff see it: its items, voters and rules; never a vote or a running tally."""

    items: list[ItemPublic]
    voters: list[VoterPublic]
    rules: RulesPublic | None
    created_by: str
    opened_by: str
    closing_at: datetime | None
    closed_by: str
    final_list: FinalListPublic | None
    revision: int

    @classmethod
    def of(cls, b: Ballot) -> BallotPublic:
        return cls.model_validate(
            {
                **cls.fields(b),
                "items": [ItemPublic(id=i.id, label=i.label) for i in b.items],
                "voters": [VoterPublic(id=v.id, name=v.name) for v in b.voters],
                "rules": _rules(b),
                "created_by": b.created_by,
                "opened_by": b.opened_by,
                "closing_at": b.closing_at,
                "closed_by": b.closed_by,
                "final_list": _final(b),
                "revision": b.revision,
            }
        )


class BallotsPublic(BaseModel):
    data: list[BallotSummary]
    count: int


class MyBallot(BaseModel):
    """An open ballot the caller is on: what to vote on, and whether they have (never what they voted)."""

    id: str
    kind: Kind
    title: str
    year: int
    items: list[ItemPublic]
    max_picks: int | None
    secret: bool
    closes_at: datetime | None
    voted: bool  # key selection: voted; democratic evaluation: voted on every item
    voted_items: list[str]  # democratic evaluation: the items voted on so far


class MyBallots(BaseModel):
    data: list[MyBallot]


class VoteReceipt(BaseModel):
    """The vote is recorded (what it says is not echoed)."""

    ballot_id: str
    recorded: bool = True
    items: list[str]  # democratic evaluation: the items this vote marked; key selection: empty


class TurnoutEntry(BaseModel):
    id: str
    name: str
    items: list[str]  # democratic evaluation: the items voted on (never the marks)


class TurnoutPublic(BaseModel):
    """Who voted, never what: a count and the lists of who has and who has not voted."""

    ballot_id: str
    state: State
    secret: bool
    voters: int
    voted: int
    who_voted: list[TurnoutEntry]
    not_voted: list[VoterPublic]


class DecisionPublic(BaseModel):
    """A democratic evaluation's outcome for one item (rates are fractions: 0.6 is 60%)."""

    item_id: str
    label: str
    valid_votes: int
    satisfaction_rate: float
    continue_share: float
    below: bool
    outcome: OutcomeKind

    @classmethod
    def of(cls, d: Decision) -> DecisionPublic:
        return cls(
            item_id=d.item_id,
            label=d.label,
            valid_votes=d.valid_votes,
            satisfaction_rate=d.satisfaction_rate,
            continue_share=d.continue_share,
            below=d.below,
            outcome=d.outcome,
        )


class ResultsPublic(BaseModel):
    """A closed ballot's results: the tally (key selection: ranked, competition ranking 1, 2, 2, 4; democratic
    evaluation: in the ballot's order), each evaluated item's outcome, and the final list once recorded."""

    ballot_id: str
    kind: Kind
    title: str
    year: int
    closed_at: datetime
    voters: int
    turnout: int
    max_picks: int | None
    rules: RulesPublic | None
    tally: list[TallyLine]
    outcomes: list[DecisionPublic]
    final_list: FinalListPublic | None

    @classmethod
    def of(cls, b: Ballot) -> ResultsPublic:
        assert b.closed_at is not None
        return cls(
            ballot_id=b.id,
            kind=b.kind,
            title=b.title,
            year=b.year,
            closed_at=b.closed_at,
            voters=len(b.voters),
            turnout=b.turnout,
            max_picks=b.max_picks,
            rules=_rules(b),
            tally=list(b.tally),
            outcomes=[DecisionPublic.of(d) for d in b.decisions],
            final_list=_final(b),
        )


class MarkPublic(BaseModel):
    item_id: str
    choice: Choice
    continue_handling: bool


class NamedVote(BaseModel):
    voter_id: str
    picks: list[str] = []
    marks: list[MarkPublic] = []


class NamedVotes(BaseModel):
    """The votes of a closed ballot that is not secret (记名投票), by voter."""

    ballot_id: str
    data: list[NamedVote]


class OutcomePublic(BaseModel):
    """A recorded democratic-evaluation outcome of one item in a year."""

    item_id: str
    label: str
    year: int
    ballot_id: str
    ballot_title: str
    valid_votes: int
    satisfaction_rate: float
    continue_share: float
    below: bool
    outcome: OutcomeKind
    decided_at: datetime

    @classmethod
    def of(cls, d: Doc) -> OutcomePublic:
        return cls(
            item_id=d["item_id"],
            label=d.get("label", ""),
            year=d["year"],
            ballot_id=d["ballot_id"],
            ballot_title=d.get("ballot_title", ""),
            valid_votes=d.get("valid_votes", 0),
            satisfaction_rate=d["satisfaction_rate"],
            continue_share=d["continue_share"],
            below=bool(d.get("below")),
            outcome=d["outcome"],
            decided_at=d["decided_at"],
        )


class OutcomesPublic(BaseModel):
    data: list[OutcomePublic]
    count: int


# --- staff: the ballot's life ------------------------------------------------------------------------------


@router.post("/ballots", status_code=201, summary="Create a ballot (a draft)")
async def create_ballot(body: BallotIn, staff: StaffUser, ballots: Ballots, now: Now) -> BallotPublic:
    """Staff create a key selection (票决) or a democratic evaluation (民主评议) as a draft: nothing is announced
    and nobody votes until it is opened. The thresholds of a democratic evaluation are copied onto the ballot."""
    ballot = create(
        ballot_id=_new_id(),
        congress_id=staff.congress_id,
        kind=body.kind,
        title=body.title,
        year=body.year,
        items=[Item(id=i.id, label=i.label) for i in body.items],
        voters=[Voter(id=v.id, name=v.name) for v in body.voters],
        by=staff.subject,
        now=now(),
        max_picks=body.max_picks,
        secret=body.secret,
        public_results=body.public_results,
        closes_at=body.closes_at,
        pass_threshold=body.pass_threshold,
        continue_threshold=body.continue_threshold,
        satisfaction_formula=body.satisfaction_formula,
    )
    return BallotPublic.of(await ballots.add(ballot))


@router.get("/ballots", summary="List the congress's ballots")
async def list_ballots(
    who: StaffOrLeader,
    ballots: Ballots,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    kind: Annotated[Kind | None, Query()] = None,
    state: Annotated[State | None, Query()] = None,
    skip: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> BallotsPublic:
    """Staff and leaders list the congress's ballots, newest first."""
    items, total = await ballots.page(who.congress_id, year=year, kind=kind, state=state, skip=skip, limit=limit)
    return BallotsPublic(data=[BallotSummary.of(b) for b in items], count=total)


@router.get("/ballots/mine", summary="The open ballots I may vote in")
async def my_ballots(voter: VoterUser, ballots: Ballots, now: Now) -> MyBallots:
    """A deputy's or evaluator's open ballots (their `sub` is on the list, `closes_at` not reached), each with
    whether they have voted — never anyone's votes or a running tally."""
    out = []
    for b, entry in await ballots.mine(voter.congress_id, voter.subject, now()):
        done = [] if entry is None or entry.get("state") != "voted" else list(entry.get("items", []))
        voted = entry is not None and entry.get("state") == "voted"
        if b.kind == "democratic_evaluation":
            voted = voted and len(set(done)) >= len(b.items)
        out.append(
            MyBallot(
                id=b.id,
                kind=b.kind,
                title=b.title,
                year=b.year,
                items=[ItemPublic(id=i.id, label=i.label) for i in b.items],
                max_picks=b.max_picks,
                secret=b.secret,
                closes_at=b.closes_at,
                voted=voted,
                voted_items=done if b.kind == "democratic_evaluation" else [],
            )
        )
    return MyBallots(data=out)


@router.get("/ballots/{ballot_id}", summary="Read a ballot")
async def read_ballot(ballot_id: BallotId, who: StaffOrLeader, ballots: Ballots, now: Now) -> BallotPublic:
    """Staff and leaders read a ballot with its items, voters and rules (results: `/results`)."""
    ballot = await ballots.settle(await ballots.get(who.congress_id, ballot_id), now())
    return BallotPublic.of(ballot)


@router.post("/ballots/{ballot_id}/open", summary="Open a ballot")
async def open_ballot(
    ballot_id: BallotId, staff: StaffUser, ballots: Ballots, now: Now, request: Request
) -> BallotPublic:
    """Staff open a draft: the voters may vote (`evaluation.ballot.opened.v1`). Only a draft opens
    (`ballot.not_draft`), and not after its `closes_at` (`ballot.closes_at_past`)."""
    ballot = await ballots.open(staff.congress_id, ballot_id, by=staff.subject, now=now())
    if ballot.closes_at is not None:
        _wake_sweep(request)
    return BallotPublic.of(ballot)


@router.post("/ballots/{ballot_id}/close", summary="Close a ballot and announce its results")
async def close_ballot(ballot_id: BallotId, staff: StaffUser, ballots: Ballots, now: Now) -> ResultsPublic:
    """Staff close an open ballot: the votes are counted once and the results announced at once
    (`evaluation.ballot.closed.v1`, and one `evaluation.outcome.decided.v1` per evaluated item).
    A draft is refused (`ballot.not_open`), a closed ballot too (`ballot.closed`)."""
    return ResultsPublic.of(await ballots.close(staff.congress_id, ballot_id, by=staff.subject, now=now()))


@router.get("/ballots/{ballot_id}/turnout", summary="Who has voted (never what)")
async def read_turnout(ballot_id: BallotId, staff: StaffUser, ballots: Ballots, now: Now) -> TurnoutPublic:
    """Staff follow the turnout: how many voted, who did and who did not. Never what anyone voted, and no
    running tally; for a secret ballot the turnout is kept apart from the votes and cannot be linked to them."""
    ballot = await ballots.settle(await ballots.get(staff.congress_id, ballot_id), now())
    entries = await ballots.voted(ballot.id) if ballot.state != "draft" else []
    by_id = {e["voter_id"]: e for e in entries}
    voted = [v for v in ballot.voters if v.id in by_id]
    return TurnoutPublic(
        ballot_id=ballot.id,
        state=ballot.state,
        secret=ballot.secret,
        voters=len(ballot.voters),
        voted=len(voted),
        who_voted=[TurnoutEntry(id=v.id, name=v.name, items=list(by_id[v.id].get("items", []))) for v in voted],
        not_voted=[VoterPublic(id=v.id, name=v.name) for v in ballot.voters if v.id not in by_id],
    )


# --- voters ------------------------------------------------------------------------------------------------


@router.post("/ballots/{ballot_id}/votes", status_code=201, summary="Vote")
async def cast_vote(ballot_id: BallotId, body: VoteIn, voter: VoterUser, ballots: Ballots, now: Now) -> VoteReceipt:
    """A deputy or evaluator on the ballot's list votes while it is open and before its `closes_at`:
    `picks` for a key selection, `marks` for a democratic evaluation. Once per ballot (per item): a second
    vote is refused (`ballot.already_voted`) however close together the two arrive."""
    marks = (
        [Mark(item_id=m.item_id, choice=m.choice, continue_handling=m.continue_handling) for m in body.marks]
        if body.marks is not None
        else None
    )
    ballot, vote = await ballots.vote(
        voter.congress_id, ballot_id, voter.subject, now=now(), picks=body.picks, marks=marks
    )
    return VoteReceipt(ballot_id=ballot.id, items=list(vote.item_ids))


# --- results -----------------------------------------------------------------------------------------------


def _may_read_results(who: Principal, ballot: Ballot) -> None:
    if who.has(Role.STAFF, Role.LEADER):
        return
    if who.has(Role.EVALUATOR, Role.DEPUTY) and ballot.voter(who.subject) is not None:
        return
    raise Forbidden("ballot.not_a_voter", "The results are for staff, leaders and the ballot's voters.")


@router.get("/ballots/{ballot_id}/results", summary="A ballot's results (after the close)")
async def read_results(ballot_id: BallotId, who: CurrentPrincipal, ballots: Ballots, now: Now) -> ResultsPublic:
    """Staff, leaders and the ballot's voters read the results from the moment the ballot closes (a ballot
    whose `closes_at` passed is closed first). Before: `ballot.not_closed`."""
    ballot = await ballots.get(who.congress_id, ballot_id)
    _may_read_results(who, ballot)
    ballot = await ballots.settle(ballot, now())
    if not ballot.closed:
        raise Conflict("ballot.not_closed", "The results are announced when the ballot closes.")
    return ResultsPublic.of(ballot)


@router.get("/ballots/{ballot_id}/votes", summary="The named votes of a ballot that is not secret")
async def read_named_votes(ballot_id: BallotId, staff: StaffUser, ballots: Ballots, now: Now) -> NamedVotes:
    """Staff read who voted what on a closed ballot that is not secret (记名投票); a secret ballot's votes are
    never linked to voters (`ballot.secret`), and nothing is shown before the close (`ballot.not_closed`)."""
    ballot = await ballots.settle(await ballots.get(staff.congress_id, ballot_id), now())
    docs = await ballots.named_votes(ballot)
    return NamedVotes(ballot_id=ballot.id, data=[NamedVote.model_validate(d) for d in docs])


@router.post("/ballots/{ballot_id}/final-list", summary="Record the chair meeting's final list")
async def record_final(
    ballot_id: BallotId, body: FinalListIn, staff: StaffUser, ballots: Ballots, now: Now, response: Response
) -> ResultsPublic:
    """Staff record the key suggestions the chair meeting fixed from a closed key selection: any of its items,
    in the meeting's order (`evaluation.key_suggestions.selected.v1`; supervision plans their key supervision).
    201 when recorded; the same list again answers 200; another list is refused (`ballot.final_list_recorded`)."""
    at = now()
    before = await ballots.get(staff.congress_id, ballot_id)
    after = await ballots.change(
        staff.congress_id,
        ballot_id,
        lambda b: record_final_list(b, case_ids=body.case_ids, note=body.note, by=staff.subject, now=at),
    )
    response.status_code = 201 if before.final_list is None and after.final_list is not None else 200
    return ResultsPublic.of(after)


@router.get("/outcomes", summary="Democratic-evaluation outcomes per item and year")
async def list_outcomes(
    who: StaffOrLeader,
    ballots: Ballots,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    item_id: Annotated[str | None, Query(max_length=64)] = None,
    outcome: Annotated[OutcomeKind | None, Query()] = None,
    skip: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OutcomesPublic:
    """Staff and leaders list the recorded outcomes (a unit's or key suggestion's, per year), newest year
    first: the satisfaction rate, the share asking to continue, and what follows."""
    docs, total = await ballots.outcome_page(
        who.congress_id, year=year, item_id=item_id, outcome=outcome, skip=skip, limit=limit
    )
    return OutcomesPublic(data=[OutcomePublic.of(d) for d in docs], count=total)


@router.get(
    "/public/congresses/{congress_id}/ballots/{ballot_id}/results",
    summary="A ballot's published results",
    tags=["public"],
)
async def public_results(
    congress_id: Annotated[str, Path(max_length=64)],
    ballot_id: BallotId,
    ballots: Ballots,
    now: Now,
    response: Response,
) -> ResultsPublic:
    """Anyone reads the results of a closed ballot whose congress publishes them (`public_results`); any
    other ballot, and any ballot before its close, is `ballot.not_found`. No login needed."""
    ballot = await ballots.find(congress_id, ballot_id)
    if ballot is None or not ballot.public_results:
        raise NotFound("ballot.not_found", "No such ballot.")
    ballot = await ballots.settle(ballot, now())
    if not ballot.closed:
        raise NotFound("ballot.not_found", "No such ballot.")
    response.headers["Cache-Control"] = "public, max-age=60"
    return ResultsPublic.of(ballot)


def _new_id() -> str:
    return uuid.uuid4().hex
