"""Small factories: plain functions with sensible defaults, keyword overrides."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from cases.models import Case, LegalCase
from cases.services import case_set_names
from outreach.models import ClinicVisit, Disbursement, Event, Meeting, OutreachVisit, Venue
from reintegration.models import FollowUpVisit, ReintegrationSupport
from shelters.models import EducationRecord, Internship, Shelter, Stay, VocationalTraining
from shelters.services import center_staff_set
from smf.staff.services import staff_create

_seq = itertools.count(1)


def shelter(code: str | None = None, **kw) -> Shelter:
    n = next(_seq)
    code = code or f"S{n}"
    defaults = {"name": f"Center {code}", "province": "Phnom Penh", "capacity": 50}
    defaults.update(kw)
    obj, _ = Shelter.objects.get_or_create(code=code, defaults=defaults)
    return obj


def case(
    code: str | None = None, *, given_name: str = "Srey", family_name: str = "Mom", **kw
) -> Case:
    n = next(_seq)
    fields = {
        "code": code or f"TST-{n:05d}",
        "intake_date": date(2011, 1, 10),
        "sex": Case.Sex.FEMALE,
        "birth_year": 1995,
        "nationality": "Cambodian",
        "referral_source": Case.ReferralSource.RESCUE,
        "exploitation_type": Case.ExploitationType.SEXUAL,
    }
    fields.update(kw)
    obj = Case(**fields)
    case_set_names(obj, given_name=given_name, family_name=family_name)
    obj.save()
    return obj


def stay(
    case_obj: Case | None = None,
    shelter_obj: Shelter | None = None,
    *,
    admitted_on=date(2011, 2, 1),
    left_on=None,
    exit_reason="",
    **kw,
) -> Stay:
    if left_on and not exit_reason:
        exit_reason = Stay.ExitReason.REINTEGRATED
    return Stay.objects.create(
        case=case_obj or case(),
        shelter=shelter_obj or shelter("TD", name="Tom Dy"),
        admitted_on=admitted_on,
        left_on=left_on,
        exit_reason=exit_reason,
        **kw,
    )


def education(case_obj, *, course="basic", started_on=date(2011, 3, 1), ended_on=None):
    return EducationRecord.objects.create(
        case=case_obj, course=course, started_on=started_on, ended_on=ended_on
    )


def training(
    case_obj, *, trade="sewing", started_on=date(2011, 3, 1), completed_on=None, certified_on=None
):
    return VocationalTraining.objects.create(
        case=case_obj,
        trade=trade,
        started_on=started_on,
        completed_on=completed_on,
        certified_on=certified_on,
    )


def internship(case_obj, *, employer="Hotel", started_on=date(2011, 6, 1), ended_on=None):
    return Internship.objects.create(
        case=case_obj, employer=employer, started_on=started_on, ended_on=ended_on
    )


def support(case_obj, *, kind="startup_kit", given_on=date(2011, 7, 1), value_usd="700.00"):
    return ReintegrationSupport.objects.create(
        case=case_obj,
        kind=kind,
        given_on=given_on,
        value_usd=Decimal(value_usd) if value_usd is not None else None,
    )


def followup(
    case_obj,
    *,
    due_on=None,
    visited_on=date(2011, 9, 1),
    visitor_role="social_worker",
    outcome="stable",
    **kw,
):
    return FollowUpVisit.objects.create(
        case=case_obj,
        due_on=due_on,
        visited_on=visited_on,
        visitor_role=visitor_role,
        outcome=outcome if visited_on else "",
        **kw,
    )


def legal_case(
    case_obj=None, *, reference=None, opened_on=date(2010, 5, 1), outcome="pending", closed_on=None
):
    return LegalCase.objects.create(
        reference=reference or f"LC-{next(_seq)}",
        case=case_obj,
        opened_on=opened_on,
        outcome=outcome,
        closed_on=closed_on,
    )


def venue(code=None, **kw):
    n = next(_seq)
    defaults = {"name": f"Venue {n}", "kind": Venue.Kind.KARAOKE, "province": "Phnom Penh"}
    defaults.update(kw)
    obj, _ = Venue.objects.get_or_create(code=code or f"V{n}", defaults=defaults)
    return obj


def outreach_visit(
    venue_obj=None,
    *,
    visited_on=date(2011, 4, 1),
    contacts=10,
    clients_educated=1,
    condoms=100,
    soaps=5,
):
    return OutreachVisit.objects.create(
        venue=venue_obj or venue(),
        visited_on=visited_on,
        contacts=contacts,
        clients_educated=clients_educated,
        condoms=condoms,
        soaps=soaps,
    )


def clinic_visit(
    client_code="C-0001",
    *,
    visited_on=date(2011, 4, 1),
    service="consultation",
    std_test=False,
    enrolled_case=None,
):
    return ClinicVisit.objects.create(
        client_code=client_code,
        visited_on=visited_on,
        service=service,
        std_test=std_test,
        enrolled_case=enrolled_case,
    )


def meeting(
    *, held_on=date(2011, 5, 1), counterpart="government", title="Meeting", agreement_reached=False
):
    return Meeting.objects.create(
        held_on=held_on,
        counterpart=counterpart,
        title=title,
        agreement_reached=agreement_reached,
    )


def event(*, held_on=date(2011, 12, 10), title="Anti-Trafficking Day", participants=100):
    return Event.objects.create(held_on=held_on, title=title, participants=participants)


def disbursement(
    *, given_on=date(2011, 8, 1), recipient="AFESIP", region="southeast_asia", amount_usd="1000.00"
):
    return Disbursement.objects.create(
        given_on=given_on, recipient=recipient, region=region, amount_usd=Decimal(amount_usd)
    )


def staff_member(*, username: str, password: str, roles, centers=(), teams=(), **kw):
    """A staff account with its roles, teams and the centers she works at."""
    user = staff_create(username=username, password=password, roles=roles, teams=teams, **kw)
    center_staff_set(user=user, centers=centers)
    return user
