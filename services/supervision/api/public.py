"""What anyone may read without logging in: the published replies (答复公开)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from services.supervision.api.deps import Cases
from shared.contracts.supervision import Category
from shared.mongo import Doc

router = APIRouter(tags=["public"])


class PublishedReply(BaseModel):
    """A reply as the public sees it: the text the unit wrote for publication, never the reply itself."""

    case_id: str
    number: str
    title: str
    field: str
    lead_unit: str  # the lead unit's name
    category: Category
    text: str  # the reply's public text (public_text)
    replied_at: datetime  # when this reply reached the deputy
    year: int  # the ledger year


class PublishedReplies(BaseModel):
    data: list[PublishedReply]
    count: int


def published(doc: Doc) -> PublishedReply | None:
    """The case's last reply that reached the deputy, if it is marked public; None otherwise. A reply
    under review or sent back never counts, and an earlier public reply is not shown once a later one
    that reached the deputy is not public."""
    delivered: list[dict[str, Any]] = [r for r in doc.get("replies", []) if r.get("state") == "delivered"]
    last = delivered[-1] if delivered else None
    if last is None or not last.get("public") or not last.get("public_text") or last.get("delivered_at") is None:
        return None
    lead = doc.get("lead") or {}
    return PublishedReply(
        case_id=str(doc["_id"]),
        number=str(doc.get("number", "")),
        title=str(doc.get("title", "")),
        field=str(doc.get("field", "")),
        lead_unit=str(lead.get("name", "")),
        category=last["category"],
        text=str(last["public_text"]),
        replied_at=last["delivered_at"],
        year=int((doc.get("figures") or {}).get("year") or 0),
    )


@router.get("/public/congresses/{congress_id}/replies", summary="Published replies (答复公开)")
async def published_replies(
    congress_id: Annotated[str, Path(max_length=64)],
    cases: Cases,
    response: Response,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="The ledger year")] = None,
    skip: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PublishedReplies:
    """Replies the lead units marked public, of cases that are not confidential, newest first: the number,
    title, field, lead unit, category, the public text and when it reached the deputy. No login needed;
    never a reply under review or sent back, never the internal reply text, never a confidential case."""
    docs, total = await cases.public_replies(congress_id, year, skip, limit)
    data = [p for p in (published(d) for d in docs) if p is not None]
    response.headers["Cache-Control"] = "public, max-age=60"
    return PublishedReplies(data=data, count=total)
