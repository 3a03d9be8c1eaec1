"""A small world for the security tests: one record of every kind a URL takes,
with sentinel names that must never show up where they should not.

Cases (all with a stay, so each belongs to a center):
- td: resident of Tom Dy, no legal case, no reintegration;
- sr: resident of Siem Reap;
- td_legal: resident of Tom Dy with a legal case (the legal officer sees it too);
- td_reint: reintegrated from Tom Dy, with a pending follow-up visit.

The reintegration officer belongs to a reintegration team that serves Tom Dy,
so she sees the three Tom Dy cases (not the Siem Reap one).

Notes (NOTES: who may read each is written out in test_every_url.NOTE_READERS):
- td: a counselling note, and a restricted counselling note by the Tom Dy
  social worker (only she and center managers read it);
- td_legal: a legal note (the legal officer reads it) and a counselling note
  (she does not).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from cases.models import CaseNote, Consent
from outreach.models import ClinicClient, SupplyItem
from reintegration.models import FollowUpVisit, TeamCenter
from reports.models import ImpactReport
from shelters.models import GroupActivity, Stay
from smf.core.sealed import seal_file
from smf.imports.models import ImportJob
from smf.staff.models import Team
from tests import factories

PERSONAS = (
    "social_worker_tom_dy",
    "social_worker_siem_reap",
    "center_manager_tom_dy",
    "reintegration_officer",
    "outreach_worker",
    "legal_officer",
    "director",
    "administrator",
    "no_role_user",
)

# Sentinels: names and free text that must never leave through the wrong door.
NAME = {
    "td": ("ZZTOMDYGIVEN", "ZZTOMDYFAMILY"),
    "sr": ("ZZSIEMREAPGIVEN", "ZZSIEMREAPFAMILY"),
    "td_legal": ("ZZLEGALGIVEN", "ZZLEGALFAMILY"),
    "td_reint": ("ZZREINTGIVEN", "ZZREINTFAMILY"),
}
NOTE_TEXT = "ZZSENTINELNOTE"
# key: (case key, kind, confidentiality, author persona or None, text)
NOTES = {
    "td_counselling": ("td", "counselling", "normal", None, NOTE_TEXT),
    "td_restricted": (
        "td",
        "counselling",
        "restricted",
        "social_worker_tom_dy",
        "ZZRESTRICTEDNOTE",
    ),
    "td_legal_legal": ("td_legal", "legal", "normal", None, "ZZLEGALNOTETEXT"),
    "td_legal_counselling": ("td_legal", "counselling", "normal", None, "ZZCOUNSELLINGNOTE"),
}
NOTE_TEXTS = tuple(note[4] for note in NOTES.values())
PHONE = "ZZPHONE-012345678"
ADDRESS = "ZZADDRESS Street 271"


@dataclass
class World:
    users: dict
    cases: dict
    legal_case: object
    followup: object
    education: object
    training: object
    internship: object
    activity: object
    consent: object
    venue: object
    supply_item: object
    clinic_code: str
    report: object
    import_job: object
    team: object = None
    notes: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


@pytest.fixture
def world(
    request,
    settings,
    tmp_path,
    tom_dy,
    siem_reap,
    social_worker_tom_dy,
    social_worker_siem_reap,
    center_manager_tom_dy,
    reintegration_officer,
    outreach_worker,
    legal_officer,
    director,
    administrator,
    no_role_user,
) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    users = {name: request.getfixturevalue(name) for name in PERSONAS}
    codes = {
        "td": "TD-2011-0001",
        "sr": "SR-2011-0001",
        "td_legal": "TD-2011-0002",
        "td_reint": "TD-2011-0003",
    }
    cases = {}
    for key, code in codes.items():
        given, family = NAME[key]
        cases[key] = factories.case(
            code, given_name=given, family_name=family, phone=PHONE, address=ADDRESS
        )
    factories.stay(cases["td"], tom_dy)
    factories.stay(cases["sr"], siem_reap)
    factories.stay(cases["td_legal"], tom_dy)
    factories.stay(
        cases["td_reint"],
        tom_dy,
        left_on=date(2012, 1, 1),
        exit_reason=Stay.ExitReason.REINTEGRATED,
    )
    legal_case = factories.legal_case(cases["td_legal"], reference="PP-CRIM-2011/77")
    followup = factories.followup(
        cases["td_reint"], due_on=date(2030, 1, 1), visited_on=None, outcome=""
    )
    assert isinstance(followup, FollowUpVisit)
    # The reintegration officer's team serves Tom Dy.
    team = Team.objects.create(
        code="reint-pp", name="Reintegration Phnom Penh", kind="reintegration"
    )
    TeamCenter.objects.create(team=team, center=tom_dy)
    reintegration_officer.staff_profile.teams.add(team)
    notes = {
        key: CaseNote.objects.create(
            case=cases[case_key],
            kind=kind,
            confidentiality=confidentiality,
            author=users[author] if author else None,
            written_on=date(2011, 3, 1),
            text=text,
        )
        for key, (case_key, kind, confidentiality, author, text) in NOTES.items()
    }
    consent = Consent.objects.create(
        case=cases["td"], purpose=Consent.Purpose.values[0], given_on=date(2011, 1, 10)
    )
    activity = GroupActivity.objects.create(
        center=tom_dy,
        kind=GroupActivity.Kind.values[0],
        title="Sewing circle",
        held_on=date(2011, 5, 1),
    )
    activity.participants.add(cases["td"])
    report = ImpactReport.objects.create(
        year=2011,
        status=ImpactReport.Status.DONE,
        figures={"figures": {"followup.survivors": 1}, "previous": {}, "breakdowns": {}},
        finished_at=timezone.now(),
    )
    report.file.save("r.pdf", ContentFile(b"%PDF-1.7 test"))
    job = ImportJob.objects.create(uploaded_by=administrator, status=ImportJob.Status.INVALID)
    job.archive = f"imports/{job.uuid}.sealed"
    job.save(update_fields=["archive"])
    seal_file(io.BytesIO(b"PK\x05\x06" + b"\0" * 18), Path(settings.MEDIA_ROOT) / job.archive)
    ClinicClient.objects.create(code="C-0042")
    factories.clinic_visit("C-0042")
    return World(
        users=users,
        cases=cases,
        legal_case=legal_case,
        followup=followup,
        education=factories.education(cases["td"]),
        training=factories.training(cases["td"]),
        internship=factories.internship(cases["td"]),
        activity=activity,
        consent=consent,
        venue=factories.venue("V-PP-01"),
        supply_item=SupplyItem.objects.create(code="gloves", name="Gloves"),
        clinic_code="C-0042",
        report=report,
        import_job=job,
        team=team,
        notes=notes,
    )
