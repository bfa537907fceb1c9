"""What anyone may read without logging in: the public catalogue of suggestions (建议目录公开)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.intake.api.deps import Directory, Suggestions
from services.intake.api.schemas import CatalogueEntry, CataloguePublic
from services.intake.domain import Suggestion

router = APIRouter(prefix="/public", tags=["public"])


def _deputies(s: Suggestion) -> str:
    authors = s.authors()
    return authors[0].name if len(authors) == 1 else f"{authors[0].name}等{len(authors)}名代表"


@router.get("/catalogue/{congress_id}", summary="The public catalogue of registered suggestions")
async def catalogue(
    congress_id: str,
    store: Suggestions,
    directory: Directory,
    session: Annotated[str | None, Query(max_length=20)] = None,
    field: Annotated[str | None, Query(max_length=20)] = None,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> CataloguePublic:
    """Registered suggestions that are not confidential, by number; never a draft, never a confidential one."""
    await directory.get_congress(congress_id)
    items, total = await store.catalogue(congress_id, session=session, field=field, skip=skip, limit=limit)
    return CataloguePublic(
        data=[
            CatalogueEntry(
                id=s.id,
                number=s.number or "",
                session=s.session,
                title=s.title,
                field=s.field,
                lead_deputy=s.lead_deputy.name,
                deputies=_deputies(s),
                registered_at=s.registered_at,
            )
            for s in items
        ],
        count=total,
    )
