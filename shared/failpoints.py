"""Failpoints: named places where an operator or a test may make the process fail on purpose.

Armed only through the FAILPOINTS environment variable, e.g. `FAILPOINTS=outbox.before_publish=exit`.
Actions: `exit` ends the process at once (as a crash or a kill -9 would), `raise` raises FailpointHit.
Unarmed, a failpoint costs one dict lookup.
"""

from __future__ import annotations

import os
import sys


class FailpointHit(RuntimeError):
    """Raised by a failpoint armed with `raise`."""


ACTIONS = {"exit", "raise"}


def _armed() -> dict[str, str]:
    spec = os.environ.get("FAILPOINTS", "")
    pairs = (item.split("=", 1) for item in spec.split(",") if "=" in item)
    armed = {name.strip(): action.strip() for name, action in pairs if name.strip()}
    unknown = {a for a in armed.values() if a not in ACTIONS}
    if unknown:
        # a typo must not silently leave nothing armed
        raise ValueError(f"FAILPOINTS: unknown action(s) {sorted(unknown)}; use one of {sorted(ACTIONS)}")
    return armed


_ARMED = _armed()


def failpoint(name: str) -> None:
    """Fail here if the failpoint `name` is armed."""
    action = _ARMED.get(name)
    if action is None:
        return
    if action == "exit":
        sys.stderr.write(f"failpoint {name}: exiting\n")
        sys.stderr.flush()
        os._exit(86)
    if action == "raise":
        raise FailpointHit(name)


def rearm(spec: str) -> None:
    """Replace the armed failpoints (for tests in one process)."""
    global _ARMED
    os.environ["FAILPOINTS"] = spec
    _ARMED = _armed()
