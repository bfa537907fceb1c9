"""The unit registry (承办单位名录): staff keep it (one by one, from a file, in bulk); staff, leaders, units read it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from services.assignment import unit_import
from services.assignment.api.deps import Now, Reader, Routers, StaffUser, Units
from services.assignment.proposals import RouterCache
from services.assignment.routing import UnitKind
from services.assignment.store import UnitStore
from services.assignment.unit_import import UnitDraft
from services.assignment.units import Unit, define_unit, unit_changed
from shared.auth import Principal, Role
from shared.contracts.assignment import UnitContact
from shared.errors import Invalid
from shared.spreadsheets import RowError

router = APIRouter(tags=["units"])
UnitId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_.:-]+$")]


# --- schemas ---------------------------------------------------------------------------------------


class Strict(BaseModel):
    """Request bodies refuse unknown fields; lengths and formats are the registry's rules (`unit.*` codes)."""

    model_config = ConfigDict(extra="forbid")


class UnitContactIn(Strict):
    """A person who may act for the unit: `id` is the `sub` of their token."""

    id: str
    name: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""


class _UnitFields(Strict):
    name: str = Field(examples=["市教育局"])
    kind: UnitKind
    coordinator: str = Field(default="", examples=["市政府督查室"])
    duties: str = Field(description="三定 duties (职责), ≤ 5000 characters")
    keywords: list[str] = Field(default_factory=list, description="≤ 100, each ≤ 30 characters")
    aliases: list[str] = Field(default_factory=list, description="what deputies call it (教育部门); ≤ 100, each ≤ 30")
    contacts: list[UnitContactIn] = Field(default_factory=list, description="≤ 20")


class UnitPut(_UnitFields):
    """A unit's whole entry, as staff set it; `active: false` deactivates it."""

    active: bool = True


class UnitBulkItem(_UnitFields):
    """One unit of a bulk request; without `active`, an existing unit keeps its state and a new one is active."""

    id: str = Field(examples=["edu"])
    active: bool | None = None

    def draft(self, position: int) -> UnitDraft:
        """The unit as an import states it."""
        return UnitDraft(
            row=position,
            id=self.id.strip(),
            name=self.name,
            kind=self.kind,
            coordinator=self.coordinator,
            duties=self.duties,
            keywords=tuple(self.keywords),
            aliases=tuple(self.aliases),
            contacts=tuple(_contact(c) for c in self.contacts),
            active=self.active,
        )


class UnitBulk(Strict):
    """Units to create or replace at once; refused whole on any problem."""

    units: list[UnitBulkItem] = Field(min_length=1, max_length=unit_import.MAX_UNITS)


class UnitPublic(BaseModel):
    """A unit as its reader sees it; `contacts` is null when the reader may not see them (another unit's)."""

    id: str
    name: str
    kind: UnitKind
    coordinator: str
    duties: str
    keywords: list[str]
    aliases: list[str]
    contacts: list[UnitContact] | None
    active: bool
    updated_at: datetime | None

    @classmethod
    def of(cls, unit: Unit, *, contacts: bool = True) -> UnitPublic:
        """From the domain object, with or without its contacts."""
        return cls(
            id=unit.id,
            name=unit.name,
            kind=unit.kind,
            coordinator=unit.coordinator,
            duties=unit.duties,
            keywords=list(unit.keywords),
            aliases=list(unit.aliases),
            contacts=list(unit.contacts) if contacts else None,
            active=unit.active,
            updated_at=unit.updated_at,
        )


class UnitsPublic(BaseModel):
    """A page of units."""

    data: list[UnitPublic]
    count: int


class UnitImportResult(BaseModel):
    """What an import did: rows read (file rows, or items), the units they describe, and what became of them."""

    rows: int
    units: int
    created: int
    updated: int
    unchanged: int


# --- routes ----------------------------------------------------------------------------------------


@router.put("/units/{unit_id}", summary="Add or change one unit")
async def put_unit(
    unit_id: UnitId, body: UnitPut, staff: StaffUser, units: Units, routers: Routers, now: Now
) -> UnitPublic:
    """Staff set a unit's whole entry (deactivate it with `active: false`); an unchanged entry is not written."""
    unit = await asyncio.to_thread(
        define_unit,
        congress_id=staff.congress_id,
        unit_id=unit_id,
        name=body.name,
        kind=body.kind,
        coordinator=body.coordinator,
        duties=body.duties,
        keywords=body.keywords,
        aliases=body.aliases,
        contacts=[_contact(c) for c in body.contacts],
        active=body.active,
        updated_at=now(),
    )
    existing = (await units.get_many(staff.congress_id, [unit_id])).get(unit_id)
    if existing is not None and not unit_changed(existing, unit):
        return UnitPublic.of(existing)
    saved, _ = await units.put(unit)
    routers.invalidate(staff.congress_id)
    return UnitPublic.of(saved)


@router.get("/units", summary="List units")
async def list_units(
    who: Reader,
    units: Units,
    kind: Annotated[UnitKind | None, Query()] = None,
    active: Annotated[bool | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100, description="part of the unit's name")] = None,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> UnitsPublic:
    """The congress's units by id; a unit handler sees the contacts of their own unit only."""
    items, total = await units.page(who.congress_id, kind=kind, active=active, q=q, skip=skip, limit=limit)
    return UnitsPublic(data=[UnitPublic.of(u, contacts=_sees_contacts(who, u)) for u in items], count=total)


@router.get("/units/{unit_id}", summary="Read a unit")
async def read_unit(unit_id: str, who: Reader, units: Units) -> UnitPublic:
    """One unit of the congress; a unit handler sees the contacts of their own unit only."""
    unit = await units.get(who.congress_id, unit_id)
    return UnitPublic.of(unit, contacts=_sees_contacts(who, unit))


@router.post("/units/import", summary="Import units from CSV or XLSX")
async def import_units(
    file: UploadFile, staff: StaffUser, units: Units, routers: Routers, now: Now
) -> UnitImportResult:
    """Staff import their congress's units; a file with any problem is refused whole, listing every problem.

    Units not in the file stay as they are; an imported unit keeps its active state (new ones are active).
    """
    data = await file.read(unit_import.MAX_FILE_BYTES + 1)
    drafts, errors = await asyncio.to_thread(unit_import.read_units, data, file.filename or "")
    built, problems = await _build(staff, drafts, units, now())
    _refuse([*errors, *problems], "The file has problems; nothing was imported.")
    return await _save(staff, built, units, routers, rows=sum(d.row_count for d in drafts))


@router.post("/units/bulk", summary="Create or replace units in bulk")
async def bulk_units(body: UnitBulk, staff: StaffUser, units: Units, routers: Routers, now: Now) -> UnitImportResult:
    """Staff create or replace many units at once (JSON); any problem refuses the whole request, listing every one.

    In `details.errors`, `row` is the unit's position in `units` (from 1) and `column` the field
    (e.g. `contacts[0].email`).
    """
    drafts = [item.draft(position) for position, item in enumerate(body.units, start=1)]
    built, problems = await _build(staff, drafts, units, now())
    _refuse(problems, "The units have problems; nothing was saved.")
    return await _save(staff, built, units, routers, rows=len(drafts))


# --- helpers ---------------------------------------------------------------------------------------


def _contact(c: UnitContactIn) -> UnitContact:
    return UnitContact(id=c.id, name=c.name, title=c.title, phone=c.phone, email=c.email)


def _sees_contacts(who: Principal, unit: Unit) -> bool:
    """Staff and leaders see every unit's contacts; a handler only those of the unit they act for."""
    if who.has(Role.STAFF, Role.LEADER):
        return True
    return who.unit_id == unit.id and unit.is_contact(who.subject)


def _refuse(errors: Sequence[RowError], message: str) -> None:
    if errors:
        ordered = sorted(errors, key=lambda e: e.row)
        raise Invalid("import.rejected", message, errors=[vars(e) for e in ordered])


async def _build(
    staff: Principal, drafts: Sequence[UnitDraft], units: UnitStore, at: datetime
) -> tuple[list[Unit], list[RowError]]:
    """The drafts checked against the registry's rules; an existing unit keeps its state unless a draft says."""
    if not drafts:
        return [], []
    existing = await units.get_many(staff.congress_id, (d.id for d in drafts))
    return await asyncio.to_thread(
        unit_import.build_units,
        staff.congress_id,
        drafts,
        active={unit_id: u.active for unit_id, u in existing.items()},
        updated_at=at,
    )


async def _save(
    staff: Principal, built: Sequence[Unit], units: UnitStore, routers: RouterCache, *, rows: int
) -> UnitImportResult:
    """Save checked units; the congress's router is rebuilt when any changed."""
    created, updated, unchanged = await units.save_many(built)
    if created or updated:
        routers.invalidate(staff.congress_id)
    return UnitImportResult(rows=rows, units=len(built), created=created, updated=updated, unchanged=unchanged)
