"""Intake's request and response schemas, named by role (XCreate, XUpdate, XPublic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.intake import checks
from services.intake.checks import Finding
from services.intake.directory import Congress, Deputy, Level
from services.intake.domain import Origin, ReturnReason, Suggestion, SuggestionKind
from shared.contracts.intake import DeputyRef
from shared.similarity import Match

ID = Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_.:-]+$")


class Strict(BaseModel):
    """Requests refuse fields they do not know."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CongressPut(Strict):
    """A congress's definition."""

    name: str = Field(min_length=1, max_length=100, examples=["某某市人民代表大会"])
    level: Level
    parent_id: str | None = Field(default=None, max_length=64)
    # the parent's level, when the parent congress runs its own suite (not defined here)
    parent_level: Level | None = None
    term: int = Field(ge=1, le=99, examples=[15])
    session: str = Field(pattern=r"^[0-9A-Za-z-]{1,20}$", examples=["15-2"])
    session_name: str = Field(default="", max_length=100, examples=["市十五届人大二次会议"])
    fields: list[Annotated[str, Field(min_length=1, max_length=20)]] | None = Field(default=None, max_length=50)


class CongressPublic(BaseModel):
    """A congress as anyone sees it."""

    id: str
    name: str
    level: Level
    parent_id: str | None
    term: int
    session: str
    session_name: str
    fields: list[str]

    @classmethod
    def of(cls, c: Congress) -> CongressPublic:
        """From the domain object."""
        return cls(**{**vars(c), "fields": list(c.fields)})


class DeputyPut(Strict):
    """One deputy, edited by staff."""

    name: str = Field(min_length=1, max_length=50)
    delegation: str = Field(default="", max_length=50)
    phone: str = Field(default="", max_length=30, pattern=r"^[0-9+\- ]*$")
    email: str = Field(default="", max_length=254)
    active: bool = True


class DeputyPublic(BaseModel):
    """A deputy as staff see them."""

    id: str
    name: str
    delegation: str
    phone: str
    email: str
    active: bool

    @classmethod
    def of(cls, d: Deputy) -> DeputyPublic:
        """From the domain object."""
        return cls(id=d.id, name=d.name, delegation=d.delegation, phone=d.phone, email=d.email, active=d.active)


class DeputiesPublic(BaseModel):
    """A page of deputies."""

    data: list[DeputyPublic]
    count: int


class DeputyImportResult(BaseModel):
    """What a deputy import did."""

    rows: int
    created: int
    updated: int
    unchanged: int


class CoSignerRef(Strict):
    """A deputy asked to co-sign, by id."""

    id: str = ID


class SuggestionCreate(Strict):
    """A new draft. Drafts may be incomplete; the checks run on submission."""

    title: str = Field(default="", max_length=checks.TITLE_MAX, examples=["关于加强城区停车设施建设的建议"])
    body: str = Field(default="", max_length=checks.BODY_MAX)
    field: str = Field(default="", max_length=20, examples=["城乡建设"])
    kind: SuggestionKind = SuggestionKind.SESSION
    origin: Origin = Origin.DEPUTY
    co_signers: list[CoSignerRef] = Field(default_factory=list, max_length=200)
    confidential: bool = False


class SuggestionUpdate(Strict):
    """Changes to a draft or a returned suggestion; what is left out stays as it is."""

    title: str | None = Field(default=None, max_length=checks.TITLE_MAX)
    body: str | None = Field(default=None, max_length=checks.BODY_MAX)
    field: str | None = Field(default=None, max_length=20)
    kind: SuggestionKind | None = None
    co_signers: list[CoSignerRef] | None = Field(default=None, max_length=200)
    confidential: bool | None = None


class CoSigningAnswer(Strict):
    """A co-signer's answer."""

    confirm: bool


class ReturnCreate(Strict):
    """Why staff return a suggestion."""

    reason_code: ReturnReason
    text: str = Field(min_length=1, max_length=2000)


class MergeCreate(Strict):
    """Suggestions to merge into this one."""

    merge: list[str] = Field(min_length=1, max_length=50)


class PassUpCreate(Strict):
    """A note for the parent congress."""

    note: str = Field(default="", max_length=2000)


class BatchRegister(Strict):
    """Suggestions to register, in this order."""

    ids: list[str] = Field(min_length=1, max_length=1000)


class CoSignerPublic(BaseModel):
    """A co-signer and their answer."""

    id: str
    name: str
    delegation: str
    status: str
    responded_at: datetime | None


class VersionPublic(BaseModel):
    """A submitted version."""

    number: int
    title: str
    body: str
    field: str
    kind: str
    co_signers: list[str]
    submitted_at: datetime


class ReturnPublic(BaseModel):
    """A return and its reason."""

    version: int
    reason_code: str
    text: str
    by: str
    at: datetime


class SuggestionPublic(BaseModel):
    """A suggestion as its deputies and staff see it."""

    id: str
    congress_id: str
    session: str
    title: str
    body: str
    field: str
    kind: SuggestionKind
    origin: Origin
    lead_deputy: DeputyRef
    co_signers: list[CoSignerPublic]
    authors: list[DeputyRef]
    confidential: bool
    status: str
    number: str | None
    version: int
    submitted_at: datetime | None
    registered_at: datetime | None
    returns: list[ReturnPublic]
    merged_into: str | None
    merged: list[str]
    opinion_id: str | None
    transfer_from: dict[str, str] | None
    passed_up: dict[str, object] | None

    @classmethod
    def of(cls, s: Suggestion) -> SuggestionPublic:
        """From the domain object."""
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
            co_signers=[
                CoSignerPublic(
                    id=c.id, name=c.name, delegation=c.delegation, status=c.status.value, responded_at=c.responded_at
                )
                for c in s.co_signers
            ],
            authors=s.authors(),
            confidential=s.confidential,
            status=s.status.value,
            number=s.number,
            version=len(s.versions),
            submitted_at=s.submitted_at,
            registered_at=s.registered_at,
            returns=[
                ReturnPublic(version=r.version, reason_code=r.reason_code.value, text=r.text, by=r.by, at=r.at)
                for r in s.returns
            ],
            merged_into=s.merged_into,
            merged=list(s.merged),
            opinion_id=s.opinion_id,
            transfer_from=None if s.transfer_from is None else dict(vars(s.transfer_from)),
            passed_up=None if s.passed_up is None else dict(vars(s.passed_up)),
        )


class SuggestionsPublic(BaseModel):
    """A page of suggestions."""

    data: list[SuggestionPublic]
    count: int


class FindingPublic(BaseModel):
    """One result of the automatic checks."""

    code: str
    severity: str
    part: str
    message: str

    @classmethod
    def of(cls, f: Finding) -> FindingPublic:
        """From the checks."""
        return cls(code=f.code, severity=f.severity.value, part=f.part, message=f.message)


class SimilarPublic(BaseModel):
    """A similar suggestion of the same congress and session."""

    suggestion_id: str
    number: str | None
    title: str | None
    score: float
    shared_terms: list[str]

    @classmethod
    def of(cls, m: Match) -> SimilarPublic:
        """From the similarity index."""
        return cls(
            suggestion_id=m.suggestion_id,
            number=m.meta.get("number"),
            title=m.meta.get("title"),
            score=m.score,
            shared_terms=list(m.shared_terms),
        )


class CheckReport(BaseModel):
    """The checks on a suggestion and the most similar suggestions."""

    passes: bool
    findings: list[FindingPublic]
    similar: list[SimilarPublic]


class SubmissionPublic(BaseModel):
    """A submitted suggestion and what the checks found."""

    suggestion: SuggestionPublic
    findings: list[FindingPublic]
    similar: list[SimilarPublic]


class BatchItem(BaseModel):
    """One suggestion of a batch registration."""

    suggestion_id: str
    ok: bool
    number: str | None
    code: str | None
    message: str | None


class BatchRegisterResult(BaseModel):
    """What a batch registration did."""

    registered: int
    failed: int
    results: list[BatchItem]


class ImportResult(BaseModel):
    """What a suggestion import did."""

    rows: int
    created: int
    skipped: int


class CatalogueEntry(BaseModel):
    """A line of the public catalogue (建议目录)."""

    id: str
    number: str
    session: str
    title: str
    field: str
    lead_deputy: str
    deputies: str  # e.g. 屠永芳等11名代表
    registered_at: datetime | None


class CataloguePublic(BaseModel):
    """A page of the public catalogue."""

    data: list[CatalogueEntry]
    count: int
