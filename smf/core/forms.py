"""Form pieces shared by every app."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError


class DateInput(forms.DateInput):
    """The browser's own date picker, on every browser, without a JS library."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class HelperMixin:
    """crispy-forms renders the fields; the template writes the <form> tag."""

    def _helper(self):
        helper = FormHelper()
        helper.form_tag = False
        return helper


class VersionedForm(forms.Form):
    """A form over a record that two people may edit: it carries the version
    its author read, and the save names it (see smf.core.versioning)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's messages next to the fields they name (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
