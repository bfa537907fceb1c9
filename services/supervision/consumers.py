"""Events supervision consumes. It reacts to assignment's `assigned` / `reassigned` and to
evaluation's results; those contracts arrive with issues 4 to 6, so it binds nothing yet."""

from shared.bus import EventHandlers


def build_handlers() -> EventHandlers:
    """Supervision's event handlers."""
    return EventHandlers()
