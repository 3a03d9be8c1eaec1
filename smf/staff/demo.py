"""The demo's staff: its teams and one login per role (smf/core/demo.py seeds them).

Which center a login works at is the centers' business (shelters/demo.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User

from .models import Team
from .roles import Role
from .services import staff_create

TEAMS = (
    # code, name, kind
    ("center-td", "Tom Dy center staff", Team.Kind.CENTER),
    ("center-kc", "Kampong Cham center staff", Team.Kind.CENTER),
    ("center-sr", "Siem Reap center staff", Team.Kind.CENTER),
    ("reintegration", "Reintegration team", Team.Kind.REINTEGRATION),
    ("outreach", "Outreach team", Team.Kind.OUTREACH),
    ("clinic", "Free clinic", Team.Kind.CLINIC),
    ("legal", "Legal team", Team.Kind.LEGAL),
    ("advocacy", "Advocacy", Team.Kind.ADVOCACY),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    first_name: str
    teams: tuple[str, ...] = ()
    can: str = ""


DEMO_LOGINS = (
    DemoLogin(
        "sw.tomdy",
        Role.SOCIAL_WORKER,
        "Sokha",
        ("center-td",),
        "cases of Tom Dy: register, admit, classes, trainings",
    ),
    DemoLogin(
        "sw.siemreap", Role.SOCIAL_WORKER, "Chenda", ("center-sr",), "cases of Siem Reap only"
    ),
    DemoLogin(
        "manager.tomdy",
        Role.CENTER_MANAGER,
        "Bopha",
        ("center-td",),
        "as a social worker, and manages the Tom Dy center",
    ),
    DemoLogin(
        "reintegration",
        Role.REINTEGRATION_OFFICER,
        "Dara",
        ("reintegration",),
        "leads the reintegration team serving every center: plans, start-up kits, visits",
    ),
    DemoLogin(
        "outreach",
        Role.OUTREACH_WORKER,
        "Phalla",
        ("outreach", "clinic", "advocacy"),
        "venues, outreach and clinic visits, meetings, events; no cases",
    ),
    DemoLogin(
        "legal", Role.LEGAL_OFFICER, "Vanna", ("legal",), "legal cases, hearings, legal notes"
    ),
    DemoLogin(
        "director", Role.DIRECTOR, "Somaly", (), "reads every case, impact report, audit log"
    ),
    DemoLogin("admin", Role.ADMINISTRATOR, "Admin", (), "accounts, imports, settings; reads cases"),
)


def demo_teams_sync() -> dict[str, Team]:
    """Create or update the demo's teams; by code."""
    teams = {}
    for code, name, kind in TEAMS:
        teams[code], _ = Team.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind}
        )
    return teams


def demo_login_sync(login: DemoLogin, *, password: str, teams: dict[str, Team]) -> User:
    """Create or update one demo login, with its role and teams."""
    return staff_create(
        username=login.username,
        password=password,
        roles=[login.role],
        teams=[teams[t] for t in login.teams],
        first_name=login.first_name,
        email=f"{login.username}@demo.invalid",
    )
