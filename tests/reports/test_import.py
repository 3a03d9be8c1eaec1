"""The bulk import service: figures from imported rows, updates, refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from cases.models import Case, LegalCase
from outreach.models import ClinicVisit
from reports.selectors import figures_for_year
from shelters.models import Stay
from smf.imports.archive import ImportRejected, files_from_folder, files_from_path, files_from_zip
from smf.imports.validate import records_validate
from smf.imports.write import records_import
from tests import factories
from tests.reports.import_support import csv_bytes, organisation_folder, row_counts, zip_bytes

pytestmark = pytest.mark.django_db

# The figures the spec's rules give for organisation_folder(), worked out by
# hand from its rows (see the docstring there), one comment per figure.
EXPECTED_2011 = {
    "outreach.contacts": 30,  # V1 10 + 20; V2's visit is on 2010-12-31
    "outreach.venues_visited": 1,  # V1 only
    "outreach.clients_educated": 2,
    "supplies.condoms": 350,
    "supplies.soaps": 5,  # the empty cell counts as 0
    "clinic.consultations": 4,  # K1 three times, K2 once
    "clinic.clients": 2,  # K1, K2
    "clinic.std_tests": 2,  # K1 twice; K2's empty cell is "no"
    "clinic.exits_to_shelter": 1,  # K1 enrolled as case E
    "advocacy.meetings": 2,
    "advocacy.agreements": 1,
    "advocacy.event_participants": 300,
    "shelter.residents": 3,  # A (two stays, counted once), B (open), C (from 2011-12-20)
    "shelter.education_pct": 67,  # A and B of 3: 66.7 rounds to 67
    "training.trainees": 1,  # A; C starts in 2012
    "training.completed": 1,
    "training.certified": 0,  # A is certified in 2012
    "training.internships_started": 1,
    "reintegration.reintegrated": 0,  # A's 2011 exit was a transfer
    "reintegration.supported": 0,
    "reintegration.startup_kits": 0,
    "reintegration.startup_kit_avg_usd": Decimal("0.00"),
    "followup.visits": 2,  # D twice; A's 2012 visit is not made
    "followup.survivors": 1,
    "followup.cohort_followed": 1,  # D, reintegrated in 2010
    "legal.convictions": 1,
    "funding.directed_usd": Decimal("3000.75"),
}
EXPECTED_2012 = {
    "shelter.residents": 3,  # A (until 2012-03-01), B (open), C (until 2012-01-10)
    "shelter.education_pct": 33,  # B only: 1 of 3
    "training.trainees": 1,  # C; A completed in 2011
    "training.certified": 1,
    "reintegration.reintegrated": 2,  # A and C
    "reintegration.supported": 2,
    "reintegration.startup_kits": 2,
    "reintegration.startup_kit_avg_usd": Decimal("600.25"),  # (700 + 500.50) / 2
    "clinic.consultations": 1,
    "clinic.clients": 1,
    "advocacy.event_participants": 50,
    "followup.visits": 0,
}


def test_full_folder_imports_and_figures_follow_the_spec_rules(administrator):
    result = records_import(files=organisation_folder(), user=administrator)

    assert result.counts["cases.csv"] == {"created": 5, "updated": 0, "appended": 0}
    assert result.counts["clinic_visits.csv"] == {"created": 0, "updated": 0, "appended": 5}
    figures = figures_for_year(2011)
    assert {key: figures[key] for key in EXPECTED_2011} == EXPECTED_2011
    figures = figures_for_year(2012)
    assert {key: figures[key] for key in EXPECTED_2012} == EXPECTED_2012


def test_import_links_records_by_natural_keys(administrator):
    records_import(files=organisation_folder(), user=administrator)

    a = Case.objects.get(code="A")
    assert [(s.shelter.code, s.exit_reason) for s in a.stays.order_by("admitted_on")] == [
        ("TD", "transferred"),
        ("SR", "reintegrated"),
    ]
    assert (
        ClinicVisit.objects.get(client_code="K1", visited_on="2011-03-01").enrolled_case.code == "E"
    )
    assert LegalCase.objects.get(reference="PP-2").case is None
    assert a.created_by == administrator


def test_names_are_stored_encrypted_with_their_blind_index():
    records_import(files=organisation_folder())

    assert list(Case.objects.find_by_name("srey", "mom").values_list("code", flat=True)) == ["A"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT given_name, family_name FROM cases_case WHERE code = 'A'")
        given, family = cursor.fetchone()
    assert "Srey" not in given and "Mom" not in family
    assert Case.objects.get(code="A").full_name == "Srey Mom"


def test_each_imported_case_is_in_the_audit_log_without_names(administrator):
    from smf.staff.models import AuditLog

    records_import(files=organisation_folder(), user=administrator)

    imported = AuditLog.objects.filter(action="case_imported")
    assert sorted(imported.values_list("case_code", flat=True)) == ["A", "B", "C", "D", "E"]
    assert "Srey" not in str(list(AuditLog.objects.values_list("details", flat=True)))


def test_reimport_of_keyed_rows_updates_instead_of_duplicating():
    records_import(files=organisation_folder())
    before = row_counts()

    result = records_import(
        files={
            "cases.csv": csv_bytes(
                "case_code,given_name,family_name,intake_date,nationality",
                "B,Dara,Chan-Sok,2011-05-30,Thai",
                "F,New,Person,2012-01-02,",
            ),
            # B's open stay ends; it is the same stay (case, center, admission date).
            "stays.csv": csv_bytes(
                "case_code,shelter_code,admitted_on,left_on,exit_reason",
                "B,TD,2011-06-01,2012-04-01,reintegrated",
            ),
            "shelters.csv": csv_bytes("code,name", "TD,Tom Dy Center"),
            "legal_cases.csv": csv_bytes(
                "reference,outcome,closed_on,opened_on", "PP-2,acquittal,2012-05-01,2011-03-01"
            ),
        }
    )

    assert result.counts == {
        "shelters.csv": {"created": 0, "updated": 1, "appended": 0},
        "cases.csv": {"created": 1, "updated": 1, "appended": 0},
        "stays.csv": {"created": 0, "updated": 1, "appended": 0},
        "legal_cases.csv": {"created": 0, "updated": 1, "appended": 0},
    }
    after = row_counts()
    assert after["cases.csv"] == before["cases.csv"] + 1
    assert after["stays.csv"] == before["stays.csv"]
    b = Case.objects.get(code="B")
    assert (b.nationality, b.full_name, b.version) == ("Thai", "Dara Chan-Sok", 2)
    assert b.referral_source == "outreach"  # a column absent from the file is left alone
    assert list(Case.objects.find_by_name("Dara", "Chan-Sok").values_list("code", flat=True)) == [
        "B"
    ]
    stay = Stay.objects.get(case=b)
    assert (str(stay.left_on), stay.exit_reason) == ("2012-04-01", "reintegrated")
    assert LegalCase.objects.get(reference="PP-2").outcome == "acquittal"
    assert figures_for_year(2012)["reintegration.reintegrated"] == 3


def test_same_file_twice_is_refused_and_no_figure_doubles():
    records_import(files=organisation_folder())
    figures = figures_for_year(2011)
    before = row_counts()

    with pytest.raises(ImportRejected) as refused:
        records_import(files={"events.csv": organisation_folder()["events.csv"]})

    assert len(refused.value.errors) == 1
    assert refused.value.errors[0].startswith("events.csv: this file was already imported")
    assert row_counts() == before
    assert figures_for_year(2011) == figures


def test_a_header_only_file_may_come_again():
    empty = {"events.csv": csv_bytes("held_on,title,participants")}
    records_import(files=empty)
    assert records_import(files=empty).counts == {
        "events.csv": {"created": 0, "updated": 0, "appended": 0}
    }


CASES_HEADER = "case_code,given_name,family_name,intake_date,sex"
STAYS_HEADER = "case_code,shelter_code,admitted_on,left_on,exit_reason"
BAD_INPUTS = [
    pytest.param(
        "cases.csv",
        csv_bytes(CASES_HEADER, "X1,A,B,2011-02-30,female"),
        "cases.csv:2: intake_date: '2011-02-30' is not a valid date",
        id="impossible date",
    ),
    pytest.param(
        "cases.csv",
        csv_bytes(CASES_HEADER, "X1,A,B,2011-02-3,female", "X2,A,B,02/03/2011,female"),
        "cases.csv:3: intake_date: '02/03/2011' is not a date in the form YYYY-MM-DD",
        id="date in another form",
    ),
    pytest.param(
        "cases.csv",
        csv_bytes(CASES_HEADER, "X1,A,B,2011-02-01,woman"),
        "cases.csv:2: sex: the value is not one of: female, male, other",
        id="unknown enum value",
    ),
    pytest.param(
        "cases.csv",
        csv_bytes(CASES_HEADER, "X1,A,B,,female"),
        "cases.csv:2: intake_date: a value is required",
        id="missing required value",
    ),
    pytest.param(
        "cases.csv",
        csv_bytes(CASES_HEADER + ",shoe_size", "X1,A,B,2011-02-01,female,38"),
        "cases.csv:1: shoe_size: unknown column (this file's columns: case_code, given_name, "
        "family_name, sex, birth_year, nationality, intake_date, referral_source, "
        "exploitation_type)",
        id="unknown column",
    ),
    pytest.param(
        "cases.csv",
        csv_bytes("case_code,given_name", "X1,A"),
        "cases.csv:1: intake_date: required column is missing",
        id="missing required column",
    ),
    pytest.param(
        "cases.csv",
        csv_bytes(CASES_HEADER, "X1,A,B,2011-02-01,female", "X1,C,D,2011-02-01,female"),
        "cases.csv:3: case_code: the same record as line 2",
        id="duplicate natural key",
    ),
    pytest.param(
        "cases.csv",
        csv_bytes(CASES_HEADER + ",birth_year", "X1,A,B,2011-02-01,female,1850"),
        "cases.csv:2: birth_year: 1850 is not a plausible year",
        id="implausible birth year",
    ),
    pytest.param(
        "stays.csv",
        csv_bytes(STAYS_HEADER, "NOBODY,TD,2011-01-01,,"),
        "stays.csv:2: case_code: 'NOBODY' matches no record (neither saved nor in cases.csv)",
        id="case code matching no case",
    ),
    pytest.param(
        "stays.csv",
        csv_bytes(STAYS_HEADER, "OLD,NOWHERE,2011-01-01,,"),
        "stays.csv:2: shelter_code: 'NOWHERE' matches no record (neither saved nor in "
        "shelters.csv)",
        id="center code matching no center",
    ),
    pytest.param(
        "stays.csv",
        csv_bytes(STAYS_HEADER, "OLD,TD,2011-05-01,2011-04-30,left"),
        "stays.csv:2: left_on: 2011-04-30 is before admitted_on 2011-05-01",
        id="left before admitted",
    ),
    pytest.param(
        "stays.csv",
        csv_bytes(STAYS_HEADER, "OLD,TD,2011-05-01,2011-06-30,"),
        "stays.csv:2: exit_reason: required when left_on is given",
        id="left without exit reason",
    ),
    pytest.param(
        "stays.csv",
        csv_bytes(STAYS_HEADER, "OLD,TD,2012-05-01,,"),
        "stays.csv:2: left_on: case OLD would have a second open stay (besides the stay "
        "admitted on 2011-02-01)",
        id="second open stay besides a saved one",
    ),
    pytest.param(
        "outreach_visits.csv",
        csv_bytes("venue_code,visited_on,contacts", "V9,2011-01-01,-4"),
        "outreach_visits.csv:2: contacts: -4 is negative",
        id="negative count",
    ),
    pytest.param(
        "outreach_visits.csv",
        csv_bytes("venue_code,visited_on,contacts", "V9,2011-01-01,1.5"),
        "outreach_visits.csv:2: contacts: '1.5' is not a whole number",
        id="count not a whole number",
    ),
    pytest.param(
        "clinic_visits.csv",
        csv_bytes("client_code,visited_on,service,std_test", "K,2011-01-01,consultation,maybe"),
        "clinic_visits.csv:2: std_test: the value is not yes or no",
        id="boolean not yes or no",
    ),
    pytest.param(
        "clinic_visits.csv",
        csv_bytes(
            "client_code,visited_on,service,enrolled_case_code", "K,2011-01-01,treatment,GHOST"
        ),
        "clinic_visits.csv:2: enrolled_case_code: 'GHOST' matches no record (neither saved "
        "nor in cases.csv)",
        id="enrolled case matching no case",
    ),
    pytest.param(
        "disbursements.csv",
        csv_bytes("given_on,recipient,region,amount_usd", "2011-01-01,P,us,-10.00"),
        "disbursements.csv:2: amount_usd: -10.00 is negative",
        id="negative amount",
    ),
    pytest.param(
        "disbursements.csv",
        csv_bytes("given_on,recipient,region,amount_usd", "2011-01-01,P,us,10.005"),
        "disbursements.csv:2: amount_usd: 10.005 has more than 2 decimals",
        id="amount with more than cents",
    ),
    pytest.param(
        "followups.csv",
        csv_bytes("case_code,due_on,visited_on", "OLD,,"),
        "followups.csv:2: due_on: give at least one of due_on, visited_on",
        id="follow-up neither due nor visited",
    ),
    pytest.param(
        "events.csv",
        csv_bytes("held_on,title,participants", "2011-01-01,Talk"),
        "events.csv:2: -: 2 cells, the header has 3",
        id="row with a missing cell",
    ),
    pytest.param(
        "events.csv",
        "held_on,title,participants\n2011-01-01,Caf\xe9,3\n".encode("latin-1"),
        "events.csv:2: -: not UTF-8 text (save the file as CSV UTF-8)",
        id="not UTF-8",
    ),
    pytest.param(
        "events.csv",
        b"",
        "events.csv: the file is empty (it needs at least a header row)",
        id="empty file",
    ),
]


@pytest.fixture
def saved_records():
    """A case OLD in Tom Dy since 2011-02-01, and a venue V9."""
    factories.stay(factories.case("OLD"), factories.shelter("TD"), admitted_on="2011-02-01")
    factories.venue("V9")


@pytest.mark.parametrize("filename,content,error", BAD_INPUTS)
def test_bad_input_is_reported_and_nothing_is_written(saved_records, filename, content, error):
    files = organisation_folder()
    files[filename] = content
    before = row_counts()

    with pytest.raises(ImportRejected) as refused:
        records_import(files=files)

    assert error in refused.value.errors
    assert row_counts() == before


def test_every_bad_row_of_every_file_is_reported_in_file_and_line_order(saved_records):
    files = organisation_folder()
    files["events.csv"] = csv_bytes(
        "held_on,title,participants", "2011-01-01,Fine,3", "2011-13-01,Bad,3", "", "2011-01-02,,x"
    )
    files["stays.csv"] = csv_bytes(
        STAYS_HEADER,
        "A,TD,2010-11-01,2011-01-15,transferred",
        '"B","T\nD",2011-06-01,,',  # a quoted cell over two lines: lines 3-4
        "Z,TD,2011-06-01,,",
    )
    before = row_counts()

    with pytest.raises(ImportRejected) as refused:
        records_import(files=files)

    assert refused.value.errors == [
        "stays.csv:3: shelter_code: 'T\\nD' matches no record (neither saved nor in shelters.csv)",
        "stays.csv:5: case_code: 'Z' matches no record (neither saved nor in cases.csv)",
        "events.csv:3: held_on: '2011-13-01' is not a valid date",
        "events.csv:5: title: a value is required",
        "events.csv:5: participants: the value is not a whole number",
    ]
    assert row_counts() == before


def test_two_open_stays_for_one_case_in_the_same_file_are_refused():
    files = organisation_folder()
    files["stays.csv"] = csv_bytes(STAYS_HEADER, "B,TD,2011-06-01,,", "B,SR,2011-07-01,,")

    with pytest.raises(ImportRejected) as refused:
        records_import(files=files)

    assert refused.value.errors == [
        "stays.csv:3: left_on: case B would have a second open stay (besides the stay on line 2)"
    ]


def test_closing_a_saved_open_stay_and_opening_the_next_is_accepted(saved_records):
    result = records_import(
        files={
            "stays.csv": csv_bytes(
                STAYS_HEADER, "OLD,TD,2011-02-01,2011-05-01,transferred", "OLD,TD,2011-05-01,,"
            )
        }
    )
    assert result.counts["stays.csv"] == {"created": 1, "updated": 1, "appended": 0}
    assert Stay.objects.filter(case__code="OLD", left_on__isnull=True).count() == 1


def test_unknown_file_name_is_refused():
    files = organisation_folder()
    files["case.csv"] = csv_bytes(CASES_HEADER)

    with pytest.raises(ImportRejected) as refused:
        records_import(files=files)

    assert refused.value.errors[0].startswith(
        "case.csv: unknown file name (the files of an import are: cases.csv, shelters.csv,"
    )
    assert row_counts()["cases.csv"] == 0


def test_dry_run_reports_the_counts_and_writes_nothing():
    before = row_counts()

    result = records_import(files=organisation_folder(), dry_run=True)

    assert result.dry_run
    assert result.counts["stays.csv"] == {"created": 5, "updated": 0, "appended": 0}
    assert result.rows == 43
    assert row_counts() == before
    # And a dry run does not mark the files as imported.
    records_import(files=organisation_folder())


def test_validate_returns_errors_without_raising():
    plan = records_validate(files={"events.csv": csv_bytes("held_on,title", "soon,Talk")})
    assert plan.errors == ["events.csv:2: held_on: the value is not a date in the form YYYY-MM-DD"]
    assert not plan.ok


def test_progress_is_reported_up_to_100():
    seen = []
    records_import(files=organisation_folder(), progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 100


def test_zip_with_nested_folders_is_read_by_file_name():
    files = organisation_folder()
    assert files_from_zip(zip_bytes(files, folder="export-2012/records/")) == files


@pytest.mark.parametrize("entry", ["../cases.csv", "/etc/cases.csv", "a/../../cases.csv"])
def test_zip_entry_escaping_the_archive_is_refused(entry):
    with pytest.raises(ImportRejected) as refused:
        files_from_zip(zip_bytes({entry: b"case_code\n"}))
    assert refused.value.errors == [f"{entry}: a path outside the archive is not allowed"]


def test_zip_with_two_files_of_the_same_name_is_refused():
    archive = zip_bytes({"a/events.csv": b"held_on\n", "b/events.csv": b"held_on\n"})
    with pytest.raises(ImportRejected) as refused:
        files_from_zip(archive)
    assert refused.value.errors == ["b/events.csv: a second file named events.csv"]


def test_not_a_zip_is_refused():
    with pytest.raises(ImportRejected, match="not a zip archive"):
        files_from_zip(b"cases.csv")


def test_folder_and_zip_paths_are_read(tmp_path):
    files = organisation_folder()
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / ".DS_Store").write_bytes(b"x")
    (tmp_path / "export.zip").write_bytes(zip_bytes(files))

    assert files_from_folder(tmp_path) == {
        **files,
        "export.zip": (tmp_path / "export.zip").read_bytes(),
    }
    assert files_from_path(tmp_path / "export.zip") == files
    with pytest.raises(ImportRejected, match="no such folder"):
        files_from_path(tmp_path / "missing")


def test_the_documented_example_folder_imports_cleanly():
    from django.conf import settings

    result = records_import(files=files_from_folder(settings.BASE_DIR / "docs" / "import-example"))
    assert set(result.counts) == {
        "shelters.csv",
        "cases.csv",
        "stays.csv",
        "education.csv",
        "vocational_training.csv",
        "internships.csv",
        "reintegration_support.csv",
        "followups.csv",
        "legal_cases.csv",
        "venues.csv",
        "outreach_visits.csv",
        "clinic_visits.csv",
        "meetings.csv",
        "events.csv",
        "disbursements.csv",
    }


def test_a_case_of_an_invalid_cases_row_is_not_reported_again_elsewhere(saved_records):
    files = {
        "cases.csv": csv_bytes(CASES_HEADER, "NEW,A,B,2011-02-31,female"),
        "stays.csv": csv_bytes(STAYS_HEADER, "NEW,TD,2011-03-01,,"),
    }

    with pytest.raises(ImportRejected) as refused:
        records_import(files=files)

    assert refused.value.errors == ["cases.csv:2: intake_date: '2011-02-31' is not a valid date"]
