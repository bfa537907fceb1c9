"""Intake's HTTP API: thin routes, auth → domain → store → schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from services.intake import domain
from services.intake.domain import Origin, Suggestion, SuggestionKind
from services.intake.settings import IntakeSettings
from services.intake.store import REGISTER_ATTEMPTS, SuggestionStore
from shared.auth import CurrentPrincipal, Principal, Role, require
from shared.contracts.intake import DeputyRef
from shared.errors import Conflict, NotFound
from shared.tracing import case_scope

router = APIRouter(tags=["suggestions"])


def _store(request: Request) -> SuggestionStore:
    store: SuggestionStore = request.app.state.store
    return store


def _settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


StoreDep = Annotated[SuggestionStore, Depends(_store)]
SettingsDep = Annotated[IntakeSettings, Depends(_settings)]
DeputyUser = Annotated[Principal, Depends(require(Role.DEPUTY))]
StaffUser = Annotated[Principal, Depends(require(Role.STAFF))]


class CoSignerIn(BaseModel):
    """A co-signing deputy (附议代表)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    name: str = Field(default="", max_length=50)


class SuggestionCreate(BaseModel):
    """What a deputy submits."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=domain.TITLE_MAX, examples=["关于加强城区停车设施建设的建议"])
    body: str = Field(min_length=domain.BODY_MIN, max_length=domain.BODY_MAX)
    field: str = Field(min_length=1, max_length=20, examples=["城乡建设"])
    kind: SuggestionKind = SuggestionKind.SESSION
    origin: Origin = Origin.DEPUTY
    session: str | None = Field(default=None, pattern=r"^[0-9A-Za-z-]{1,20}$")
    co_signers: list[CoSignerIn] = Field(default_factory=list, max_length=domain.CO_SIGNERS_MAX)
    confidential: bool = False


class SuggestionPublic(BaseModel):
    """A suggestion as its readers see it."""

    id: str
    congress_id: str
    session: str
    title: str
    body: str
    field: str
    kind: SuggestionKind
    origin: Origin
    lead_deputy: DeputyRef
    co_signers: list[DeputyRef]
    confidential: bool
    status: str
    number: str | None
    submitted_at: datetime
    registered_at: datetime | None

    @classmethod
    def of(cls, s: Suggestion) -> SuggestionPublic:
        """Build from the domain object."""
        return cls(
            id=s.id,
            congress_id=s.congress_id,
            session=s.session,
            title=s.title,
            body=s.body,
            field=s.field,
            kind=s.kind,
            origin=s.origin,
            lead_deputy=s.lead_deputy,
            co_signers=list(s.co_signers),
            confidential=s.confidential,
            status=s.status.value,
            number=s.number,
            submitted_at=s.submitted_at,
            registered_at=s.registered_at,
        )


class SuggestionsPublic(BaseModel):
    """A page of suggestions."""

    data: list[SuggestionPublic]
    count: int


@router.post("/suggestions", status_code=201, summary="Submit a suggestion")
async def submit_suggestion(
    body: SuggestionCreate, deputy: DeputyUser, store: StoreDep, settings: SettingsDep
) -> SuggestionPublic:
    """A deputy submits a suggestion as its lead deputy (领衔代表)."""
    suggestion = domain.submit(
        congress_id=deputy.congress_id,
        session=body.session or settings.current_session,
        title=body.title,
        body=body.body,
        field_=body.field,
        kind=body.kind,
        origin=body.origin,
        lead_deputy=DeputyRef(id=deputy.subject, name=deputy.name),
        co_signers=[DeputyRef(id=c.id, name=c.name) for c in body.co_signers],
        confidential=body.confidential,
        allowed_fields=settings.fields,
        now=datetime.now(UTC),
    )
    with case_scope(suggestion.id):
        await store.add(suggestion)
    return SuggestionPublic.of(suggestion)


@router.get("/suggestions", summary="List suggestions")
async def list_suggestions(
    principal: CurrentPrincipal,
    store: StoreDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SuggestionsPublic:
    """Staff see the congress's suggestions; a deputy sees the ones they lead or co-signed."""
    author = None if principal.has(Role.STAFF) else principal.subject
    if author is not None and not principal.has(Role.DEPUTY):
        author = "\x00"  # neither staff nor deputy: an empty list
    items, total = await store.page(principal.congress_id, author=author, status=status, skip=skip, limit=limit)
    return SuggestionsPublic(data=[SuggestionPublic.of(s) for s in items], count=total)


@router.get("/suggestions/{suggestion_id}", summary="Read a suggestion")
async def read_suggestion(suggestion_id: str, principal: CurrentPrincipal, store: StoreDep) -> SuggestionPublic:
    """Staff read any suggestion of their congress; deputies read their own and co-signed ones."""
    suggestion = await store.get(principal.congress_id, suggestion_id)
    if not principal.has(Role.STAFF) and principal.subject not in suggestion.authors():
        raise NotFound("suggestion.not_found", "No such suggestion.")
    return SuggestionPublic.of(suggestion)


@router.post("/suggestions/{suggestion_id}/register", summary="Register a suggestion (登记)")
async def register_suggestion(suggestion_id: str, staff: StaffUser, store: StoreDep) -> SuggestionPublic:
    """Staff register a submitted suggestion: it gets the next number of its congress and session."""
    with case_scope(suggestion_id):
        for _ in range(REGISTER_ATTEMPTS):
            suggestion = await store.get(staff.congress_id, suggestion_id)
            sequence = await store.next_sequence(suggestion.congress_id, suggestion.session)
            registered = domain.register(suggestion, sequence=sequence, by=staff.subject, now=datetime.now(UTC))
            try:
                if await store.save_registration(suggestion, registered):
                    return SuggestionPublic.of(registered)
            except Conflict:
                continue  # someone changed it: reload and let the rules decide
        raise Conflict("suggestion.register_contended", "Too many registrations at once; try again.")
