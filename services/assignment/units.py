"""The registry of handling units (承办单位名录): what a unit is, the rules of its entry, its event. No I/O here.

A congress's staff keep the units that handle its deputies' suggestions: government departments,
party and mass organisations, the court, the procuratorate, the supervisory commission and
vertically managed bodies; their 三定 duties, keywords and aliases (what routing matches a case
against), the office that co-ordinates them (督查室) and the contacts who may act for them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from services.assignment.routing import UnitKind, UnitProfile, unit_counts
from shared.contracts.assignment import UnitContact, UnitRef, UnitUpdated
from shared.errors import Invalid

ID_PATTERN = re.compile(r"[0-9A-Za-z_.:-]{1,64}")
NAME_MAX = 100
COORDINATOR_MAX = 100
DUTIES_MAX = 5000
TERMS_MAX = 100  # keywords, and aliases, each
TERM_MAX = 30
CONTACTS_MAX = 20
CONTACT_ID_MAX = 64
CONTACT_NAME_MAX = 50
CONTACT_TITLE_MAX = 50
PHONE_MAX = 30
EMAIL_MAX = 254

_PHONE_RE = re.compile(r"[0-9+\- ]+")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CONTACT_ID_RE = re.compile(r"\S+")


@dataclass(frozen=True)
class Unit:
    """A handling unit (承办单位) in a congress's registry."""

    congress_id: str
    id: str
    name: str
    kind: UnitKind
    coordinator: str  # the office it answers to during pre-assignment, e.g. 市政府督查室
    duties: str  # its 三定 duties (部门职责)
    keywords: tuple[str, ...]
    aliases: tuple[str, ...]  # what deputies call it (教育部门, 交警)
    contacts: tuple[UnitContact, ...]
    active: bool
    updated_at: datetime | None = None

    def profile(self) -> UnitProfile:
        """The unit as routing sees it."""
        return UnitProfile(
            id=self.id,
            name=self.name,
            kind=self.kind,
            duties=self.duties,
            keywords=self.keywords,
            aliases=self.aliases,
            coordinator=self.coordinator,
        )

    def ref(self, role: Literal["lead", "co"]) -> UnitRef:
        """The unit as case events name it, in this role."""
        return UnitRef(unit_id=self.id, name=self.name, role=role)

    def is_contact(self, subject: str) -> bool:
        """True when `subject` (a token's `sub`) is one of the people who may act for the unit."""
        return any(c.id == subject for c in self.contacts)


@dataclass(frozen=True)
class Problem:
    """One rule a unit's entry breaks; `index` says which keyword, alias or contact (0-based)."""

    field: str  # id, name, kind, coordinator, duties, keywords, aliases, contacts, contacts.<id|name|title|phone|email>
    code: str
    message: str
    index: int | None = None

    def details(self) -> dict[str, Any]:
        """The problem as error details carry it."""
        out: dict[str, Any] = {"field": self.field, "code": self.code, "message": self.message}
        if self.index is not None:
            out["index"] = self.index
        return out


def check_unit(
    *,
    congress_id: str,
    unit_id: str,
    name: str,
    kind: UnitKind | None,
    coordinator: str = "",
    duties: str,
    keywords: Iterable[str] = (),
    aliases: Iterable[str] = (),
    contacts: Iterable[UnitContact] = (),
    active: bool = True,
    updated_at: datetime | None = None,
) -> tuple[Unit | None, list[Problem]]:
    """Tidy a unit's entry (trimmed text, keywords and aliases without blanks or repeats) and check it.

    Returns the unit when it breaks no rule, else None and every problem found.
    """
    problems: list[Problem] = []
    tidy_contacts = tuple(_tidy_contact(c) for c in contacts)
    unit = Unit(
        congress_id=congress_id,
        id=unit_id,
        name=name.strip(),
        kind=kind or UnitKind.GOVERNMENT_DEPARTMENT,
        coordinator=coordinator.strip(),
        duties=duties.strip(),
        keywords=_terms(keywords),
        aliases=_terms(aliases),
        contacts=tidy_contacts,
        active=active,
        updated_at=updated_at,
    )
    if not ID_PATTERN.fullmatch(unit_id):
        problems.append(Problem("id", "unit.id_invalid", "A unit id is 1-64 letters, digits, and _ . : -"))
    if kind is None:
        problems.append(Problem("kind", "unit.kind_required", "The unit's kind (单位类别) is required."))
    problems += _text_problems(unit)
    problems += _term_problems("keywords", "keyword", unit.keywords)
    problems += _term_problems("aliases", "alias", unit.aliases)
    problems += _contact_problems(unit.contacts)
    if not problems and not unit_counts(unit.profile()):
        problems.append(
            Problem(
                "duties",
                "unit.no_terms",
                "The unit's name, duties, keywords and aliases give no words to match a suggestion against; "
                "describe its duties.",
            )
        )
    return (None, problems) if problems else (unit, [])


def define_unit(
    *,
    congress_id: str,
    unit_id: str,
    name: str,
    kind: UnitKind,
    coordinator: str = "",
    duties: str,
    keywords: Iterable[str] = (),
    aliases: Iterable[str] = (),
    contacts: Iterable[UnitContact] = (),
    active: bool = True,
    updated_at: datetime | None = None,
) -> Unit:
    """Check and build a unit's entry; Invalid with the first problem's code (`details.problems` lists all)."""
    unit, problems = check_unit(
        congress_id=congress_id,
        unit_id=unit_id,
        name=name,
        kind=kind,
        coordinator=coordinator,
        duties=duties,
        keywords=keywords,
        aliases=aliases,
        contacts=contacts,
        active=active,
        updated_at=updated_at,
    )
    if unit is None:
        first = problems[0]
        details: dict[str, Any] = {"field": first.field}
        if first.index is not None:
            details["index"] = first.index
        raise Invalid(first.code, first.message, **details, problems=[p.details() for p in problems])
    return unit


def unit_changed(old: Unit | None, new: Unit) -> bool:
    """True when an edit or import changes what is known of a unit (when it was stamped does not count)."""
    return old is None or replace(old, updated_at=None) != replace(new, updated_at=None)


def unit_updated(unit: Unit) -> UnitUpdated:
    """The event announcing a unit as it now is; the unit must be stamped (`updated_at`)."""
    if unit.updated_at is None:
        raise ValueError(f"unit {unit.id!r} is not stamped with updated_at")
    return UnitUpdated(
        congress_id=unit.congress_id,
        unit_id=unit.id,
        name=unit.name,
        kind=unit.kind.value,
        coordinator=unit.coordinator,
        contacts=list(unit.contacts),
        active=unit.active,
        updated_at=unit.updated_at,
    )


# --------------------------------------------------------------------------- tidying and rules


def _terms(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w.strip() for w in words if w.strip()))


def _fold(text: str) -> str:
    # full-width digits and letters typed in an IME (１３８…, ＠)
    return unicodedata.normalize("NFKC", text).strip()


def _tidy_contact(contact: UnitContact) -> UnitContact:
    return UnitContact(
        id=contact.id.strip(),
        name=contact.name.strip(),
        title=contact.title.strip(),
        phone=_fold(contact.phone),
        email=_fold(contact.email),
    )


def _text_problems(unit: Unit) -> list[Problem]:
    problems: list[Problem] = []
    if not unit.name:
        problems.append(Problem("name", "unit.name_required", "The unit's name is required."))
    elif len(unit.name) > NAME_MAX:
        problems.append(Problem("name", "unit.name_too_long", f"The unit's name is longer than {NAME_MAX} characters."))
    if len(unit.coordinator) > COORDINATOR_MAX:
        problems.append(
            Problem(
                "coordinator",
                "unit.coordinator_too_long",
                f"The co-ordinating office's name is longer than {COORDINATOR_MAX} characters.",
            )
        )
    if not unit.duties:
        problems.append(Problem("duties", "unit.duties_required", "The unit's duties (职责) are required."))
    elif len(unit.duties) > DUTIES_MAX:
        problems.append(
            Problem("duties", "unit.duties_too_long", f"The duties are longer than {DUTIES_MAX} characters.")
        )
    return problems


def _term_problems(field: str, word: str, terms: tuple[str, ...]) -> list[Problem]:
    problems: list[Problem] = []
    if len(terms) > TERMS_MAX:
        problems.append(
            Problem(field, f"unit.{field}_too_many", f"At most {TERMS_MAX} {field}; there are {len(terms)}.")
        )
    problems += [
        Problem(field, f"unit.{word}_too_long", f"The {word} '{t[:10]}…' is longer than {TERM_MAX} characters.", i)
        for i, t in enumerate(terms)
        if len(t) > TERM_MAX
    ]
    return problems


def _contact_problems(contacts: tuple[UnitContact, ...]) -> list[Problem]:
    problems: list[Problem] = []
    if len(contacts) > CONTACTS_MAX:
        problems.append(
            Problem(
                "contacts",
                "unit.contacts_too_many",
                f"At most {CONTACTS_MAX} contacts per unit; there are {len(contacts)}.",
            )
        )
    seen = Counter[str]()
    for i, c in enumerate(contacts):
        if not c.id:
            problems.append(
                Problem(
                    "contacts.id", "unit.contact_id_required", "A contact needs an id: their account (sub) here.", i
                )
            )
        elif len(c.id) > CONTACT_ID_MAX or not _CONTACT_ID_RE.fullmatch(c.id):
            problems.append(
                Problem(
                    "contacts.id",
                    "unit.contact_id_invalid",
                    f"A contact id is 1-{CONTACT_ID_MAX} characters without spaces.",
                    i,
                )
            )
        else:
            seen[c.id] += 1
            if seen[c.id] == 2:
                problems.append(
                    Problem("contacts.id", "unit.contact_duplicate", f"The contact {c.id} is listed twice.", i)
                )
        if len(c.name) > CONTACT_NAME_MAX:
            problems.append(
                Problem(
                    "contacts.name",
                    "unit.contact_name_too_long",
                    f"A contact's name is longer than {CONTACT_NAME_MAX} characters.",
                    i,
                )
            )
        if len(c.title) > CONTACT_TITLE_MAX:
            problems.append(
                Problem(
                    "contacts.title",
                    "unit.contact_title_too_long",
                    f"A contact's title is longer than {CONTACT_TITLE_MAX} characters.",
                    i,
                )
            )
        if c.phone and (
            len(c.phone) > PHONE_MAX or not _PHONE_RE.fullmatch(c.phone) or not any(d.isdigit() for d in c.phone)
        ):
            problems.append(
                Problem(
                    "contacts.phone",
                    "unit.contact_phone_invalid",
                    f"The phone '{c.phone[:30]}' may hold only digits, +, - and spaces (one number, ≤ {PHONE_MAX}).",
                    i,
                )
            )
        if c.email and (len(c.email) > EMAIL_MAX or not _EMAIL_RE.fullmatch(c.email)):
            problems.append(
                Problem(
                    "contacts.email", "unit.contact_email_invalid", f"'{c.email[:60]}' is not an e-mail address.", i
                )
            )
    return problems
