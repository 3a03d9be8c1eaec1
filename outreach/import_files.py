"""The files of the bulk import that hold venues, outreach, the clinic, partners
and funding disbursements."""

from __future__ import annotations

from smf.imports.spec import Column, FileSpec, declare

from .models import ClinicVisit, Disbursement, Event, Meeting, OutreachVisit, Venue

declare(
    FileSpec(
        "venues.csv",
        Venue,
        (Column("code"), Column("name"), Column("kind"), Column("province")),
        key=("code",),
        key_lookups=("code",),
        provides="venue",
    ),
    FileSpec(
        "outreach_visits.csv",
        OutreachVisit,
        (
            Column("venue_code", "venue", ref="venue"),
            Column("visited_on"),
            Column("contacts"),
            Column("clients_educated"),
            Column("condoms"),
            Column("soaps"),
        ),
    ),
    FileSpec(
        "clinic_visits.csv",
        ClinicVisit,
        (
            Column("client_code"),
            Column("visited_on"),
            Column("service"),
            Column("std_test"),
            Column("enrolled_case_code", "enrolled_case", ref="case"),
        ),
    ),
    FileSpec(
        "meetings.csv",
        Meeting,
        (
            Column("held_on"),
            Column("counterpart"),
            Column("title"),
            Column("agreement_reached"),
        ),
    ),
    FileSpec(
        "events.csv",
        Event,
        (Column("held_on"), Column("title"), Column("participants")),
    ),
    # Last, where it stood when the reports app declared it.
    FileSpec(
        "disbursements.csv",
        Disbursement,
        (Column("given_on"), Column("recipient"), Column("region"), Column("amount_usd")),
    ),
)
