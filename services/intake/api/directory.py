"""Congresses and deputies: set up by admins and staff, read by everyone concerned."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query, UploadFile

from services.intake import spreadsheets
from services.intake.api.deps import AdminOrStaff, Directory, StaffUser
from services.intake.api.schemas import (
    CongressPublic,
    CongressPut,
    DeputiesPublic,
    DeputyImportResult,
    DeputyPublic,
    DeputyPut,
)
from services.intake.directory import ID_PATTERN, Deputy, define_congress
from shared.auth import CurrentPrincipal, Role
from shared.errors import Forbidden, Invalid

router = APIRouter(tags=["directory"])
DeputyId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_.:-]+$")]
CongressId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_.:-]+$")]


@router.put("/congresses/{congress_id}", summary="Set up or change a congress")
async def put_congress(
    congress_id: CongressId, body: CongressPut, who: AdminOrStaff, directory: Directory
) -> CongressPublic:
    """Admins set up any congress; staff keep their own congress's term, session and fields current."""
    if not who.has(Role.ADMIN) and who.congress_id != congress_id:
        raise Forbidden("congress.not_yours", "Staff may change only their own congress.")
    parent = await directory.find_congress(body.parent_id) if body.parent_id else None
    congress = define_congress(
        congress_id=congress_id,
        name=body.name,
        level=body.level,
        parent=parent,
        parent_id=body.parent_id,
        parent_level=body.parent_level,
        term=body.term,
        session=body.session,
        session_name=body.session_name,
        fields=body.fields,
    )
    await directory.put_congress(congress)
    return CongressPublic.of(congress)


@router.get("/congresses/{congress_id}", summary="Read a congress")
async def read_congress(congress_id: str, directory: Directory) -> CongressPublic:
    """A congress's name, level, session and fields (public)."""
    return CongressPublic.of(await directory.get_congress(congress_id))


@router.post("/deputies/import", summary="Import deputies from CSV or XLSX")
async def import_deputies(file: UploadFile, staff: StaffUser, directory: Directory) -> DeputyImportResult:
    """Staff import their congress's deputies; a file with any problem is refused whole, listing every problem."""
    await directory.get_congress(staff.congress_id)
    data = await file.read(spreadsheets.MAX_FILE_BYTES + 1)
    rows, errors = await asyncio.to_thread(spreadsheets.read_deputies, data, file.filename or "")
    errors += [
        spreadsheets.RowError(r.row, "代表编号", "import.bad_value", "An id is letters, digits and _ . : - only.")
        for r in rows
        if not ID_PATTERN.fullmatch(r.id)
    ]
    if errors:
        raise Invalid(
            "import.rejected",
            "The file has problems; nothing was imported.",
            errors=[vars(e) for e in errors],
        )
    existing = await directory.all_deputies(staff.congress_id)
    deputies = [
        Deputy(
            congress_id=staff.congress_id,
            id=r.id,
            name=r.name,
            delegation=r.delegation,
            phone=r.phone,
            email=r.email,
            # an import lists who is a deputy; it does not undo staff's deactivation
            active=existing[r.id].active if r.id in existing else True,
        )
        for r in rows
    ]
    created, updated, unchanged = await directory.save_deputies(deputies)
    return DeputyImportResult(rows=len(rows), created=created, updated=updated, unchanged=unchanged)


@router.get("/deputies", summary="List deputies")
async def list_deputies(
    staff: StaffUser,
    directory: Directory,
    delegation: Annotated[str | None, Query(max_length=50)] = None,
    name: Annotated[str | None, Query(max_length=50)] = None,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeputiesPublic:
    """The congress's deputies, by delegation and name."""
    items, total = await directory.page_deputies(
        staff.congress_id, delegation=delegation, name=name, skip=skip, limit=limit
    )
    return DeputiesPublic(data=[DeputyPublic.of(d) for d in items], count=total)


@router.get("/deputies/{deputy_id}", summary="Read a deputy")
async def read_deputy(deputy_id: str, who: CurrentPrincipal, directory: Directory) -> DeputyPublic:
    """Staff read any deputy of their congress; a deputy reads themself."""
    if not who.has(Role.STAFF) and who.subject != deputy_id:
        raise Forbidden("deputy.not_yours", "You may read only your own entry.")
    return DeputyPublic.of(await directory.get_deputy(who.congress_id, deputy_id))


@router.put("/deputies/{deputy_id}", summary="Add or change one deputy")
async def put_deputy(deputy_id: DeputyId, body: DeputyPut, staff: StaffUser, directory: Directory) -> DeputyPublic:
    """Staff keep a deputy's entry current (or mark them inactive)."""
    await directory.get_congress(staff.congress_id)
    if body.email and "@" not in body.email:
        raise Invalid("deputy.email_invalid", "The e-mail address is not valid.")
    deputy = Deputy(
        congress_id=staff.congress_id,
        id=deputy_id,
        name=body.name,
        delegation=body.delegation,
        phone=body.phone,
        email=body.email,
        active=body.active,
    )
    await directory.save_deputies([deputy])
    return DeputyPublic.of(deputy)
