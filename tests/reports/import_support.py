"""CSV folders for the import tests, built in code so each test shows its rows."""

from __future__ import annotations

import io
import zipfile

from smf.imports.models import ImportedFile
from smf.imports.spec import files as declared_files
from smf.staff.models import AuditLog


def csv_bytes(header: str, *rows: str, bom: bool = False) -> bytes:
    text = "\n".join((header, *rows)) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def zip_bytes(files: dict[str, bytes], folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"{folder}{name}", data)
    return buffer.getvalue()


def row_counts() -> dict[str, int]:
    """How many rows every table an import writes holds."""
    counts = {spec.filename: spec.model.objects.count() for spec in declared_files()}
    counts["imported files"] = ImportedFile.objects.count()
    counts["audit log"] = AuditLog.objects.count()
    return counts


def organisation_folder() -> dict[str, bytes]:
    """A small organisation with the edge cases the figure rules care about.

    Cases: A has two stays (a transfer on 2011-01-15, reintegrated 2012-03-01);
    B is still in the center; C's stay spans New Year (2011-12-20 to
    2012-01-10); D left before 2011 (reintegrated 2010-12-31) and is followed
    up in 2011; E came through the clinic. Client K1 visits the clinic three
    times.
    """
    return {
        "shelters.csv": csv_bytes(
            "code,name,province,capacity",
            "TD,Tom Dy,Phnom Penh,120",
            "SR,Siem Reap,Siem Reap,",
        ),
        # Columns in another order than the spec's, and a byte order mark.
        "cases.csv": csv_bytes(
            "intake_date,case_code,family_name,given_name,sex,birth_year,nationality,"
            "referral_source,exploitation_type",
            "2010-10-30,A,Mom,Srey,female,1994,Cambodian,rescue,sexual",
            "2011-05-30,B,Chan,Dara,female,,Cambodian,outreach,labour",
            "2011-12-19,C,Kim,Lina,female,1996,Vietnamese,police,",
            "2008-12-20,D,Sok,Chenda,female,1990,Cambodian,hotline,sexual",
            "2011-02-28,E,Ly,Bopha,female,1998,Cambodian,clinic,sexual",
            bom=True,
        ),
        "stays.csv": csv_bytes(
            "case_code,shelter_code,admitted_on,left_on,exit_reason",
            "A,TD,2010-11-01,2011-01-15,transferred",
            "A,SR,2011-01-15,2012-03-01,reintegrated",
            "B,TD,2011-06-01,,",
            "C,SR,2011-12-20,2012-01-10,reintegrated",
            "D,TD,2009-01-01,2010-12-31,reintegrated",
        ),
        "education.csv": csv_bytes(
            "case_code,course,started_on,ended_on",
            "A,basic,2011-02-01,2011-06-30",
            "B,literacy,2011-07-01,",
            "D,english,2010-01-01,2010-06-01",
        ),
        "vocational_training.csv": csv_bytes(
            "case_code,trade,started_on,completed_on,certified_on",
            "A,sewing,2011-03-01,2011-12-01,2012-01-15",
            "C,salon,2012-01-01,,",
        ),
        "internships.csv": csv_bytes(
            "case_code,employer,started_on,ended_on",
            "A,Riverside Hotel,2011-12-05,",
        ),
        "reintegration_support.csv": csv_bytes(
            "case_code,kind,given_on,value_usd",
            "A,startup_kit,2012-03-05,700.00",
            "C,startup_kit,2012-01-20,500.50",
            "C,microgrant,2012-02-01,200",
        ),
        "followups.csv": csv_bytes(
            "case_code,due_on,visited_on,visitor_role,outcome",
            "D,,2011-03-01,social_worker,stable",
            "D,2011-09-01,2011-09-03,psychologist,needs_support",
            "A,2012-06-01,,,",
        ),
        "legal_cases.csv": csv_bytes(
            "reference,case_code,opened_on,outcome,closed_on",
            "PP-1,A,2011-01-01,conviction,2011-10-01",
            "PP-2,,2011-03-01,pending,",
        ),
        "venues.csv": csv_bytes(
            "code,name,kind,province",
            "V1,Golden Karaoke,karaoke,Phnom Penh",
            "V2,Street 51,street,Phnom Penh",
        ),
        "outreach_visits.csv": csv_bytes(
            "venue_code,visited_on,contacts,clients_educated,condoms,soaps",
            "V1,2011-03-01,10,2,100,5",
            "V1,2011-04-01,20,0,250,",
            "V2,2010-12-31,1000,50,9000,90",
        ),
        "clinic_visits.csv": csv_bytes(
            "client_code,visited_on,service,std_test,enrolled_case_code",
            "K1,2011-01-05,consultation,yes,",
            "K1,2011-02-05,treatment,no,",
            "K1,2011-03-01,counselling,yes,E",
            "K2,2011-05-01,consultation,,",
            "K3,2012-01-01,consultation,yes,",
        ),
        "meetings.csv": csv_bytes(
            "held_on,counterpart,title,agreement_reached",
            "2011-02-01,government,Referral protocol,yes",
            "2011-05-01,ngo,Coordination,no",
            "2012-01-01,police,Raids,yes",
        ),
        "events.csv": csv_bytes(
            "held_on,title,participants",
            "2011-12-10,Anti-Trafficking Day,300",
            "2012-01-05,Village talk,50",
        ),
        "disbursements.csv": csv_bytes(
            "given_on,recipient,region,amount_usd",
            "2011-08-01,Partner shelter,southeast_asia,1000.50",
            "2011-09-01,Haiti partner,haiti,2000.25",
        ),
    }


def scaled_folder(n: int) -> dict[str, bytes]:
    """n rows in every one of the 15 files, all valid and linked."""
    cases = [f"Q{i:05d}" for i in range(n)]
    day = [f"2011-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)]
    rows = {
        "shelters.csv": ("code,name", [f"S{i},Center {i}" for i in range(n)]),
        "cases.csv": (
            "case_code,given_name,family_name,intake_date,sex",
            [f"{c},Given{i},Family{i},{day[i]},female" for i, c in enumerate(cases)],
        ),
        "venues.csv": ("code,name,kind", [f"V{i},Venue {i},karaoke" for i in range(n)]),
        "stays.csv": (
            "case_code,shelter_code,admitted_on,left_on,exit_reason",
            [f"{c},S{i},{day[i]},," for i, c in enumerate(cases)],
        ),
        "education.csv": (
            "case_code,course,started_on",
            [f"{c},basic,{day[i]}" for i, c in enumerate(cases)],
        ),
        "vocational_training.csv": (
            "case_code,trade,started_on",
            [f"{c},sewing,{day[i]}" for i, c in enumerate(cases)],
        ),
        "internships.csv": (
            "case_code,employer,started_on",
            [f"{c},Hotel,{day[i]}" for i, c in enumerate(cases)],
        ),
        "reintegration_support.csv": (
            "case_code,kind,given_on,value_usd",
            [f"{c},startup_kit,{day[i]},700" for i, c in enumerate(cases)],
        ),
        "followups.csv": ("case_code,visited_on", [f"{c},{day[i]}" for i, c in enumerate(cases)]),
        "legal_cases.csv": (
            "reference,case_code,outcome",
            [f"L{i},{c},pending" for i, c in enumerate(cases)],
        ),
        "outreach_visits.csv": (
            "venue_code,visited_on,contacts",
            [f"V{i},{day[i]},{i}" for i in range(n)],
        ),
        "clinic_visits.csv": (
            "client_code,visited_on,service,enrolled_case_code",
            [f"K{i % 7},{day[i]},consultation,{cases[i]}" for i in range(n)],
        ),
        "meetings.csv": ("held_on,counterpart,title", [f"{day[i]},ngo,M{i}" for i in range(n)]),
        "events.csv": ("held_on,title,participants", [f"{day[i]},E{i},{i}" for i in range(n)]),
        "disbursements.csv": (
            "given_on,recipient,region,amount_usd",
            [f"{day[i]},R{i},us,{i}.50" for i in range(n)],
        ),
    }
    return {name: csv_bytes(header, *lines) for name, (header, lines) in rows.items()}
