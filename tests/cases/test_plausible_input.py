"""Dates and texts a slip of the keyboard makes: refused next to the field, and
nothing written (0001-01-01 used to make case TD-1-0001; a 2.4 MB address was
stored)."""

from __future__ import annotations

import importlib
import inspect
from datetime import date

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import Case, Consent, LegalCase
from smf.core.forms import ADDRESS_MAX, RecordDateField, record_date_check

pytestmark = pytest.mark.django_db

FORM_MODULES = ("cases.forms", "shelters.forms", "reintegration.forms", "outreach.forms")


def test_every_date_field_of_every_form_checks_its_range():
    checked = 0
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for _name, form_class in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form_class, forms.BaseForm) or form_class.__module__ != module_name:
                continue
            for field_name, field in form_class.base_fields.items():
                if isinstance(field, forms.DateField):
                    checked += 1
                    assert isinstance(field, RecordDateField), f"{form_class.__name__}.{field_name}"
    assert checked >= 15


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1994, 12, 31), date(9999, 12, 31)])
def test_implausible_dates_are_refused(day):
    with pytest.raises(ValidationError):
        record_date_check(day)


@pytest.mark.parametrize("day", [date(1995, 1, 1), date(2011, 5, 1), date.today()])
def test_plausible_dates_pass(day):
    record_date_check(day)


def test_an_intake_dated_0001_makes_no_case(login, social_worker_tom_dy, tom_dy):
    before = Case.objects.count()
    response = login(social_worker_tom_dy).post(
        reverse("caseload:new"),
        {
            "given_name": "Srey",
            "family_name": "Pov",
            "sex": Case.Sex.FEMALE,
            "birth_year": "2004",
            "intake_date": "0001-01-01",
            "center": tom_dy.pk,
            "admitted_on": "0001-01-01",
            "referral_source": Case.ReferralSource.POLICE,
            "exploitation_type": Case.ExploitationType.LABOUR,
            "consent_data_processing": "on",
            "consent_given_on": "0001-01-01",
        },
    )
    assert response.status_code in (200, 400)
    assert "intake_date" in response.context["form"].errors
    assert Case.objects.count() == before


def test_a_consent_dated_9999_is_refused(login, social_worker_tom_dy, resident_tom_dy):
    before = Consent.objects.count()
    response = login(social_worker_tom_dy).post(
        reverse("cases:consent_add", args=[resident_tom_dy.code]),
        {"purpose": Consent.Purpose.PHOTOS, "given_on": "9999-12-31"},
    )
    assert response.status_code == 400
    assert Consent.objects.count() == before


def test_a_legal_case_opened_in_0001_is_refused(login, center_manager_tom_dy, resident_tom_dy):
    response = login(center_manager_tom_dy).post(
        reverse("cases:legal_new", args=[resident_tom_dy.code]),
        {"reference": "PP-CRIM-2012/5", "opened_on": "0001-03-01"},
    )
    assert response.status_code == 400
    assert not LegalCase.objects.filter(reference="PP-CRIM-2012/5").exists()


def test_an_address_of_megabytes_is_refused(login, social_worker_tom_dy, resident_tom_dy):
    case = Case.objects.get(pk=resident_tom_dy.pk)
    response = login(social_worker_tom_dy).post(
        reverse("cases:edit", args=[case.code]),
        {
            "given_name": "ស្រីមុំ",
            "family_name": "សុខ",
            "sex": Case.Sex.FEMALE,
            "birth_year": "2004",
            "nationality": "",
            "phone": "",
            "address": "x" * 2_400_000,
            "intake_date": "2011-01-10",
            "referral_source": Case.ReferralSource.POLICE,
            "exploitation_type": Case.ExploitationType.LABOUR,
            "version": case.version,
        },
    )
    assert response.status_code == 400
    assert "address" in response.context["form"].errors
    assert len(Case.objects.get(pk=case.pk).address or "") <= ADDRESS_MAX
