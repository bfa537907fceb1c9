"""The client side of one suggestion's way to registration, built on `shared.testing.journeys`.

Set-up, once: staff set up the congress (PUT /congresses/{id}) and enter its deputies
(PUT /deputies/{id}). Per journey: the deputy starts a draft (POST /suggestions) and submits it
(POST /suggestions/{id}/submit); staff register it (POST /suggestions/{id}/register). The draft
and the submit are timed apart.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from shared.testing.journeys import draft, put_deputies, register, set_up_congress

CONGRESS_ID = "c1"
SETUP_CONCURRENCY = 8
DESCRIPTION = "draft (POST /suggestions) → submit (POST …/submit) → register (POST …/register)"


@dataclass(frozen=True)
class Submitted:
    """A suggestion a deputy has submitted, and how long each request took (seconds)."""

    suggestion_id: str
    draft_s: float
    submit_s: float


@dataclass(frozen=True)
class IntakeFlow:
    """Submit → register against the intake at `base`."""

    base: str
    description: str = DESCRIPTION

    async def prepare(
        self, http: httpx.AsyncClient, staff: dict[str, str], deputies: list[tuple[str, str, str]]
    ) -> None:
        """Set up the congress and enter its deputies (id, name, delegation)."""
        await set_up_congress(http, self.base, staff, CONGRESS_ID, name="基准测试市人民代表大会")
        shares = [deputies[i::SETUP_CONCURRENCY] for i in range(SETUP_CONCURRENCY)]
        await asyncio.gather(*(put_deputies(http, self.base, staff, share) for share in shares if share))

    async def submit(self, http: httpx.AsyncClient, deputy: dict[str, str]) -> Submitted:
        """The deputy drafts the sample suggestion and submits it."""
        began = time.perf_counter()
        created = await draft(http, self.base, deputy)
        drafted = time.perf_counter()
        r = await http.post(f"{self.base}/suggestions/{created['id']}/submit", headers=deputy)
        if r.is_error:
            raise httpx.HTTPStatusError(f"submit: {r.status_code} {r.text[:300]}", request=r.request, response=r)
        return Submitted(str(created["id"]), drafted - began, time.perf_counter() - drafted)

    async def register(self, http: httpx.AsyncClient, staff: dict[str, str], suggestion_id: str) -> None:
        """Staff register the suggestion."""
        await register(http, self.base, staff, suggestion_id)
