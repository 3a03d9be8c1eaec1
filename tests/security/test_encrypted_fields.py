"""What a database backup holds of the fields issue 12 found in clear: support
details, employers and institutions, internship employers, certificate numbers,
court references and courts, clinic results and treatments, cancel reasons,
and the activity titles and references that audit lines used to copy.

Each value is written through the product's services, then read back from the
raw columns with a cursor: the clear text must be nowhere."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import FieldError, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cases import services as case_services
from cases.forms import HearingForm
from cases.models import LegalCase
from outreach import services as outreach_services
from reintegration import services as reintegration_services
from reintegration.models import FollowUpVisit
from shelters import services as shelter_services
from smf.core.fields import PREFIX, decrypt, exact_index
from smf.staff.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db

EMPLOYER = "Sokha Garment Factory"
SUPPORT_EMPLOYER = "Raffles Le Royal"
INSTITUTION = "Royal University of Phnom Penh"
DETAILS = "Sewing machine, two bolts of fabric"
CERTIFICATE = "MoLVT-2026-118"
REFERENCE = "PP-CRIM-2026/77"
COURT = "Phnom Penh Municipal Court"
TREATMENT = "Azithromycin 1g"
STD_RESULT = "positive_treated"
CANCEL_REASON = "Moved to Battambang with her aunt"
TITLE = "Study tour to Kampot pepper farm"


def today():
    return timezone.localdate()


def raw(table: str, column: str, pk: int) -> str:
    """The column as the database holds it, read without the model field."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def written(social_worker_tom_dy, tom_dy):
    """Every listed field written once through its service; returns
    (model label, field, pk, clear value) for each."""
    user = social_worker_tom_dy
    case = factories.case()
    factories.stay(case, tom_dy)

    internship = shelter_services.internship_add(
        case=case, employer=EMPLOYER, started_on=today() - timedelta(days=30), user=user
    )
    training = shelter_services.training_enrol(
        case=case, trade="sewing", started_on=today() - timedelta(days=20), user=user
    )
    training = shelter_services.training_update(
        training=training,
        version=training.version,
        completed_on=today() - timedelta(days=2),
        certified_on=today(),
        certificate_number=CERTIFICATE,
        user=user,
    )
    support = reintegration_services.support_add(
        case=case,
        kind="tuition",
        given_on=today(),
        amount=Decimal("150.00"),
        details=DETAILS,
        employer=SUPPORT_EMPLOYER,
        institution=INSTITUTION,
        user=user,
    )
    visit = reintegration_services.followup_add(
        case=case, due_on=today() + timedelta(days=10), assigned_to=None, user=user
    )
    visit = reintegration_services.followup_cancel(
        visit=visit, reason=CANCEL_REASON, version=visit.version, user=user
    )
    legal_case = case_services.legal_case_open(
        case=case, reference=REFERENCE, opened_on=today() - timedelta(days=40), user=user
    )
    hearing = case_services.hearing_record(
        legal_case=legal_case,
        held_on=today() - timedelta(days=5),
        court=COURT,
        stage="trial",
        note="",
        user=user,
    )
    case_services.legal_case_set_outcome(
        legal_case=legal_case, outcome="conviction", closed_on=today(), user=user
    )
    clinic = outreach_services.clinic_visit_record(
        user=user,
        client_code=None,
        visited_on=today(),
        service="treatment",
        std_test=True,
        std_result=STD_RESULT,
        treatment=TREATMENT,
    )
    activity = shelter_services.activity_create(
        center=tom_dy,
        kind="study_tour",
        title=TITLE,
        held_on=today() - timedelta(days=1),
        participants=[case],
        user=user,
    )
    shelter_services.activity_update(
        activity=activity,
        version=activity.version,
        kind="study_tour",
        title=TITLE + ", second day",
        held_on=today() - timedelta(days=1),
        participants=[case],
        user=user,
    )
    return [
        ("reintegration.ReintegrationSupport", "details", support.pk, DETAILS),
        ("reintegration.ReintegrationSupport", "employer", support.pk, SUPPORT_EMPLOYER),
        ("reintegration.ReintegrationSupport", "institution", support.pk, INSTITUTION),
        ("shelters.Internship", "employer", internship.pk, EMPLOYER),
        ("shelters.VocationalTraining", "certificate_number", training.pk, CERTIFICATE),
        ("cases.LegalCase", "reference", legal_case.pk, REFERENCE),
        ("cases.Hearing", "court", hearing.pk, COURT),
        ("outreach.ClinicVisit", "std_result", clinic.pk, STD_RESULT),
        ("outreach.ClinicVisit", "treatment", clinic.pk, TREATMENT),
        ("reintegration.FollowUpVisit", "cancel_reason", visit.pk, CANCEL_REASON),
    ]


def test_every_listed_field_is_a_fernet_token_in_its_column(written):
    checked = 0
    for label, field, pk, clear in written:
        model = django_apps.get_model(label)
        stored = raw(model._meta.db_table, model._meta.get_field(field).column, pk)
        assert stored.startswith(PREFIX), (label, field)
        assert clear not in stored, (label, field)
        assert decrypt(stored) == clear, (label, field)
        # ...and the product reads the clear text back.
        assert getattr(model.objects.get(pk=pk), field) == clear, (label, field)
        checked += 1
    assert checked == 10


def test_no_row_of_any_table_written_holds_a_clear_value(written):
    """Not only the field's own column: no other column of these tables (nor the
    reference's index) carries a copy."""
    tables = {django_apps.get_model(label)._meta.db_table for label, *_ in written}
    clear_values = [clear for *_, clear in written] + [TITLE]
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            dump = json.dumps(cursor.fetchall(), default=str)
            for clear in clear_values:
                # The title stays in its own table (not encrypted, not listed).
                if clear != TITLE:
                    assert clear not in dump, (table, clear)
    assert len(tables) == 7


def test_audit_lines_carry_ids_never_the_values(written):
    with connection.cursor() as cursor:
        cursor.execute("SELECT action, details FROM cases_auditlog")
        lines = cursor.fetchall()
    actions = {action for action, _details in lines}
    assert {
        "internship_add",
        "training_change",
        "legal_case_open",
        "hearing_record",
        "legal_case_outcome",
        "followup_cancel",
        "activity_create",
        "activity_change",
    } <= actions, actions
    dump = json.dumps([str(details) for _action, details in lines])
    for clear in [*(clear for *_, clear in written), TITLE, "Kampot"]:
        assert clear not in dump, clear
    legal_case = LegalCase.objects.get()
    opened = AuditLog.objects.get(action="legal_case_open")
    assert opened.details["legal_case"] == legal_case.pk
    created = AuditLog.objects.get(action="activity_create")
    assert created.details["activity"]  # the activity's uuid names it
    assert created.details["changes"]["title"] == "changed"


def test_a_refused_legal_case_is_audited_by_id_not_reference(social_worker_siem_reap, tom_dy):
    from django.http import Http404

    from cases.access import legal_case_get_for_user

    resident = factories.case()
    factories.stay(resident, tom_dy)
    legal_case = factories.legal_case(resident, reference=REFERENCE)
    for reference, logged in ((REFERENCE, legal_case.pk), ("NO-SUCH-REF", None)):
        with pytest.raises(Http404):
            legal_case_get_for_user(user=social_worker_siem_reap, reference=reference)
        entry = AuditLog.objects.filter(action="access_denied").latest("id")
        assert entry.details == {"legal_case": logged}
        assert reference not in json.dumps(entry.details)


# --- the reference: encrypted, yet unique and found by value ---------------------


def test_a_reference_is_found_by_value_through_its_keyed_hash():
    first = factories.legal_case(reference=REFERENCE)
    other = factories.legal_case(reference="SR-44/2025")
    stored = raw("cases_legalcase", "reference_index", first.pk)
    assert stored == exact_index(REFERENCE) and len(stored) == 64 and REFERENCE not in stored
    assert LegalCase.objects.get(reference=REFERENCE) == first
    found = LegalCase.objects.filter(reference__in=[REFERENCE, "SR-44/2025", "nope"])
    assert set(found) == {first, other}
    # Exactly as typed: another spelling is another reference.
    assert not LegalCase.objects.filter(reference=REFERENCE.lower()).exists()
    assert list(LegalCase.objects.values_list("reference", flat=True).order_by("id")) == [
        REFERENCE,
        "SR-44/2025",
    ]


def test_a_reference_is_unique_in_the_database():
    factories.legal_case(reference=REFERENCE)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.legal_case(reference=REFERENCE)


def test_bulk_created_legal_cases_get_their_index():
    """The importer and the demo write legal cases with bulk_create."""
    LegalCase.objects.bulk_create([LegalCase(reference="BULK-1"), LegalCase(reference="BULK-2")])
    assert LegalCase.objects.filter(reference__in=["BULK-1", "BULK-2"]).count() == 2
    assert LegalCase.objects.get(reference="BULK-2").reference == "BULK-2"


@pytest.mark.parametrize("lookup", ["reference__icontains", "reference__startswith"])
def test_a_partial_reference_lookup_is_refused(lookup):
    factories.legal_case(reference=REFERENCE)
    with pytest.raises(FieldError):
        list(LegalCase.objects.filter(**{lookup: "PP"}))


def test_reindex_recomputes_reference_indexes_after_the_index_key_changes(settings):
    legal_case = factories.legal_case(reference=REFERENCE)
    settings.BLIND_INDEX_KEY = "a-new-blind-index-key"
    assert not LegalCase.objects.filter(reference=REFERENCE).exists()
    out = StringIO()
    call_command("reencrypt_fields", "--reindex", stdout=out)
    assert "cases.LegalCase: reference_index recomputed on 1 rows" in out.getvalue()
    assert REFERENCE not in out.getvalue()
    assert LegalCase.objects.get(reference=REFERENCE) == legal_case


# --- short encrypted texts ----------------------------------------------------------


def test_emptiness_still_works_in_sql_but_no_other_comparison():
    case = factories.case()
    made = factories.followup(case)
    cancelled = factories.followup(case, visited_on=None, due_on=today())
    FollowUpVisit.objects.filter(pk=cancelled.pk).update(
        cancelled_on=today(), cancel_reason=CANCEL_REASON
    )
    assert list(FollowUpVisit.objects.exclude(cancel_reason="")) == [cancelled]
    assert list(FollowUpVisit.objects.filter(cancel_reason="")) == [made]
    with pytest.raises(FieldError):
        list(FollowUpVisit.objects.filter(cancel_reason=CANCEL_REASON))


def test_the_database_still_refuses_a_cancelled_visit_without_a_reason():
    visit = factories.followup(factories.case(), visited_on=None, due_on=today())
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUpVisit.objects.filter(pk=visit.pk).update(cancelled_on=today())


def test_short_encrypted_texts_keep_their_length_limit_and_one_line_input():
    case = factories.case()
    internship = factories.internship(case)
    internship.employer = "x" * 121
    with pytest.raises(ValidationError) as error:
        internship.full_clean()
    assert "employer" in error.value.message_dict
    form = HearingForm()
    assert form.fields["court"].max_length == 120
    assert 'maxlength="120"' in str(form["court"])
    assert "<textarea" not in str(form["court"])


# --- the migrations -------------------------------------------------------------------


# The data steps of the migrations that encrypted these fields.
MIGRATIONS = [
    ("cases", "0010_court_records_encrypt_values"),
    ("outreach", "0008_clinic_results_encrypt_values"),
    ("reintegration", "0006_support_and_cancel_reasons_encrypt_values"),
    ("shelters", "0007_employers_and_certificates_encrypt_values"),
]


def _data_steps():
    from django.db.migrations import RunPython
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    for key in MIGRATIONS:
        for operation in loader.get_migration(*key).operations:
            if isinstance(operation, RunPython):
                yield operation


class _Editor:
    connection = connection


def test_the_migrations_encrypt_clear_values_and_decrypt_them_when_reversed(written):
    # Put every value back in clear, as the database held it before the migrations.
    for label, field, pk, clear in written:
        model = django_apps.get_model(label)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {model._meta.db_table} SET {field} = %s WHERE id = %s",  # noqa: S608
                [clear, pk],
            )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_legalcase SET reference_index = ''")
    steps = list(_data_steps())
    assert len(steps) == 10

    for step in steps:
        step.code(django_apps, _Editor())
    checked = 0
    for label, field, pk, clear in written:
        model = django_apps.get_model(label)
        stored = raw(model._meta.db_table, field, pk)
        assert stored.startswith(PREFIX) and clear not in stored, (label, field)
        assert getattr(model.objects.get(pk=pk), field) == clear
        checked += 1
    assert checked == 10
    assert LegalCase.objects.get(reference=REFERENCE).pk == written[5][2]

    # Run again: values already encrypted are left as they are.
    before = raw("cases_legalcase", "reference", written[5][2])
    for step in steps:
        step.code(django_apps, _Editor())
    assert raw("cases_legalcase", "reference", written[5][2]) == before

    for step in reversed(steps):
        step.reverse_code(django_apps, _Editor())
    for label, field, pk, clear in written:
        model = django_apps.get_model(label)
        assert raw(model._meta.db_table, field, pk) == clear, (label, field)


# --- the admin ------------------------------------------------------------------------


def test_the_admin_finds_a_legal_case_by_its_whole_reference_only(login, administrator):
    legal_case = factories.legal_case(factories.case(), reference=REFERENCE)
    client = login(administrator)
    link = f"/admin/cases/legalcase/{legal_case.pk}/change/"
    found = client.get("/admin/cases/legalcase/", {"q": REFERENCE})
    assert found.status_code == 200 and link in found.content.decode()
    partial = client.get("/admin/cases/legalcase/", {"q": "PP-CRIM"})
    assert partial.status_code == 200 and link not in partial.content.decode()
    hearings = client.get("/admin/cases/hearing/", {"q": REFERENCE})
    assert hearings.status_code == 200


def test_the_admin_form_refuses_a_reference_that_exists(rf, administrator):
    from django.contrib import admin

    factories.legal_case(reference=REFERENCE)
    other = factories.legal_case(reference="SR-1/2026")
    request = rf.get("/admin/")
    request.user = administrator
    form_class = admin.site._registry[LegalCase].get_form(request, other)
    form = form_class(data={"reference": REFERENCE, "outcome": "pending"}, instance=other)
    assert not form.is_valid()
    assert "reference" in form.errors
    same = form_class(data={"reference": "SR-1/2026", "outcome": "pending"}, instance=other)
    assert same.is_valid(), same.errors
