"""Who may read or write what: sections, declared by the app that owns them.

A section is a part of the product's records (a case's consents, its center
life, the outreach records...). The app that owns it declares, once, which
roles read it and which write it; every view, form, export and admin page asks
here, and the "who may do what" page lists this very registry. The Django model
permissions each role's group carries (for the admin) follow from the same
declarations, so there is no second list to keep in step.

Which *rows* a user sees is a separate question, answered by each app's
QuerySet methods (`Case.objects.visible_to(user)`): a section level says what
she may do with the records she sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from django.utils.functional import Promise

from .roles import Role, roles_of


class Level(IntEnum):
    NONE = 0
    READ = 1
    WRITE = 2


R, W = Level.READ, Level.WRITE


@dataclass(frozen=True)
class Section:
    """One section: `levels` maps a role to READ or WRITE (absent: NONE).

    `models` are the "app_label.model" names whose Django permissions follow
    the level (READ: view; WRITE: view, add, change). Nothing grants delete.
    """

    key: str
    label: str | Promise
    area: str | Promise
    levels: Mapping[str, Level]
    models: tuple[str, ...] = ()
    description: str | Promise = ""
    order: int = 0

    def __post_init__(self):
        unknown = set(self.levels) - set(Role.ALL)
        if unknown:
            raise ValueError(f"section {self.key}: unknown roles {sorted(unknown)}")

    def level_for(self, roles) -> Level:
        return max((self.levels.get(role, Level.NONE) for role in roles), default=Level.NONE)


_SECTIONS: dict[str, Section] = {}


def declare(section: Section) -> Section:
    """Register a section; declaring the same key twice is a programming error."""
    if section.key in _SECTIONS and _SECTIONS[section.key] != section:
        raise ValueError(f"section {section.key} is declared twice")
    _SECTIONS[section.key] = section
    return section


def get(key: str) -> Section:
    try:
        return _SECTIONS[key]
    except KeyError:
        raise LookupError(f"no section {key!r} is declared") from None


def all_sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def level(user, key: str) -> Level:
    return get(key).level_for(roles_of(user))


def can_read(user, key: str) -> bool:
    return level(user, key) >= Level.READ


def can_write(user, key: str) -> bool:
    return level(user, key) >= Level.WRITE


def readable(user, keys) -> list[str]:
    """Of `keys`, those the user may read."""
    return [key for key in keys if can_read(user, key)]


def model_permissions(role: str) -> set[tuple[str, str]]:
    """(app_label, codename) of the Django permissions a role's group carries."""
    wanted: set[tuple[str, str]] = set()
    for section in _SECTIONS.values():
        granted = section.levels.get(role, Level.NONE)
        if granted == Level.NONE:
            continue
        actions = ("view",) if granted == Level.READ else ("view", "add", "change")
        for label in section.models:
            app_label, model = label.lower().split(".")
            wanted.update((app_label, f"{action}_{model}") for action in actions)
    return wanted


# The navigation: each app registers which of its menu entries a user sees
# (`nav.<key>` in templates); the views check again.
_NAV: dict[str, object] = {}


def register_nav(key: str, visible) -> None:
    """`visible(user) -> bool` decides whether the menu entry `key` shows."""
    _NAV[key] = visible


def nav_for(user) -> dict[str, bool]:
    return {key: bool(visible(user)) for key, visible in _NAV.items()}
