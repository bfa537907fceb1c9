"""Failpoints: harmless until armed; `raise` raises at the named place only. (`exit` is not run in-process.)"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from shared.failpoints import FailpointHit, failpoint, rearm


@pytest.fixture
def arm() -> Iterator[Callable[[str], None]]:
    """Arm failpoints for one test; whatever happens, leave the process as it was."""
    before = os.environ.get("FAILPOINTS")
    rearm("")
    try:
        yield rearm
    finally:
        rearm(before or "")
        if before is None:
            os.environ.pop("FAILPOINTS", None)


def test_an_unarmed_failpoint_does_nothing(arm: Callable[[str], None]) -> None:
    assert failpoint("outbox.before_publish") is None
    assert failpoint("x") is None


def test_raise_makes_the_named_failpoint_raise(arm: Callable[[str], None]) -> None:
    arm("x=raise")
    with pytest.raises(FailpointHit, match=r"^x$"):
        failpoint("x")


def test_raise_leaves_other_failpoints_alone(arm: Callable[[str], None]) -> None:
    arm("x=raise")
    failpoint("y")
    failpoint("x.y")
    failpoint("X")


def test_a_failpoint_keeps_raising_until_disarmed(arm: Callable[[str], None]) -> None:
    arm("x=raise")
    for _ in range(3):
        with pytest.raises(FailpointHit):
            failpoint("x")
    arm("")
    failpoint("x")


def test_rearming_replaces_what_was_armed(arm: Callable[[str], None]) -> None:
    arm("x=raise")
    arm("y=raise")
    failpoint("x")
    with pytest.raises(FailpointHit):
        failpoint("y")


def test_several_failpoints_can_be_armed_with_spaces_around_names_and_actions(arm: Callable[[str], None]) -> None:
    arm(" a = raise , b=raise")
    for name in ("a", "b"):
        with pytest.raises(FailpointHit):
            failpoint(name)
    failpoint("c")


def test_a_malformed_spec_arms_nothing(arm: Callable[[str], None]) -> None:
    arm("x,raise,,=")
    failpoint("x")
    failpoint("raise")


def test_a_misspelt_action_is_refused(arm: Callable[[str], None]) -> None:
    with pytest.raises(ValueError, match="rasie"):
        arm("x=rasie")


def test_failpoint_hit_is_a_runtime_error_so_generic_handlers_treat_it_as_a_crash(arm: Callable[[str], None]) -> None:
    arm("x=raise")
    with pytest.raises(RuntimeError):
        failpoint("x")


def test_rearm_exports_the_spec_so_child_processes_inherit_it(arm: Callable[[str], None]) -> None:
    arm("outbox.before_publish=raise")
    assert os.environ["FAILPOINTS"] == "outbox.before_publish=raise"
