"""The published figures counted from the outreach team's, the clinic's and
advocacy's records, and the money directed to partners (smf.core.figures).

The report reads the outreach and clinic totals from the yearly totals the
database keeps (reports.rollups); these are the records behind them.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from smf.core.figures import COUNT, MONEY, Distinct, Figure, Rows, Total, declare, in_year

from .models import ClinicVisit, Disbursement, Event, Meeting, OutreachVisit


def visits_in(year: int):
    return OutreachVisit.objects.filter(in_year(year, "visited_on"))


def clinic_visits_in(year: int):
    return ClinicVisit.objects.filter(in_year(year, "visited_on"))


def meetings_in(year: int):
    return Meeting.objects.filter(in_year(year, "held_on"))


# Dates first: the records are listed by date by default (an index).
VISIT_COLUMNS = (
    ("visited_on", "visited_on"),
    ("venue_code", "venue__code"),
    ("contacts", "contacts"),
    ("clients_educated", "clients_educated"),
    ("condoms", "condoms"),
    ("soaps", "soaps"),
)
CLINIC_COLUMNS = (
    ("visited_on", "visited_on"),
    ("client_code", "client_code"),
    ("service", "service"),
    ("std_test", "std_test"),
    ("enrolled_case_code", "enrolled_case__code"),
)
MEETING_COLUMNS = (
    ("held_on", "held_on"),
    ("counterpart", "counterpart"),
    ("agreement_reached", "agreement_reached"),
)


def _organisation_wide(records, user):
    """Money directed to partner organisations names no one: whoever reads
    the report reads its records."""
    return records


declare(
    Figure(
        "outreach.contacts",
        _("Points of contact made by outreach workers"),
        "outreach",
        COUNT,
        visits_in,
        Total("contacts"),
        VISIT_COLUMNS,
    ),
    Figure(
        "outreach.venues_visited",
        _("Entertainment venues visited"),
        "outreach",
        COUNT,
        visits_in,
        Distinct("venue_code"),
        VISIT_COLUMNS,
        counts_people=False,
    ),
    Figure(
        "outreach.clients_educated",
        _("Buyers and clients educated"),
        "outreach",
        COUNT,
        visits_in,
        Total("clients_educated"),
        VISIT_COLUMNS,
    ),
    Figure(
        "supplies.condoms",
        _("Condoms distributed"),
        "outreach",
        COUNT,
        visits_in,
        Total("condoms"),
        VISIT_COLUMNS,
        counts_people=False,
    ),
    Figure(
        "supplies.soaps",
        _("Soaps distributed"),
        "outreach",
        COUNT,
        visits_in,
        Total("soaps"),
        VISIT_COLUMNS,
        counts_people=False,
    ),
    Figure(
        "advocacy.meetings",
        _("Meetings with ministries and NGOs"),
        "outreach",
        COUNT,
        meetings_in,
        Rows(),
        MEETING_COLUMNS,
        counts_people=False,
    ),
    Figure(
        "advocacy.agreements",
        _("Agreements reached"),
        "outreach",
        COUNT,
        lambda year: meetings_in(year).filter(agreement_reached=True),
        Rows(),
        MEETING_COLUMNS,
        counts_people=False,
    ),
    Figure(
        "advocacy.event_participants",
        _("Participants in community events"),
        "outreach",
        COUNT,
        lambda year: Event.objects.filter(in_year(year, "held_on")),
        Total("participants"),
        (("held_on", "held_on"), ("participants", "participants")),
    ),
    Figure(
        "clinic.consultations",
        _("Free consultations, treatments and counselling"),
        "clinic",
        COUNT,
        clinic_visits_in,
        Rows(),
        CLINIC_COLUMNS,
    ),
    Figure(
        "clinic.clients",
        _("Women and girls who visited the clinic"),
        "clinic",
        COUNT,
        clinic_visits_in,
        Distinct("client_code"),
        CLINIC_COLUMNS,
    ),
    Figure(
        "clinic.std_tests",
        _("STD tests"),
        "clinic",
        COUNT,
        lambda year: clinic_visits_in(year).filter(std_test=True),
        Rows(),
        CLINIC_COLUMNS,
    ),
    Figure(
        "clinic.exits_to_shelter",
        _("Clinic clients who enrolled in a center"),
        "clinic",
        COUNT,
        lambda year: clinic_visits_in(year).filter(enrolled_case__isnull=False),
        Distinct("client_code"),
        CLINIC_COLUMNS,
    ),
    Figure(
        "funding.directed_usd",
        _("Directed to victim service providers"),
        "funding",
        MONEY,
        lambda year: Disbursement.objects.filter(in_year(year, "given_on")),
        Total("amount_usd", usd=True),
        (
            ("given_on", "given_on"),
            ("region", "region"),
            ("recipient", "recipient"),
            ("amount_usd", "amount_usd"),
        ),
        counts_people=False,
        usd=True,
        scope=_organisation_wide,
    ),
)
