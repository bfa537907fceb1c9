"""Intake's operations that take more than one step: registering (one or many), merging, passing up,
receiving a transfer, importing. Each step is a single-document write; a crash between steps is
finished on the next attempt or at start-up, never left half-done."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from opentelemetry import trace

from services.intake import domain
from services.intake.directory import Congress, Deputy
from services.intake.domain import Origin, Suggestion, SuggestionKind
from services.intake.spreadsheets import RowError, SuggestionRow
from services.intake.store import DirectoryStore, SuggestionStore
from shared.contracts.intake import DeputyRef, SuggestionPassedUp, TransferReceived
from shared.errors import Conflict, DomainError, Invalid, NotFound
from shared.tracing import case_scope, context_from

REGISTER_ATTEMPTS = 200
# paper can record any origin a deputy's suggestion has, but not a transfer: that comes with its link
IMPORT_ORIGINS = {o.value for o in Origin if o is not Origin.LOWER_CONGRESS}
_tracer = trace.get_tracer("services.intake")
TRANSFER_NAMESPACE = uuid.UUID("0b6f4c1e-7a52-4b0e-9a44-5d1c2f7e8a90")


async def staff_get(store: SuggestionStore, congress_id: str, suggestion_id: str) -> Suggestion:
    """A suggestion as staff may know it: a deputy's draft is nobody else's business (not found)."""
    s = await store.get(congress_id, suggestion_id)
    if s.private:
        raise NotFound("suggestion.not_found", "No such suggestion.", suggestion_id=suggestion_id)
    return s


async def register_one(store: SuggestionStore, congress_id: str, suggestion_id: str, by: str) -> Suggestion:
    """Register a suggestion under the next free number of its session: no gaps, no doubles.

    In this process registrations of a session take turns; across processes the unique index on
    (congress, session, sequence) refuses a double and the loser takes the next number.
    """
    s = await staff_get(store, congress_id, suggestion_id)
    async with store.register_lock(s.congress_id, s.session):
        exact = False
        for _ in range(REGISTER_ATTEMPTS):
            s = await store.get(congress_id, suggestion_id)
            sequence = await store.next_sequence(s.congress_id, s.session, exact=exact)
            registered = domain.register(s, sequence=sequence, by=by, now=datetime.now(UTC))
            if await store.save_registration(s, registered):
                return registered
            exact = True  # the counter lagged, or another process took the number: look it up
    raise Conflict("suggestion.register_contended", "Too many registrations at once; try again.")


@dataclass(frozen=True)
class BatchResult:
    """What happened to one suggestion of a batch."""

    suggestion_id: str
    ok: bool
    number: str | None = None
    code: str | None = None
    message: str | None = None


async def register_many(store: SuggestionStore, congress_id: str, ids: list[str], by: str) -> list[BatchResult]:
    """Register many suggestions in the order given (登记造册); each succeeds or says why not."""
    results = []
    for sid in ids:
        # each registration joins its own case's trace, linked to the batch request
        parent = context_from(await store.trace_of(congress_id, sid))
        link = trace.Link(trace.get_current_span().get_span_context())
        with _tracer.start_as_current_span("intake register", context=parent, links=[link]), case_scope(sid):
            try:
                s = await register_one(store, congress_id, sid, by)
                results.append(BatchResult(sid, True, number=s.number))
            except DomainError as exc:
                results.append(BatchResult(sid, False, code=exc.code, message=exc.message))
    return results


async def merge(store: SuggestionStore, congress_id: str, primary_id: str, other_ids: list[str], by: str) -> Suggestion:
    """Merge registered suggestions into a primary one (并案).

    The primary is written first, with the event; then each merged one is marked. If a crash
    comes in between, `finish_merges` (at start-up, and before every merge) completes the marking.
    """
    if len(set(other_ids)) != len(other_ids):
        raise Invalid("merge.repeated", "A suggestion is named twice.")
    await finish_merges(store)
    primary = await staff_get(store, congress_id, primary_id)
    others = await store.get_many(congress_id, other_ids)
    if any(o.private for o in others):
        raise NotFound("suggestion.not_found", "No such suggestion.")
    merged = domain.merge(primary, others, by=by, now=datetime.now(UTC))
    await store.save(primary, merged, extra={"merge_done": False})
    await _mark_merged(store, merged)
    return merged


async def finish_merges(store: SuggestionStore) -> None:
    """Mark the suggestions of merges a crash interrupted."""
    for primary in await store.unfinished_merges():
        await _mark_merged(store, primary)


async def _mark_merged(store: SuggestionStore, primary: Suggestion) -> None:
    for other_id in primary.merged:
        other = await store.find(other_id)
        if other is None or (other.merged_into == primary.id):
            continue
        await store.save(other, domain.absorbed(other, into=primary.id))
    await store.mark_merge_done(primary)


async def pass_up(
    store: SuggestionStore, directory: DirectoryStore, congress_id: str, suggestion_id: str, by: str, note: str
) -> Suggestion:
    """Send a registered suggestion to the parent congress (转报)."""
    congress = await directory.get_congress(congress_id)
    s = await staff_get(store, congress_id, suggestion_id)
    passed = domain.pass_up(s, to_congress_id=congress.parent_id, by=by, note=note, now=datetime.now(UTC))
    await store.save(s, passed)
    return passed


def transfer_id(original_suggestion_id: str, to_congress_id: str) -> str:
    """The id of the parent's case: derived from the original, so a redelivered event finds it."""
    return str(uuid.uuid5(TRANSFER_NAMESPACE, f"{to_congress_id}:{original_suggestion_id}"))


async def receive_transfer(store: SuggestionStore, directory: DirectoryStore, event: SuggestionPassedUp) -> bool:
    """The parent's intake creates its own case for a passed-up suggestion, once.

    Returns False when the parent congress is not served here (another suite takes it).
    """
    parent = await directory.find_congress(event.to_congress_id)
    if parent is None:
        return False
    received = domain.receive_transfer(
        event, session=parent.session, now=datetime.now(UTC), new_id=transfer_id(event.suggestion_id, parent.id)
    )
    await store.add(received)  # a duplicate id means it was received before
    return True


async def record_receipt(store: SuggestionStore, event: TransferReceived) -> None:
    """The lower congress's suggestion learns what it became in the parent congress."""
    s = await store.find(event.original_suggestion_id)
    if s is None or s.passed_up is None or s.passed_up.received_as == event.suggestion_id:
        return
    from dataclasses import replace

    updated = replace(
        s, passed_up=replace(s.passed_up, received_as=event.suggestion_id), revision=s.revision + 1, events=()
    )
    await store.save(s, updated)


@dataclass(frozen=True)
class ImportReport:
    """What an import did, or would do."""

    rows: int
    created: int
    skipped: int
    errors: list[RowError]


def import_ref(data: bytes) -> str:
    """A file's identity: importing the same file twice creates nothing the second time."""
    return hashlib.sha256(data).hexdigest()[:32]


def build_imported(
    rows: list[SuggestionRow],
    *,
    congress: Congress,
    deputies: dict[str, Deputy],
    ref: str,
    now: datetime,
) -> tuple[list[Suggestion], list[RowError]]:
    """Turn checked rows into submitted suggestions (paper signatures count as confirmations).

    Each row goes through the same checks as an online submission; any error is reported and
    nothing is created.
    """
    by_name: dict[str, list[Deputy]] = {}
    for d in deputies.values():
        by_name.setdefault(d.name, []).append(d)

    def resolve(row: int, column: str, who: str) -> Deputy | RowError:
        found = deputies.get(who)
        named = by_name.get(who, [])
        if found is None and len(named) == 1:
            found = named[0]
        if found is not None:
            if not found.active:
                return RowError(row, column, "import.inactive_deputy", f"Deputy {who} is not active.")
            return found
        if len(named) > 1:
            return RowError(row, column, "import.ambiguous_deputy", f"More than one deputy is named {who}; use the id.")
        return RowError(row, column, "import.unknown_deputy", f"No deputy {who} in this congress.")

    built: list[Suggestion] = []
    errors: list[RowError] = []
    for row in rows:
        if row.origin not in IMPORT_ORIGINS:
            errors.append(
                RowError(
                    row.row,
                    "来源",
                    "import.origin_not_allowed",
                    "Items from a lower congress arrive by passing up (转报), linked to the original, not by import.",
                )
            )
            continue
        lead = resolve(row.row, "领衔代表", row.lead_deputy)
        signers = [resolve(row.row, "附议代表", c) for c in row.co_signers]
        row_errors = [x for x in [lead, *signers] if isinstance(x, RowError)]
        if row_errors:
            errors.extend(row_errors)
            continue
        assert isinstance(lead, Deputy)
        refs = [DeputyRef(id=d.id, name=d.name, delegation=d.delegation) for d in signers if isinstance(d, Deputy)]
        draft = domain.create_draft(
            congress_id=congress.id,
            session=congress.session,
            lead_deputy=DeputyRef(id=lead.id, name=lead.name, delegation=lead.delegation),
            title=row.title,
            body=row.body,
            field=row.field,
            kind=SuggestionKind(row.kind),
            origin=Origin(row.origin),
            co_signers=refs,
            confidential=row.confidential,
            now=now,
            suggestion_id=str(uuid.uuid5(TRANSFER_NAMESPACE, f"import:{congress.id}:{ref}:{row.row}")),
        )
        for finding in domain.findings(draft, congress.fields):
            if finding.severity == "error":
                errors.append(RowError(row.row, finding.part, finding.code, finding.message))
        confirmed = [
            domain.CoSigner(
                id=c.id, name=c.name, delegation=c.delegation, status=domain.CoSignStatus.CONFIRMED, responded_at=now
            )
            for c in draft.co_signers
        ]
        from dataclasses import replace

        draft = replace(draft, co_signers=tuple(confirmed))
        try:
            built.append(domain.submit(draft, by=lead.id, now=now, allowed_fields=congress.fields))
        except DomainError:
            continue  # reported above as findings
    return built, errors
