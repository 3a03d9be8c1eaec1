"""Names and contact details are encrypted at rest, found by blind index, and
re-encrypted by `reencrypt_fields` after a key rotation."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.exceptions import FieldError
from django.core.management import CommandError, call_command
from django.db import connection

from cases.models import Case
from smf.core.fields import PREFIX, EncryptedTextField
from smf.core.management.commands.reencrypt_fields import encrypted_fields
from tests import factories

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()

pytestmark = pytest.mark.django_db


def raw_row(case: Case, *columns: str) -> tuple:
    """What the database really holds, read without the model field."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM cases_case WHERE id = %s",  # noqa: S608
            [case.pk],
        )
        return cursor.fetchone()


def run_reencrypt(*args: str) -> str:
    out = StringIO()
    call_command("reencrypt_fields", *args, stdout=out)
    return out.getvalue()


# --- at rest --------------------------------------------------------------------


def test_names_and_contacts_are_stored_as_fernet_tokens():
    case = factories.case(given_name="Sokha", family_name="Chann")
    case.phone = "+855 12 345 678"
    case.address = "Street 271, Phnom Penh"
    case.save()
    stored = raw_row(case, "given_name", "family_name", "phone", "address")
    for clear, token in zip(
        ("Sokha", "Chann", "+855 12 345 678", "Street 271"), stored, strict=True
    ):
        assert token.startswith(PREFIX)
        assert clear not in token
        # A genuine Fernet token under the configured key.
        Fernet(django_settings.FIELD_ENCRYPTION_KEYS[0].encode()).decrypt(
            token[len(PREFIX) :].encode()
        )
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.given_name, fresh.family_name, fresh.phone) == (
        "Sokha",
        "Chann",
        "+855 12 345 678",
    )


def test_khmer_names_round_trip():
    case = factories.case(given_name="សុខា", family_name="ចាន់")
    (token,) = raw_row(case, "given_name")
    assert "សុខា" not in token
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.full_name == "សុខា ចាន់"
    assert Case.objects.find_by_name("សុខា", "ចាន់").get() == case


def test_the_same_name_encrypts_differently_each_time():
    first = factories.case(given_name="Srey", family_name="Mom")
    second = factories.case(given_name="Srey", family_name="Mom")
    assert raw_row(first, "given_name") != raw_row(second, "given_name")
    # ...while the blind index is the same, which is what makes search work.
    assert first.name_index == second.name_index != ""


def test_empty_values_stay_empty():
    case = factories.case(given_name="Srey", family_name="")
    assert raw_row(case, "family_name", "phone") == ("", "")
    assert Case.objects.get(pk=case.pk).family_name == ""


# --- blind index ------------------------------------------------------------------


def test_blind_index_finds_by_exact_name_regardless_of_case_and_spacing():
    case = factories.case(given_name="Srey", family_name="Mom")
    factories.case(given_name="Srey", family_name="Mao")
    for spelling in (("Srey", "Mom"), ("  SREY ", " mom  "), ("srey   mom",)):
        assert list(Case.objects.find_by_name(*spelling)) == [case], spelling


def test_blind_index_ignores_khmer_zero_width_spaces():
    # Khmer is written without spaces; U+200B marks word breaks and is invisible.
    case = factories.case(given_name="សុខា\u200b", family_name="ចាន់")
    assert list(Case.objects.find_by_name("សុខា", "ចាន់")) == [case]
    assert list(Case.objects.find_by_name("\ufeffសុខា ចាន់")) == [case]
    assert not Case.objects.find_by_name("សុខា", "ចាន").exists()


def test_blind_index_does_not_find_a_different_or_partial_name():
    factories.case(given_name="Srey", family_name="Mom")
    assert not Case.objects.find_by_name("Srey", "Mao").exists()
    assert not Case.objects.find_by_name("Srey").exists()
    assert not Case.objects.find_by_name("").exists()


def test_blind_index_is_keyed_not_a_plain_hash():
    import hashlib

    case = factories.case(given_name="Srey", family_name="Mom")
    assert case.name_index != hashlib.sha256(b"srey mom").hexdigest()


@pytest.mark.parametrize("lookup", ["given_name", "family_name__iexact", "phone__contains"])
def test_filtering_on_an_encrypted_field_is_refused(lookup):
    factories.case(given_name="Srey", family_name="Mom")
    with pytest.raises(FieldError):
        list(Case.objects.filter(**{lookup: "Srey"}))


def test_isnull_is_the_one_lookup_allowed():
    factories.case()
    assert Case.objects.filter(given_name__isnull=False).count() == 1


# --- reencrypt_fields -------------------------------------------------------------


def test_the_command_finds_every_encrypted_field_by_itself():
    found = {model._meta.label: fields for model, fields in encrypted_fields()}
    assert {"given_name", "family_name", "phone", "address"} <= set(found["cases.Case"])
    for label, fields in found.items():
        model = next(m for m, _ in encrypted_fields() if m._meta.label == label)
        for name in fields:
            assert isinstance(model._meta.get_field(name), EncryptedTextField)


def test_rotation_reencrypts_under_the_new_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    case = factories.case(given_name="Sokha", family_name="Chann")
    case.phone = "012 345 678"
    case.save()
    before = raw_row(case, "given_name", "updated_at")

    # Without the old key the data cannot be read: the test below can fail.
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(ValueError):
        Case.objects.get(pk=case.pk)

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    output = run_reencrypt()
    assert "cases.Case: 1 rows re-encrypted" in output
    assert "Sokha" not in output and "Chann" not in output

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.given_name, fresh.family_name, fresh.phone) == ("Sokha", "Chann", "012 345 678")
    after = raw_row(case, "given_name", "updated_at")
    assert after[0] != before[0]
    assert after[1] == before[1]  # re-encryption is not a change of the record


def test_rotation_is_idempotent_and_batched(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    cases = [factories.case(given_name=f"Name{i}", family_name="Test") for i in range(7)]
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert "cases.Case: 7 rows re-encrypted" in run_reencrypt("--batch-size", "3")
    assert "cases.Case: 7 rows re-encrypted" in run_reencrypt("--batch-size", "3")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    names = sorted(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("given_name"))
    assert names == [(f"Name{i}",) for i in range(7)]


def test_a_value_no_key_decrypts_stops_the_command_and_changes_nothing(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    readable = factories.case(given_name="Dara", family_name="Kim")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    lost = factories.case(given_name="Sokha", family_name="Chann")
    before = raw_row(readable, "given_name")

    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]  # KEY_B is missing: `lost` is unreadable
    with pytest.raises(CommandError) as error:
        run_reencrypt()
    assert f"id {lost.pk}" in str(error.value) and "Sokha" not in str(error.value)
    assert raw_row(readable, "given_name") == before


def test_values_written_before_encryption_get_encrypted():
    case = factories.case(given_name="Srey", family_name="Mom")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET phone = %s WHERE id = %s", ["012 999", case.pk])
    output = run_reencrypt()
    assert "1 values were not yet encrypted" in output
    (token,) = raw_row(case, "phone")
    assert token.startswith(PREFIX) and "012 999" not in token
    assert Case.objects.get(pk=case.pk).phone == "012 999"


def test_reindex_recomputes_name_indexes_after_the_index_key_changes(settings):
    case = factories.case(given_name="Srey", family_name="Mom")
    settings.BLIND_INDEX_KEY = "a-new-blind-index-key"
    assert not Case.objects.find_by_name("Srey", "Mom").exists()

    run_reencrypt()  # without --reindex the indexes stay as they were
    assert not Case.objects.find_by_name("Srey", "Mom").exists()

    output = run_reencrypt("--reindex")
    assert "cases.Case: name_index recomputed on 1 rows" in output
    assert list(Case.objects.find_by_name("srey", "MOM")) == [case]


def test_every_free_text_field_about_survivors_is_encrypted():
    """Names, contacts and free text (notes, hearing notes, activity notes) are
    EncryptedTextField; a new free-text field on these models must choose."""
    from django.apps import apps
    from django.db import models as dj_models

    from smf.core.fields import EncryptedTextField

    free_text = {
        ("cases", "case"): {"given_name", "family_name", "phone", "address"},
        ("cases", "casenote"): {"text"},
        ("cases", "hearing"): {"note", "court"},
        ("cases", "legalcase"): {"reference"},
        ("shelters", "groupactivity"): {"notes"},
        ("shelters", "internship"): {"employer"},
        ("shelters", "vocationaltraining"): {"certificate_number"},
        ("reintegration", "reintegrationsupport"): {"details", "employer", "institution"},
        ("reintegration", "followupvisit"): {"notes", "cancel_reason"},
        ("outreach", "clinicvisit"): {"std_result", "treatment"},
    }
    for (app_label, model_name), fields in free_text.items():
        model = apps.get_model(app_label, model_name)
        for name in fields:
            assert isinstance(model._meta.get_field(name), EncryptedTextField), (model, name)
        plain_text = {
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, dj_models.TextField) and not isinstance(f, EncryptedTextField)
        }
        assert plain_text == set(), (model, plain_text)


def test_clear_values_left_in_a_newly_encrypted_column_are_encrypted_by_the_migration():
    from django.db import connection as conn

    from shelters.models import GroupActivity
    from smf.core.fields import decrypt, encrypt_plain_column
    from tests.factories import shelter

    activity = GroupActivity.objects.create(
        center=shelter("TD"), kind="study_tour", title="Tour", held_on=date(2011, 5, 1)
    )
    with conn.cursor() as cursor:
        cursor.execute(
            "UPDATE shelters_groupactivity SET notes = %s WHERE id = %s", ["Visited", activity.pk]
        )

    class Editor:
        connection = conn

    encrypt_plain_column("shelters_groupactivity", "notes")(None, Editor())
    with conn.cursor() as cursor:
        cursor.execute("SELECT notes FROM shelters_groupactivity WHERE id = %s", [activity.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith(PREFIX) and decrypt(stored) == "Visited"
