"""Suggestions: drafts, co-signing, submission and review, registration, merging, passing up, reading."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, UploadFile

from services.intake import domain, operations, spreadsheets
from services.intake.api.deps import DeputyUser, Directory, StaffUser, Suggestions
from services.intake.api.schemas import (
    BatchItem,
    BatchRegister,
    BatchRegisterResult,
    CheckReport,
    CoSigningAnswer,
    FindingPublic,
    ImportResult,
    MergeCreate,
    PassUpCreate,
    ReturnCreate,
    SimilarPublic,
    SubmissionPublic,
    SuggestionCreate,
    SuggestionPublic,
    SuggestionsPublic,
    SuggestionUpdate,
    VersionPublic,
)
from services.intake.checks import blocking
from services.intake.domain import Origin, Suggestion, SuggestionStatus
from services.intake.store import DirectoryStore, SuggestionFilter, SuggestionStore
from shared import similarity
from shared.auth import CurrentPrincipal, Principal, Role
from shared.contracts.intake import DeputyRef
from shared.errors import Invalid, NotFound
from shared.tracing import case_scope

router = APIRouter(tags=["suggestions"])
EXPORT_MAX = 20_000
STATUS_LABELS = {
    "submitted": "待审核",
    "returned": "已退回",
    "registered": "已登记",
    "merged": "已并案",
    "passed_up": "已转报",
    "withdrawn": "已撤回",
}
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _me(directory: DirectoryStore, who: Principal) -> DeputyRef:
    deputy = await directory.get_deputy(who.congress_id, who.subject)
    if not deputy.active:
        raise Invalid("deputy.inactive", "Your deputy entry is not active.")
    return DeputyRef(id=deputy.id, name=deputy.name, delegation=deputy.delegation)


async def _refs(directory: DirectoryStore, congress_id: str, ids: list[str]) -> list[DeputyRef]:
    found = await directory.deputies_by_id(congress_id, ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid("co_signer.unknown", "Co-signers must be deputies of this congress.", deputy_ids=missing)
    inactive = [i for i in ids if not found[i].active]
    if inactive:
        raise Invalid("co_signer.inactive", "Some co-signers are not active deputies.", deputy_ids=inactive)
    return [DeputyRef(id=d.id, name=d.name, delegation=d.delegation) for d in (found[i] for i in ids)]


PUBLIC_STATUSES = {"registered", "merged", "passed_up"}
# liaison-station drafts come from a take-up, motions from an import, lower-congress items from a transfer
DEPUTY_ORIGINS = (Origin.DEPUTY, Origin.DEPUTIES_FORUM)


def _similar_for(who: Principal, matches: list[similarity.Match]) -> list[SimilarPublic]:
    """Staff see every similar suggestion; a deputy sees public ones and their own, nothing confidential."""
    if who.has(Role.STAFF):
        return [SimilarPublic.of(m) for m in matches]
    shown = []
    for m in matches:
        public = m.meta.get("status") in PUBLIC_STATUSES and not m.meta.get("confidential")
        if public or who.subject in m.meta.get("readers", []):
            shown.append(SimilarPublic.of(m))
    return shown


async def _readable(store: SuggestionStore, who: Principal, suggestion_id: str) -> Suggestion:
    """A suggestion the caller may read; others' (and, for staff, drafts) are not found."""
    s = await store.get(who.congress_id, suggestion_id)
    if who.has(Role.STAFF) and not s.private:
        return s
    if who.has(Role.DEPUTY) and s.can_read(who.subject):
        return s
    raise NotFound("suggestion.not_found", "No such suggestion.", suggestion_id=suggestion_id)


@router.post("/suggestions", status_code=201, summary="Start a draft")
async def create_draft(
    body: SuggestionCreate, me: DeputyUser, store: Suggestions, directory: Directory
) -> SuggestionPublic:
    """A deputy starts a draft as its lead deputy (领衔代表); co-signers named are asked to confirm."""
    if body.origin not in DEPUTY_ORIGINS:
        raise Invalid(
            "suggestion.origin_not_allowed",
            "A deputy's draft comes from the deputy or a deputies' forum; other origins have their own routes.",
            allowed=[o.value for o in DEPUTY_ORIGINS],
        )
    congress = await directory.get_congress(me.congress_id)
    lead = await _me(directory, me)
    signers = await _refs(directory, me.congress_id, [c.id for c in body.co_signers])
    draft = domain.create_draft(
        congress_id=congress.id,
        session=congress.session,
        lead_deputy=lead,
        title=body.title,
        body=body.body,
        field=body.field,
        kind=body.kind,
        origin=body.origin,
        co_signers=signers,
        confidential=body.confidential,
        now=datetime.now(UTC),
    )
    with case_scope(draft.id):
        await store.add(draft)
    return SuggestionPublic.of(draft)


@router.patch("/suggestions/{suggestion_id}", summary="Edit a draft or a returned suggestion")
async def edit_suggestion(
    suggestion_id: str, body: SuggestionUpdate, me: DeputyUser, store: Suggestions, directory: Directory
) -> SuggestionPublic:
    """The lead deputy edits; changing the text asks co-signers to confirm again."""
    s = await _readable(store, me, suggestion_id)
    signers = (
        None if body.co_signers is None else await _refs(directory, me.congress_id, [c.id for c in body.co_signers])
    )
    edited = domain.edit(
        s,
        by=me.subject,
        title=body.title,
        body=body.body,
        field=body.field,
        kind=body.kind,
        co_signers=signers,
        confidential=body.confidential,
    )
    await store.save(s, edited)
    return SuggestionPublic.of(edited)


@router.get("/co-signing", summary="Suggestions I am asked to co-sign")
async def my_invitations(me: DeputyUser, store: Suggestions) -> SuggestionsPublic:
    """Drafts and returned suggestions waiting for the caller's answer as co-signer."""
    items = await store.invitations(me.congress_id, me.subject)
    return SuggestionsPublic(data=[SuggestionPublic.of(s) for s in items], count=len(items))


@router.post("/suggestions/{suggestion_id}/co-signing", summary="Confirm or decline co-signing")
async def answer_co_signing(
    suggestion_id: str, body: CoSigningAnswer, me: DeputyUser, store: Suggestions
) -> SuggestionPublic:
    """A co-signer confirms (附议) or declines."""
    s = await _readable(store, me, suggestion_id)
    answered = domain.respond_co_signing(s, deputy_id=me.subject, confirm=body.confirm, now=datetime.now(UTC))
    await store.save(s, answered)
    return SuggestionPublic.of(answered)


@router.get("/suggestions/{suggestion_id}/checks", summary="Run the automatic checks")
async def check_suggestion(
    suggestion_id: str, who: CurrentPrincipal, store: Suggestions, directory: Directory
) -> CheckReport:
    """The findings and the most similar suggestions of the same congress and session, as it stands now."""
    s = await _readable(store, who, suggestion_id)
    congress = await directory.get_congress(s.congress_id)
    found = domain.findings(s, congress.fields)
    similar = await store.similar(s)
    return CheckReport(
        passes=not blocking(found),
        findings=[FindingPublic.of(f) for f in found],
        similar=_similar_for(who, similar),
    )


@router.post("/suggestions/{suggestion_id}/submit", summary="Submit (or resubmit) a suggestion")
async def submit_suggestion(
    suggestion_id: str, me: DeputyUser, store: Suggestions, directory: Directory
) -> SubmissionPublic:
    """The lead deputy submits: the checks must pass and every co-signer must have answered."""
    s = await _readable(store, me, suggestion_id)
    congress = await directory.get_congress(s.congress_id)
    submitted = domain.submit(s, by=me.subject, now=datetime.now(UTC), allowed_fields=congress.fields)
    await store.save(s, submitted)
    return SubmissionPublic(
        suggestion=SuggestionPublic.of(submitted),
        findings=[FindingPublic.of(f) for f in domain.findings(submitted, congress.fields)],
        similar=_similar_for(me, await store.similar(submitted)),
    )


@router.post("/suggestions/{suggestion_id}/withdraw", summary="Withdraw before registration")
async def withdraw_suggestion(suggestion_id: str, me: DeputyUser, store: Suggestions) -> SuggestionPublic:
    """The lead deputy withdraws a draft, submitted or returned suggestion."""
    s = await _readable(store, me, suggestion_id)
    withdrawn = domain.withdraw(s, by=me.subject, now=datetime.now(UTC))
    await store.save(s, withdrawn)
    return SuggestionPublic.of(withdrawn)


@router.post("/suggestions/{suggestion_id}/return", summary="Return to the deputy (退回)")
async def return_suggestion(
    suggestion_id: str, body: ReturnCreate, staff: StaffUser, store: Suggestions
) -> SuggestionPublic:
    """Staff return a submitted suggestion with a reason code and a text."""
    s = await _readable(store, staff, suggestion_id)
    returned = domain.return_to_deputy(
        s, by=staff.subject, reason=body.reason_code, text=body.text, now=datetime.now(UTC)
    )
    await store.save(s, returned)
    return SuggestionPublic.of(returned)


@router.post("/suggestions/{suggestion_id}/register", summary="Register a suggestion (登记)")
async def register_suggestion(suggestion_id: str, staff: StaffUser, store: Suggestions) -> SuggestionPublic:
    """Staff register a submitted suggestion: it gets the next number of its congress and session."""
    with case_scope(suggestion_id):
        return SuggestionPublic.of(
            await operations.register_one(store, staff.congress_id, suggestion_id, staff.subject)
        )


@router.post("/suggestions/register", summary="Register many suggestions at once (登记造册)")
async def register_batch(body: BatchRegister, staff: StaffUser, store: Suggestions) -> BatchRegisterResult:
    """Each suggestion is registered in the order given, or says why not."""
    if len(set(body.ids)) != len(body.ids):
        raise Invalid("register.repeated", "A suggestion is named twice.")
    results = await operations.register_many(store, staff.congress_id, body.ids, staff.subject)
    ok = sum(r.ok for r in results)
    return BatchRegisterResult(registered=ok, failed=len(results) - ok, results=[BatchItem(**vars(r)) for r in results])


@router.post("/suggestions/{suggestion_id}/merge", summary="Merge suggestions into this one (并案)")
async def merge_suggestions(
    suggestion_id: str, body: MergeCreate, staff: StaffUser, store: Suggestions
) -> SuggestionPublic:
    """Registered suggestions are handled as this case from now on; every deputy stays an author."""
    with case_scope(suggestion_id):
        merged = await operations.merge(store, staff.congress_id, suggestion_id, body.merge, staff.subject)
    return SuggestionPublic.of(merged)


@router.post("/suggestions/{suggestion_id}/pass-up", summary="Pass up to the parent congress (转报)")
async def pass_up_suggestion(
    suggestion_id: str, body: PassUpCreate, staff: StaffUser, store: Suggestions, directory: Directory
) -> SuggestionPublic:
    """Staff send a registered suggestion to the parent congress, which creates its own case."""
    with case_scope(suggestion_id):
        passed = await operations.pass_up(store, directory, staff.congress_id, suggestion_id, staff.subject, body.note)
    return SuggestionPublic.of(passed)


@router.post("/suggestions/import", status_code=201, summary="Import suggestions from XLSX")
async def import_suggestions(
    file: UploadFile, staff: StaffUser, store: Suggestions, directory: Directory
) -> ImportResult:
    """Motions turned into suggestions and paper submissions: each row goes through the same checks.

    A file with any problem is refused whole, listing every problem; the same file imported twice
    creates nothing the second time.
    """
    congress = await directory.get_congress(staff.congress_id)
    data = await file.read(spreadsheets.MAX_FILE_BYTES + 1)
    rows, errors = await asyncio.to_thread(spreadsheets.read_suggestions, data, file.filename or "")
    ref = operations.import_ref(data)
    built: list[Suggestion] = []
    if not errors:
        deputies = await directory.all_deputies(congress.id)
        built, errors = operations.build_imported(
            rows, congress=congress, deputies=deputies, ref=ref, now=datetime.now(UTC)
        )
    if errors:
        raise Invalid(
            "import.rejected", "The file has problems; nothing was imported.", errors=[vars(e) for e in errors]
        )
    created = await store.add_many(built, import_ref=ref)
    return ImportResult(rows=len(rows), created=created, skipped=len(built) - created)


Status = Annotated[SuggestionStatus | None, Query()]
Text = Annotated[str | None, Query(max_length=64)]
Search = Annotated[str | None, Query(max_length=100, description="words to find in title and body")]
When = Annotated[datetime | None, Query()]


def _filter(
    status: Status = None,
    field: Text = None,
    kind: Text = None,
    deputy: Text = None,
    delegation: Text = None,
    session: Text = None,
    submitted_from: When = None,
    submitted_to: When = None,
    q: Search = None,
) -> SuggestionFilter:
    """The filter of a list or an export, from the query string."""
    return SuggestionFilter(
        status=status.value if status else None,
        field=field,
        kind=kind,
        deputy=deputy,
        delegation=delegation,
        session=session,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
        q=q,
    )


Filter = Annotated[SuggestionFilter, Depends(_filter)]


@router.get("/suggestions", summary="List and search suggestions")
async def list_suggestions(
    who: CurrentPrincipal,
    store: Suggestions,
    f: Filter,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SuggestionsPublic:
    """Staff see the congress's suggestions (not drafts); a deputy sees theirs and those they co-sign."""
    if who.has(Role.STAFF):
        reader = None
    elif who.has(Role.DEPUTY):
        reader = who.subject
    else:
        return SuggestionsPublic(data=[], count=0)
    items, total = await store.page(who.congress_id, f, reader=reader, skip=skip, limit=limit)
    return SuggestionsPublic(data=[SuggestionPublic.of(s) for s in items], count=total)


@router.get(
    "/suggestions/export",
    summary="Export suggestions to XLSX",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}},
)
async def export_suggestions(
    staff: StaffUser,
    store: Suggestions,
    f: Filter,
) -> Response:
    """The filtered list as a spreadsheet, numbered order."""
    items = await store.all_matching(staff.congress_id, f, EXPORT_MAX)
    rows = [
        {
            "number": s.number,
            "title": s.title,
            "field": s.field,
            "kind": "大会期间" if s.kind.value == "session" else "闭会期间",
            "lead": s.lead_deputy.name,
            "co_signers": [c.name for c in s.signers()],
            "delegation": s.lead_deputy.delegation,
            "status": STATUS_LABELS.get(s.status.value, s.status.value),
            "submitted_at": s.submitted_at,
            "registered_at": s.registered_at,
            "confidential": s.confidential,
        }
        for s in items
    ]
    columns = [
        ("number", "编号"),
        ("title", "标题"),
        ("field", "领域"),
        ("kind", "类型"),
        ("lead", "领衔代表"),
        ("co_signers", "附议代表"),
        ("delegation", "代表团"),
        ("status", "状态"),
        ("submitted_at", "提交时间"),
        ("registered_at", "登记时间"),
        ("confidential", "是否保密"),
    ]
    data = spreadsheets.write_xlsx("建议", columns, rows)
    return Response(
        data,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="suggestions.xlsx"'},
    )


@router.get("/suggestions/{suggestion_id}", summary="Read a suggestion")
async def read_suggestion(suggestion_id: str, who: CurrentPrincipal, store: Suggestions) -> SuggestionPublic:
    """Staff read any submitted suggestion of their congress; deputies read their own and co-signed ones."""
    return SuggestionPublic.of(await _readable(store, who, suggestion_id))


@router.get("/suggestions/{suggestion_id}/versions", summary="Every submitted version")
async def read_versions(suggestion_id: str, who: CurrentPrincipal, store: Suggestions) -> list[VersionPublic]:
    """Each version as it was submitted, oldest first."""
    s = await _readable(store, who, suggestion_id)
    return [VersionPublic(**{**vars(v), "co_signers": list(v.co_signers)}) for v in s.versions]
