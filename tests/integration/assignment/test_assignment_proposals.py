"""Routing proposals over HTTP against the real servers: the city's 40 units, realistic suggestions, the top
three with reasons, and proposals that learn from what staff assign."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from assignment_support import Suite

from services.assignment.units_seed import seed_units

pytestmark = pytest.mark.asyncio(loop_scope="module")

LABELLED = Path(__file__).parents[3] / "bench" / "data" / "routing_cases.jsonl"


def labelled() -> list[dict[str, Any]]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]


async def seed(suite: Suite, congress: str) -> None:
    for unit in seed_units():
        response = await suite.client.put(
            f"/units/{unit.id}",
            headers=suite.staff(congress),
            json={
                "name": unit.name,
                "kind": unit.kind.value,
                "coordinator": unit.coordinator,
                "duties": unit.duties,
                "keywords": list(unit.keywords),
                "aliases": list(unit.aliases),
                "contacts": [{"id": f"{unit.id}-contact", "name": "联络员"}],
            },
        )
        assert response.status_code == 200, response.text


async def test_the_top_three_with_reasons_and_learning_from_staffs_decisions(suite: Suite) -> None:
    congress = suite.new_congress()
    await seed(suite, congress)
    staff = suite.staff(congress)
    samples = labelled()[:30]
    ids = [await suite.register(congress, title=s["title"], body=s["body"], field=s["field"]) for s in samples]

    response = await suite.client.post("/proposals", headers=staff, json={"case_ids": ids})
    assert response.status_code == 200, response.text
    proposals = response.json()["data"]
    assert [p["case_id"] for p in proposals] == ids
    assert all(len(p["leads"]) == 3 for p in proposals)
    top3 = sum(s["lead_unit_id"] in [c["unit_id"] for c in p["leads"]] for s, p in zip(samples, proposals, strict=True))
    assert top3 >= 24, f"the labelled lead was in the top three for only {top3} of 30"
    first = proposals[0]["leads"][0]
    duty = next(r for r in first["reasons"] if r["kind"] == "duty")
    assert duty["terms"] and 0 < duty["similarity"] <= 1

    # staff assign a case to the labelled units; a similar new case then cites it as a past decision
    sample, case_id = samples[0], ids[0]
    pre = await suite.client.post(
        f"/cases/{case_id}/pre-assignment",
        headers=staff,
        json={"lead_unit_id": sample["lead_unit_id"], "co_unit_ids": sample["co_unit_ids"]},
    )
    assert pre.status_code == 200, pre.text
    for unit_id in [sample["lead_unit_id"], *sample["co_unit_ids"]]:
        accepted = await suite.client.post(
            f"/cases/{case_id}/pre-assignment/accept", headers=suite.unit(congress, unit_id)
        )
        assert accepted.status_code == 200, accepted.text
    assert (await suite.client.post(f"/cases/{case_id}/assignment", headers=staff, json={})).status_code == 200

    similar = await suite.register(
        congress, title=sample["title"] + "（续）", body=sample["body"], field=sample["field"]
    )
    proposal = (await suite.client.get(f"/cases/{similar}/proposal", headers=staff)).json()
    assert proposal["past_decisions"] == 1
    lead = proposal["leads"][0]
    assert lead["unit_id"] == sample["lead_unit_id"]
    past = [r for r in lead["reasons"] if r["kind"] == "past_case"]
    assert past and past[0]["case_id"] == case_id and past[0]["similarity"] > 0.5


async def test_no_units_no_proposal(suite: Suite) -> None:
    congress = suite.new_congress()
    case_id = await suite.register(congress)
    refused = await suite.client.get(f"/cases/{case_id}/proposal", headers=suite.staff(congress))
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "routing.no_units")
    missing = await suite.client.post("/proposals", headers=suite.staff(congress), json={"case_ids": [case_id, "nope"]})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "case.not_found")
