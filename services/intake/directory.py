"""Congresses and their deputies: the directory intake keeps. No I/O here."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from shared.errors import Invalid

SESSION_CODE = re.compile(r"[0-9A-Za-z-]{1,20}")
ID_PATTERN = re.compile(r"[0-9A-Za-z_.:-]{1,64}")
DEFAULT_FIELDS = (
    "财税金融",
    "科教文卫",
    "城乡建设",
    "农林水利",
    "资源环境",
    "乡村振兴",
    "社会保障",
    "交通运输",
    "政法",
    "其他",
)


class Level(StrEnum):
    """The level of a people's congress."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"


LEVEL_ORDER = [Level.TOWNSHIP, Level.COUNTY, Level.CITY, Level.PROVINCE]


@dataclass(frozen=True)
class Congress:
    """A congress this suite serves, with its current term and session (e.g. 市十五届人大二次会议)."""

    id: str
    name: str
    level: Level
    parent_id: str | None
    term: int
    session: str
    session_name: str
    fields: tuple[str, ...] = DEFAULT_FIELDS


@dataclass(frozen=True)
class Deputy:
    """A deputy of a congress (人大代表)."""

    congress_id: str
    id: str
    name: str
    delegation: str = ""
    phone: str = ""
    email: str = ""
    active: bool = True


def define_congress(
    *,
    congress_id: str,
    name: str,
    level: Level,
    parent: Congress | None,
    parent_id: str | None,
    term: int,
    parent_level: Level | None = None,
    session: str,
    session_name: str,
    fields: list[str] | None,
) -> Congress:
    """Check and build a congress's definition."""
    if not ID_PATTERN.fullmatch(congress_id):
        raise Invalid("congress.id_invalid", "A congress id is 1-64 letters, digits, and _ . : -")
    if parent_id is not None:
        if parent_id == congress_id:
            raise Invalid("congress.parent_is_self", "A congress cannot be its own parent.")
        known_level = parent.level if parent is not None else parent_level
        if known_level is None:
            raise Invalid(
                "congress.parent_unknown",
                "The parent congress is not defined here; if it runs its own suite, give its level (parent_level).",
            )
        if LEVEL_ORDER.index(known_level) <= LEVEL_ORDER.index(level):
            raise Invalid("congress.parent_level", "The parent congress must be of a higher level.")
    if not SESSION_CODE.fullmatch(session):
        raise Invalid("congress.session_invalid", "A session code is 1-20 letters, digits and -, e.g. 15-2.")
    chosen = tuple(dict.fromkeys(f.strip() for f in (DEFAULT_FIELDS if fields is None else fields) if f.strip()))
    if not chosen:
        raise Invalid("congress.fields_empty", "A congress needs at least one field.")
    return Congress(
        id=congress_id,
        name=name.strip(),
        level=level,
        parent_id=parent_id,
        term=term,
        session=session,
        session_name=session_name.strip(),
        fields=chosen,
    )


def deputy_changed(before: Deputy | None, after: Deputy) -> bool:
    """True when an import or edit changes what is known of a deputy."""
    return before is None or replace(before) != after
