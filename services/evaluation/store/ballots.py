"""Ballots in MongoDB: `ballots` (with the outbox), `ballot_votes`, `ballot_turnout`, `outcomes`.

- `ballots`: one document per ballot (`_id` a random hex id), every query scoped by `congress_id`. A change is
  one conditional single-document update on `revision` carrying its events. While the ballot is open or
  closing it holds `salt`, 32 random bytes never returned by any read and removed (`$unset`) by the update
  that closes the ballot. `next_due_at` is the moment the close sweep has work on it: `closes_at` while open;
  a repair moment (`REPAIR_SECONDS` later) while closing, or while the outcomes of a closed democratic
  evaluation are still to be copied to `outcomes` — both normally finish in the same request.
- `ballot_votes`: what was voted, one document per voter and ballot, `_id` = `<ballot id>:<HMAC-SHA256(salt,
  voter id)>`: the unique `_id` makes a double vote fail on insert however the requests interleave. It holds
  the picks (key selection) or the marks (democratic evaluation; later items are `$push`ed under a condition
  that none of them is there yet), `sealed`, and — only when the ballot is not secret — `voter_id`. No time.
- `ballot_turnout`: who voted, one document per voter and ballot (`_id` = `<ballot id>:<voter id>`): `state`
  `pending` (written before the vote) or `voted` (after it), and for a democratic evaluation the `items` voted
  on. Never what was voted.
- `outcomes`: one document per democratic evaluation's item (`_id` = `<ballot id>:<item id>`), listed per item
  and year; the 60% rules read last year's from here.

The close: (1) the ballot goes `open` → `closing` (conditional; votes are refused from then on); (2) every
vote still unsealed is sealed (`update_many`); (3) the turnout is reconciled with the sealed votes through
the salt (a pending or voted entry without a sealed vote is removed, one with a sealed vote is `voted`);
(4) the sealed votes are counted and the ballot goes `closing` → `closed` with the tally and its events,
and the salt is unset in the same update; (5) a democratic evaluation's outcomes are copied to `outcomes`.
A crash anywhere is finished by the sweep (or by the next close request): every step is idempotent.

A vote: the ballot is read (open, voter on the list, `closes_at` not reached); the turnout is written as
pending; the vote is inserted (or its marks pushed); the turnout is completed; then the ballot's state is
read again — if a close began meanwhile, a vote not sealed yet is withdrawn (`ballot.closed`) and the
voter's turnout reconciled as in step (3), so a vote is counted exactly when it was sealed, and the voter is
told so. A retry after a crash hits the unique `_id`, completes the turnout and answers
`ballot.already_voted`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Literal

from bson import Binary
from pymongo import ASCENDING, DESCENDING, DeleteMany, UpdateOne

from services.evaluation.ballots import (
    Ballot,
    Decision,
    FinalList,
    Item,
    Mark,
    Rules,
    Vote,
    Voter,
    begin_close,
    check_vote,
    finish_close,
    may_vote,
    open_ballot,
)
from shared.bus import EventFactory, OutboxRelay
from shared.bus.outbox import add_events, with_events
from shared.contracts.envelope import EventData
from shared.contracts.evaluation import EvaluationOutcome, KeySuggestionsSelected, TallyLine
from shared.errors import Conflict, NotFound
from shared.mongo import AsyncDatabase, Doc, DuplicateKeyError

BALLOTS = "ballots"
VOTES = "ballot_votes"
TURNOUT = "ballot_turnout"
OUTCOMES = "outcomes"
SAVE_ATTEMPTS = 5
REPAIR_SECONDS = 30  # a close or an outcome copy left unfinished is taken up again this long after
DUE_BATCH = 50
_HIDDEN = {"outbox": 0, "salt": 0}
log = logging.getLogger("services.evaluation.ballots")

Cast = Literal["cast", "repeated", "sealed"]


def vote_key(ballot_id: str, salt: bytes, voter_id: str) -> str:
    """The `_id` of a voter's vote: nobody without the ballot's salt can tell whose it is."""
    digest = hmac.new(salt, voter_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{ballot_id}:{digest}"


def turnout_key(ballot_id: str, voter_id: str) -> str:
    return f"{ballot_id}:{voter_id}"


class BallotStore:
    """Ballots, their votes, turnout and outcomes."""

    def __init__(self, db: AsyncDatabase[Doc], events: EventFactory, relay: OutboxRelay) -> None:
        self.collection = db[BALLOTS]
        self.votes = db[VOTES]
        self.turnout = db[TURNOUT]
        self.outcomes = db[OUTCOMES]
        self.events = events
        self.relay = relay

    async def ensure_indexes(self) -> None:
        """Create the indexes ballots rely on (the votes' and turnout's uniqueness is their `_id`)."""
        await self.collection.create_index(
            [("congress_id", 1), ("year", 1), ("kind", 1), ("created_at", 1)], name="congress_year_kind"
        )
        await self.collection.create_index([("voters.id", 1), ("congress_id", 1), ("state", 1)], name="voter_state")
        await self.collection.create_index([("next_due_at", ASCENDING)], sparse=True, name="next_due_at")
        await self.votes.create_index([("ballot_id", 1), ("sealed", 1)], name="ballot_sealed")
        await self.turnout.create_index([("ballot_id", 1), ("state", 1)], name="ballot_state")
        await self.outcomes.create_index([("congress_id", 1), ("item_id", 1), ("year", 1)], name="congress_item_year")
        await self.outcomes.create_index([("congress_id", 1), ("year", 1), ("item_id", 1)], name="congress_year_item")

    # --- writing the ballot ------------------------------------------------------------------------------

    def _entries(self, ballot: Ballot) -> list[Doc]:
        return [
            self.events.entry(e, subject=_subject(ballot, e), congress_id=ballot.congress_id) for e in ballot.events
        ]

    async def add(self, ballot: Ballot) -> Ballot:
        """Insert a new (draft) ballot."""
        await self.collection.insert_one(with_events(to_doc(ballot), self._entries(ballot)))
        return replace(ballot, events=())

    async def _save(self, before: Ballot, after: Ballot, *, also: Doc | None = None, unset: Doc | None = None) -> bool:
        fields = to_doc(after)
        del fields["_id"]
        fields.update(also or {})
        update: Doc = {"$set": fields}
        if unset:
            update["$unset"] = unset
        query: Doc = {"_id": before.id, "congress_id": before.congress_id, "revision": before.revision}
        entries = self._entries(after)
        result = await self.collection.update_one(query, add_events(update, entries))
        if result.matched_count == 0:
            return False
        if entries:
            self.relay.wake()
        return True

    async def change(self, congress_id: str, ballot_id: str, rule: Callable[[Ballot], Ballot]) -> Ballot:
        """Load, apply a rule, save; again from a fresh load when someone changed the ballot meanwhile."""
        for _ in range(SAVE_ATTEMPTS):
            before = await self.get(congress_id, ballot_id)
            after = rule(before)
            if after.revision == before.revision and not after.events:
                return after
            if await self._save(before, after):
                return replace(after, events=())
        raise Conflict("ballot.changed", "The ballot kept changing; try again.")

    async def open(self, congress_id: str, ballot_id: str, *, by: str, now: datetime) -> Ballot:
        """Open a draft: its salt is drawn now, and the sweep will close it at `closes_at`."""
        for _ in range(SAVE_ATTEMPTS):
            before = await self.get(congress_id, ballot_id)
            after = open_ballot(before, by=by, now=now)
            also: Doc = {"salt": Binary(secrets.token_bytes(32))}
            if after.closes_at is not None:
                also["next_due_at"] = after.closes_at
            if await self._save(before, after, also=also):
                return replace(after, events=())
        raise Conflict("ballot.changed", "The ballot kept changing; try again.")

    # --- voting ----------------------------------------------------------------------------------------------

    async def vote(
        self,
        congress_id: str,
        ballot_id: str,
        subject: str,
        *,
        now: datetime,
        picks: list[str] | None = None,
        marks: list[Mark] | None = None,
    ) -> tuple[Ballot, Vote]:
        """Record a voter's vote once (see the module's description); the ballot and the vote as recorded."""
        doc = await self.collection.find_one({"_id": ballot_id, "congress_id": congress_id}, {"outbox": 0})
        if doc is None:
            raise NotFound("ballot.not_found", "No such ballot.")
        ballot = from_doc(doc)
        voter = may_vote(ballot, subject, now)
        vote = check_vote(ballot, picks=picks, marks=marks)
        salt = doc.get("salt")
        if salt is None:  # an open ballot always has one; only a close in progress removes it
            raise Conflict("ballot.closed", "The ballot is closed.")
        salt = bytes(salt)
        key = vote_key(ballot.id, salt, voter.id)
        tkey = turnout_key(ballot.id, voter.id)
        items = list(vote.item_ids)

        seen = await self.turnout.find_one({"_id": tkey}, {"state": 1, "items": 1})
        if seen is not None and seen.get("state") == "voted":
            repeated = [i for i in items if i in seen.get("items", [])]
            if ballot.kind == "key_selection" or repeated:
                raise _already_voted(repeated)

        await self._pending(ballot, voter, items)
        outcome, stored = await self._cast(ballot, key, vote, voter)
        if outcome == "sealed":
            await self._reconcile_one(ballot, salt, voter.id)
            raise Conflict("ballot.closed", "The ballot is closed.")
        if outcome == "repeated":
            await self._complete(tkey, stored, drop=items)
            if await self._state(ballot.id) != "open":
                await self._reconcile_one(ballot, salt, voter.id)
            raise _already_voted([i for i in items if i in stored])
        await self._complete(tkey, items, drop=items)
        if await self._state(ballot.id) != "open":  # a close began meanwhile: counted only if sealed already
            withdrawn = await self._withdraw(ballot, key, vote)
            await self._reconcile_one(ballot, salt, voter.id)
            if withdrawn:
                raise Conflict("ballot.closed", "The ballot closed before your vote was recorded.")
        return ballot, vote

    async def _pending(self, ballot: Ballot, voter: Voter, items: list[str]) -> None:
        """Who is voting, before what: the voter's turnout entry, pending unless it says voted already."""
        first: Doc = {
            "ballot_id": ballot.id,
            "congress_id": ballot.congress_id,
            "voter_id": voter.id,
            "voter_name": voter.name,
            "state": "pending",
            "items": [],
        }
        update: Doc = {"$setOnInsert": first}
        if items:
            update["$addToSet"] = {"pending": {"$each": items}}
        else:
            first["pending"] = []
        query: Doc = {"_id": turnout_key(ballot.id, voter.id), "final": {"$ne": True}}
        try:
            await self.turnout.update_one(query, update, upsert=True)
        except DuplicateKeyError:  # two first requests at once (the other one inserted it), or a final entry
            await self.turnout.update_one(query, update)

    async def _cast(self, ballot: Ballot, key: str, vote: Vote, voter: Voter) -> tuple[Cast, list[str]]:
        """Write the vote: `cast`, or `repeated` (with the items already voted on), or `sealed` (closing)."""
        named: Doc = {} if ballot.secret else {"voter_id": voter.id}
        if ballot.kind == "key_selection":
            doc = {"_id": key, "ballot_id": ballot.id, "picks": list(vote.picks), "sealed": False, **named}
            try:
                await self.votes.insert_one(doc)
            except DuplicateKeyError:
                return "repeated", []
            return "cast", []
        items = list(vote.item_ids)
        marks = [_mark_doc(m) for m in vote.marks]
        guarded: Doc = {"_id": key, "sealed": False, "marks.item_id": {"$nin": items}}
        push: Doc = {"$push": {"marks": {"$each": marks}}}
        if (await self.votes.update_one(guarded, push)).matched_count == 1:
            return "cast", []
        try:
            await self.votes.insert_one({"_id": key, "ballot_id": ballot.id, "marks": marks, "sealed": False, **named})
            return "cast", []
        except DuplicateKeyError:
            if (await self.votes.update_one(guarded, push)).matched_count == 1:
                return "cast", []
        stored = await self.votes.find_one({"_id": key}, {"marks.item_id": 1, "sealed": 1}) or {}
        stored_items = [m["item_id"] for m in stored.get("marks", [])]
        if any(i in stored_items for i in items):
            return "repeated", stored_items
        return "sealed", stored_items

    async def _complete(self, tkey: str, items: list[str], *, drop: list[str]) -> None:
        update: Doc = {"$set": {"state": "voted"}}
        if items:
            update["$addToSet"] = {"items": {"$each": items}}
        if drop:
            update["$pull"] = {"pending": {"$in": drop}}
        await self.turnout.update_one({"_id": tkey, "final": {"$ne": True}}, update)

    async def _withdraw(self, ballot: Ballot, key: str, vote: Vote) -> bool:
        """Take back a vote a close overtook, unless it was sealed (then it counts); whether it was taken back."""
        if ballot.kind == "key_selection":
            return (await self.votes.delete_one({"_id": key, "sealed": False})).deleted_count == 1
        items = list(vote.item_ids)
        # one atomic write either way: a seal must never fall between taking the marks out and removing the
        # document (it would seal an empty vote)
        only_these: Doc = {
            "_id": key,
            "sealed": False,
            "marks": {"$size": len(items)},
            "marks.item_id": {"$all": items},
        }
        if (await self.votes.delete_one(only_these)).deleted_count == 1:
            return True
        pulled = await self.votes.update_one(
            {"_id": key, "sealed": False, "marks.item_id": {"$all": items}},
            {"$pull": {"marks": {"item_id": {"$in": items}}}},
        )
        return pulled.modified_count == 1

    async def _state(self, ballot_id: str) -> str:
        doc = await self.collection.find_one({"_id": ballot_id}, {"state": 1})
        return str((doc or {}).get("state", ""))

    async def _reconcile_one(self, ballot: Ballot, salt: bytes, voter_id: str) -> None:
        """A voter's turnout after a close began: voted on what their sealed vote holds, else nothing.

        Never over the close's own reconciliation (`final`), which is done from the sealed votes and the
        voter list and is what counts; this only tidies what the voter's request wrote around it.
        """
        vote = await self.votes.find_one({"_id": vote_key(ballot.id, salt, voter_id), "sealed": True})
        query: Doc = {"_id": turnout_key(ballot.id, voter_id), "final": {"$ne": True}}
        if vote is None:
            await self.turnout.delete_one(query)
            return
        items = [m["item_id"] for m in vote.get("marks", [])]
        await self.turnout.update_one(query, {"$set": {"state": "voted", "items": items, "pending": []}})

    # --- closing ---------------------------------------------------------------------------------------------

    async def close(self, congress_id: str, ballot_id: str, *, by: str, now: datetime) -> Ballot:
        """Staff close an open ballot (or finish a close left unfinished): counted once and announced."""
        for _ in range(SAVE_ATTEMPTS):
            before = await self.get(congress_id, ballot_id)
            if before.state == "closing":
                return await self._finish(ballot_id, now) or await self.get(congress_id, ballot_id)
            after = begin_close(before, by=by, now=now)
            if await self._save(before, after, also={"next_due_at": now + timedelta(seconds=REPAIR_SECONDS)}):
                return await self._finish(ballot_id, now) or await self.get(congress_id, ballot_id)
        raise Conflict("ballot.changed", "The ballot kept changing; try again.")

    async def settle(self, ballot: Ballot, now: datetime) -> Ballot:
        """The ballot as it stands now: one whose `closes_at` passed is closed first (as the sweep would)."""
        if ballot.due(now) or ballot.state == "closing":
            await self._close_by_time(ballot.id, now)
            return await self.get(ballot.congress_id, ballot.id)
        return ballot

    async def _close_by_time(self, ballot_id: str, now: datetime) -> bool:
        doc = await self.collection.find_one({"_id": ballot_id}, _HIDDEN)
        if doc is None:
            return False
        ballot = from_doc(doc)
        if ballot.due(now):
            assert ballot.closes_at is not None
            after = replace(begin_close(ballot, by="", now=now), closing_at=ballot.closes_at)
            if not await self._save(ballot, after, also={"next_due_at": now + timedelta(seconds=REPAIR_SECONDS)}):
                return False
        elif ballot.state != "closing":
            return False
        return await self._finish(ballot_id, now) is not None

    async def _finish(self, ballot_id: str, now: datetime) -> Ballot | None:
        """Seal, reconcile the turnout, count, close (the salt goes), copy the outcomes; None if not closing."""
        doc = await self.collection.find_one({"_id": ballot_id}, {"outbox": 0})
        if doc is None or doc.get("state") != "closing":
            return None
        before = from_doc(doc)
        salt = bytes(doc.get("salt") or b"")
        await self.votes.update_many({"ballot_id": ballot_id, "sealed": False}, {"$set": {"sealed": True}})
        sealed = await self.votes.find({"ballot_id": ballot_id, "sealed": True}).to_list()
        voted = await self._reconcile(before, salt, {d["_id"]: d for d in sealed})
        if voted != len(sealed):
            log.warning("ballot %s: %d sealed votes, %d voters in the turnout", ballot_id, len(sealed), voted)
        below = await self._below_last_year(before) if before.kind == "democratic_evaluation" else {}
        after = finish_close(before, [_vote(d) for d in sealed], turnout=len(sealed), below_last_year=below, now=now)
        also: Doc = {"outcomes_pending": bool(after.decisions)}
        unset: Doc = {"salt": ""}
        if after.decisions:
            also["next_due_at"] = now + timedelta(seconds=REPAIR_SECONDS)
        else:
            unset["next_due_at"] = ""
        if not await self._save(before, after, also=also, unset=unset):
            return None  # closed by someone else meanwhile
        closed = replace(after, events=())
        if closed.decisions:
            await self._record_outcomes(closed)
        return closed

    async def _reconcile(self, ballot: Ballot, salt: bytes, sealed: dict[str, Doc]) -> int:
        """The turnout as the close counts it, from the voter list and the sealed votes through the salt: a
        voter with a sealed vote is `voted` (on its items), `final`; every other entry goes. How many voted."""
        ops: list[Any] = []
        voted: list[str] = []
        for voter in ballot.voters:
            vote = sealed.get(vote_key(ballot.id, salt, voter.id)) if salt else None
            if vote is None:
                continue
            voted.append(voter.id)
            entry = {
                "ballot_id": ballot.id,
                "congress_id": ballot.congress_id,
                "voter_id": voter.id,
                "voter_name": voter.name,
                "state": "voted",
                "items": [m["item_id"] for m in vote.get("marks", [])],
                "pending": [],
                "final": True,
            }
            ops.append(UpdateOne({"_id": turnout_key(ballot.id, voter.id)}, {"$set": entry}, upsert=True))
        ops.append(DeleteMany({"ballot_id": ballot.id, "voter_id": {"$nin": voted}}))
        await self.turnout.bulk_write(ops, ordered=True)
        return len(voted)

    async def _below_last_year(self, ballot: Ballot) -> dict[str, bool]:
        """Each item's last recorded outcome of the year before in the congress: was it below the threshold?"""
        query: Doc = {
            "congress_id": ballot.congress_id,
            "year": ballot.year - 1,
            "item_id": {"$in": [i.id for i in ballot.items]},
        }
        out: dict[str, bool] = {}
        async for d in self.outcomes.find(query, {"item_id": 1, "below": 1}).sort("decided_at", ASCENDING):
            out[d["item_id"]] = bool(d.get("below"))  # the latest one wins
        return out

    async def _record_outcomes(self, ballot: Ballot) -> None:
        """Copy a closed democratic evaluation's outcomes to `outcomes` (idempotent), then mark them copied."""
        for d in ballot.decisions:
            doc = _outcome_doc(ballot, d)
            await self.outcomes.replace_one({"_id": doc["_id"]}, doc, upsert=True)
        await self.collection.update_one(
            {"_id": ballot.id, "state": "closed"}, {"$unset": {"outcomes_pending": "", "next_due_at": ""}}
        )

    async def close_due(self, now: datetime) -> int:
        """The sweep: close the ballots whose `closes_at` passed, finish closes and outcome copies left unfinished."""
        done = 0
        cursor = self.collection.find({"next_due_at": {"$lte": now}}, _HIDDEN).sort("next_due_at", ASCENDING)
        for doc in await cursor.limit(DUE_BATCH).to_list():
            ballot = from_doc(doc)
            try:
                if ballot.state in ("open", "closing"):
                    done += 1 if await self._close_by_time(ballot.id, now) else 0
                elif ballot.state == "closed" and doc.get("outcomes_pending"):
                    await self._record_outcomes(ballot)
                    done += 1
                else:  # nothing due after all (a stale moment): forget it
                    await self.collection.update_one(
                        {"_id": ballot.id, "revision": ballot.revision}, {"$unset": {"next_due_at": ""}}
                    )
            except Exception:  # one ballot's failure must not hold up the others, nor make the sweep spin
                log.exception("ballot %s: the close sweep failed; trying again in %ss", ballot.id, REPAIR_SECONDS)
                await self.collection.update_one(
                    {"_id": ballot.id, "next_due_at": doc.get("next_due_at")},
                    {"$set": {"next_due_at": now + timedelta(seconds=REPAIR_SECONDS)}},
                )
        return done

    async def next_due(self) -> datetime | None:
        """The next stored moment the sweep has work."""
        doc = await self.collection.find_one(
            {"next_due_at": {"$exists": True, "$ne": None}}, {"next_due_at": 1}, sort=[("next_due_at", ASCENDING)]
        )
        return doc["next_due_at"] if doc else None

    # --- reading ---------------------------------------------------------------------------------------------

    async def find(self, congress_id: str, ballot_id: str) -> Ballot | None:
        doc = await self.collection.find_one({"_id": ballot_id, "congress_id": congress_id}, _HIDDEN)
        return from_doc(doc) if doc else None

    async def get(self, congress_id: str, ballot_id: str) -> Ballot:
        ballot = await self.find(congress_id, ballot_id)
        if ballot is None:
            raise NotFound("ballot.not_found", "No such ballot.")
        return ballot

    async def page(
        self,
        congress_id: str,
        *,
        year: int | None = None,
        kind: str | None = None,
        state: str | None = None,
        skip: int = 0,
        limit: int = 50,
    ) -> tuple[list[Ballot], int]:
        """A page of the congress's ballots, newest first, and the count."""
        query: Doc = {"congress_id": congress_id}
        for name, value in (("year", year), ("kind", kind), ("state", state)):
            if value is not None:
                query[name] = value
        total = await self.collection.count_documents(query)
        cursor = (
            self.collection.find(query, _HIDDEN)
            .sort([("created_at", DESCENDING), ("_id", ASCENDING)])
            .skip(skip)
            .limit(limit)
        )
        return [from_doc(d) for d in await cursor.to_list()], total

    async def mine(self, congress_id: str, voter_id: str, now: datetime) -> list[tuple[Ballot, Doc | None]]:
        """The open ballots a voter is on and may still vote in, each with the voter's own turnout entry."""
        query: Doc = {
            "congress_id": congress_id,
            "voters.id": voter_id,
            "state": "open",
            "$or": [{"closes_at": None}, {"closes_at": {"$gt": now}}],
        }
        ballots = [from_doc(d) for d in await self.collection.find(query, _HIDDEN).sort("closes_at", 1).to_list()]
        keys = [turnout_key(b.id, voter_id) for b in ballots]
        entries = {d["ballot_id"]: d async for d in self.turnout.find({"_id": {"$in": keys}})} if keys else {}
        return [(b, entries.get(b.id)) for b in ballots]

    async def voted(self, ballot_id: str) -> list[Doc]:
        """Who voted (turnout entries in the `voted` state): voter id, name and, for a democratic evaluation,
        the items they voted on — never what they voted."""
        cursor = self.turnout.find({"ballot_id": ballot_id, "state": "voted"}, {"voter_id": 1, "items": 1})
        return list(await cursor.to_list())

    async def named_votes(self, ballot: Ballot) -> list[Doc]:
        """The votes of a closed ballot that is not secret, each with its voter."""
        if ballot.secret:
            raise Conflict("ballot.secret", "The ballot is secret: its votes are not linked to voters.")
        if not ballot.closed:
            raise Conflict("ballot.not_closed", "The votes are shown after the close.")
        cursor = self.votes.find({"ballot_id": ballot.id, "sealed": True}, {"_id": 0, "sealed": 0, "ballot_id": 0})
        return list(await cursor.sort("voter_id", ASCENDING).to_list())

    async def outcome_page(
        self,
        congress_id: str,
        *,
        year: int | None = None,
        item_id: str | None = None,
        outcome: str | None = None,
        skip: int = 0,
        limit: int = 50,
    ) -> tuple[list[Doc], int]:
        """Recorded democratic-evaluation outcomes, by year (newest first) and item, and the count."""
        query: Doc = {"congress_id": congress_id}
        for name, value in (("year", year), ("item_id", item_id), ("outcome", outcome)):
            if value is not None:
                query[name] = value
        total = await self.outcomes.count_documents(query)
        cursor = (
            self.outcomes.find(query)
            .sort([("year", DESCENDING), ("item_id", ASCENDING), ("decided_at", ASCENDING)])
            .skip(skip)
            .limit(limit)
        )
        return list(await cursor.to_list()), total


def _subject(ballot: Ballot, event: EventData) -> str:
    """An event's subject: the year's key suggestions, the item an outcome is about, or the ballot."""
    if isinstance(event, KeySuggestionsSelected):
        return f"key-suggestions:{ballot.year}"
    if isinstance(event, EvaluationOutcome):
        return event.item_id
    return f"ballot:{ballot.id}"


def _already_voted(items: list[str]) -> Conflict:
    if items:
        return Conflict("ballot.already_voted", "You have voted on these items already.", item_ids=items[:10])
    return Conflict("ballot.already_voted", "You have voted on this ballot already.")


# --- documents ---------------------------------------------------------------------------------------------


def _mark_doc(m: Mark) -> Doc:
    return {"item_id": m.item_id, "choice": m.choice, "continue_handling": m.continue_handling}


def _vote(doc: Doc) -> Vote:
    return Vote(
        picks=tuple(doc.get("picks", ())),
        marks=tuple(
            Mark(item_id=m["item_id"], choice=m["choice"], continue_handling=bool(m.get("continue_handling")))
            for m in doc.get("marks", ())
        ),
    )


def _decision_doc(d: Decision) -> Doc:
    return {
        "item_id": d.item_id,
        "label": d.label,
        "valid_votes": d.valid_votes,
        "satisfaction_rate": d.satisfaction_rate,
        "continue_share": d.continue_share,
        "below": d.below,
        "outcome": d.outcome,
    }


def _outcome_doc(ballot: Ballot, d: Decision) -> Doc:
    return {
        "_id": f"{ballot.id}:{d.item_id}",
        "congress_id": ballot.congress_id,
        "ballot_id": ballot.id,
        "ballot_title": ballot.title,
        "year": ballot.year,
        **_decision_doc(d),
        "decided_at": ballot.closed_at,
    }


def to_doc(b: Ballot) -> Doc:
    """The stored form of a ballot (without salt, outbox and sweep fields)."""
    return {
        "_id": b.id,
        "congress_id": b.congress_id,
        "kind": b.kind,
        "title": b.title,
        "year": b.year,
        "items": [{"id": i.id, "label": i.label} for i in b.items],
        "voters": [{"id": v.id, "name": v.name} for v in b.voters],
        "max_picks": b.max_picks,
        "secret": b.secret,
        "public_results": b.public_results,
        "closes_at": b.closes_at,
        "rules": (
            {
                "pass_threshold": b.rules.pass_threshold,
                "continue_threshold": b.rules.continue_threshold,
                "satisfaction_formula": b.rules.satisfaction_formula,
            }
            if b.rules
            else None
        ),
        "created_at": b.created_at,
        "created_by": b.created_by,
        "state": b.state,
        "opened_at": b.opened_at,
        "opened_by": b.opened_by,
        "closing_at": b.closing_at,
        "closed_at": b.closed_at,
        "closed_by": b.closed_by,
        "turnout": b.turnout,
        "tally": [line.model_dump(mode="python") for line in b.tally],
        "decisions": [_decision_doc(d) for d in b.decisions],
        "final_list": (
            {
                "case_ids": list(b.final_list.case_ids),
                "note": b.final_list.note,
                "recorded_at": b.final_list.recorded_at,
                "recorded_by": b.final_list.recorded_by,
            }
            if b.final_list
            else None
        ),
        "revision": b.revision,
    }


def from_doc(doc: Doc) -> Ballot:
    """A ballot from its stored form."""
    rules = doc.get("rules")
    final = doc.get("final_list")
    return Ballot(
        id=doc["_id"],
        congress_id=doc["congress_id"],
        kind=doc["kind"],
        title=doc.get("title", ""),
        year=int(doc["year"]),
        items=tuple(Item(id=i["id"], label=i.get("label", "")) for i in doc.get("items", ())),
        voters=tuple(Voter(id=v["id"], name=v.get("name", "")) for v in doc.get("voters", ())),
        max_picks=doc.get("max_picks"),
        secret=bool(doc.get("secret", True)),
        public_results=bool(doc.get("public_results", False)),
        closes_at=doc.get("closes_at"),
        rules=Rules(**rules) if rules else None,
        created_at=doc["created_at"],
        created_by=doc.get("created_by", ""),
        state=doc.get("state", "draft"),
        opened_at=doc.get("opened_at"),
        opened_by=doc.get("opened_by", ""),
        closing_at=doc.get("closing_at"),
        closed_at=doc.get("closed_at"),
        closed_by=doc.get("closed_by", ""),
        turnout=int(doc.get("turnout", 0)),
        tally=tuple(TallyLine.model_validate(t) for t in doc.get("tally", ())),
        decisions=tuple(
            Decision(
                item_id=d["item_id"],
                label=d.get("label", ""),
                valid_votes=int(d.get("valid_votes", 0)),
                satisfaction_rate=float(d["satisfaction_rate"]),
                continue_share=float(d["continue_share"]),
                below=bool(d.get("below")),
                outcome=d["outcome"],
            )
            for d in doc.get("decisions", ())
        ),
        final_list=(
            FinalList(
                case_ids=tuple(final["case_ids"]),
                note=final.get("note", ""),
                recorded_at=final["recorded_at"],
                recorded_by=final.get("recorded_by", ""),
            )
            if final
            else None
        ),
        revision=int(doc.get("revision", 1)),
    )


__all__ = [
    "BALLOTS",
    "OUTCOMES",
    "REPAIR_SECONDS",
    "TURNOUT",
    "VOTES",
    "BallotStore",
    "from_doc",
    "to_doc",
    "turnout_key",
    "vote_key",
]
