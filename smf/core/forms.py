"""Form pieces shared by every app."""

from __future__ import annotations

from datetime import date

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """The browser's own date picker, on every browser, without a JS library."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def record_date_check(value: date) -> None:
    """A date of the records lies between the first records of the organisation
    (settings.RECORDS_BEGIN) and a few years ahead (RECORDS_YEARS_AHEAD, for
    planned visits): 0001-01-01 or 9999-12-31 is a slip of the keyboard."""
    earliest = settings.RECORDS_BEGIN
    latest = timezone.localdate().replace(month=12, day=31)
    latest = latest.replace(year=latest.year + settings.RECORDS_YEARS_AHEAD)
    if value < earliest:
        raise ValidationError(
            _("Enter a date from %(date)s on."),
            code="too_early",
            params={"date": earliest.isoformat()},
        )
    if value > latest:
        raise ValidationError(
            _("Enter a date up to %(date)s."), code="too_late", params={"date": latest.isoformat()}
        )


class RecordDateField(forms.DateField):
    """Every date field of the product's forms: a date, and a plausible one."""

    default_validators = [record_date_check]


# Longest texts a form takes: an address, a short free text, a note.
ADDRESS_MAX = 500
TEXT_MAX = 5_000
NOTE_MAX = 20_000


def text_limit(field: forms.CharField, limit: int) -> None:
    """Cap a text field a ModelForm made from a TextField (which has no length)."""
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)


class HelperMixin:
    """crispy-forms renders the fields; the template writes the <form> tag."""

    def _helper(self):
        helper = FormHelper()
        helper.form_tag = False
        return helper


# The largest value an integer column holds on PostgreSQL (SQLite holds more):
# a form's whole number above it is refused as a field error, not sent to the
# database to fail there.
INT_MAX = 2_147_483_647


class VersionedForm(forms.Form):
    """A form over a record that two people may edit: it carries the version
    its author read, and the save names it (see smf.core.versioning)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=INT_MAX)


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's messages next to the fields they name (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
