"""The case file is made of panels, one per section, each declared by the app
that owns its records (this app: particulars, legal cases, consents, notes;
the centers app: stays and center life; reintegration: plan and follow-ups).

A panel names the section a user must read to see it, a template, and a
function that loads what the template shows. The case file view renders the
panels the user may read, in order; it imports none of the apps that declare
them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smf.staff import sections


@dataclass(frozen=True)
class CasePanel:
    key: str  # the HTML id of the panel, and its anchor in the section menu
    label: str
    sections: tuple[str, ...]  # the panel shows if the user reads any of them
    template: str
    order: int
    # context(request, case) -> what the template needs besides `case`.
    context: Callable[[object, object], dict] = lambda request, case: {}


_PANELS: dict[str, CasePanel] = {}


def register(panel: CasePanel) -> CasePanel:
    _PANELS[panel.key] = panel
    return panel


def panels_for(user) -> list[CasePanel]:
    """The panels this user may read, in their order."""
    return [
        panel
        for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key))
        if any(sections.can_read(user, key) for key in panel.sections)
    ]
