"""Events intake consumes: none yet (transfers from a lower congress arrive with issue 3)."""

from shared.bus import EventHandlers


def build_handlers() -> EventHandlers:
    """Intake's event handlers."""
    return EventHandlers()
