"""Sample events and requests with realistic content, for tests and benchmarks."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.contracts.intake import DeputyRef, SuggestionRegistered


def registered(n: int = 1) -> SuggestionRegistered:
    """A registered suggestion event numbered n."""
    return SuggestionRegistered(
        suggestion_id=f"s-{n}",
        congress_id="c1",
        session="15-2",
        title="关于加强城区停车设施建设的建议",
        field="城乡建设",
        kind="session",
        origin="deputy",
        lead_deputy=DeputyRef(id="dep-1", name="屠永芳"),
        number=f"15-2-{n:04d}",
        sequence=n,
        registered_at=datetime.now(UTC),
        registered_by="staff-1",
    )
