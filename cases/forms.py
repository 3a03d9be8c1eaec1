"""Forms of the case work pages: validation only, the writes are in services."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from smf.core.forms import (
    ADDRESS_MAX,
    INT_MAX,
    NOTE_MAX,
    TEXT_MAX,
    DateInput,
    HelperMixin,
    RecordDateField,
    VersionedForm,
    text_limit,
)

from .models import Case, CaseNote, Consent, Hearing, LegalCase


def no_future(value: date | None, message) -> date | None:
    if value and value > date.today():
        raise forms.ValidationError(message)
    return value


class CaseDetailsForm(HelperMixin, forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=120)
    family_name = forms.CharField(label=_("Family name"), max_length=120, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Case.Sex.choices, initial=Case.Sex.FEMALE)
    birth_year = forms.IntegerField(
        label=_("Birth year"),
        required=False,
        min_value=1900,
        max_value=2100,
        help_text=_("Leave empty if unknown."),
    )
    nationality = forms.CharField(label=_("Nationality"), max_length=60, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=60, required=False)
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=ADDRESS_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    intake_date = RecordDateField(label=_("Intake date"), widget=DateInput())
    referral_source = forms.ChoiceField(
        label=_("Referral source"),
        choices=[("", "---------"), *Case.ReferralSource.choices],
        required=False,
    )
    exploitation_type = forms.ChoiceField(
        label=_("Exploitation type"),
        choices=[("", "---------"), *Case.ExploitationType.choices],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        if year and year > date.today().year:
            raise forms.ValidationError(_("The birth year cannot be in the future."))
        return year

    def clean_intake_date(self):
        return no_future(
            self.cleaned_data.get("intake_date"), _("The intake date cannot be in the future.")
        )

    def case_fields(self) -> dict:
        return self.case_fields_of(self.cleaned_data)

    @staticmethod
    def case_fields_of(cleaned_data: dict) -> dict:
        """The cleaned values as Case fields (empty text stays empty, not None)."""
        data = dict(cleaned_data)
        for key in ("family_name", "nationality", "phone", "address"):
            data[key] = (data.get(key) or "").strip()
        data["given_name"] = data["given_name"].strip()
        return {k: data[k] for k in CaseDetailsForm.base_fields}


class CaseEditForm(VersionedForm, CaseDetailsForm):
    """The case's particulars, with the version the user read."""


class CaseNoteForm(HelperMixin, forms.ModelForm):
    class Meta:
        model = CaseNote
        fields = ["written_on", "kind", "confidentiality", "text"]
        widgets = {"written_on": DateInput(), "text": forms.Textarea(attrs={"rows": 4})}
        field_classes = {"written_on": RecordDateField}

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["written_on"].initial = date.today()
        text_limit(self.fields["text"], NOTE_MAX)
        if kinds is not None:
            # Only the kinds of note this user may write (see cases.access).
            self.fields["kind"].choices = [
                (value, label) for value, label in CaseNote.Kind.choices if value in kinds
            ]
        self.helper = self._helper()

    def clean_written_on(self):
        return no_future(
            self.cleaned_data.get("written_on"), _("The note cannot be dated in the future.")
        )


class ConsentForm(HelperMixin, forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    given_on = RecordDateField(label=_("Given on"), widget=DateInput(), initial=date.today)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()

    def clean_given_on(self):
        return no_future(
            self.cleaned_data.get("given_on"), _("The consent date cannot be in the future.")
        )


class ConsentWithdrawForm(forms.Form):
    consent = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=INT_MAX)
    withdrawn_on = RecordDateField(label=_("Withdrawn on"), widget=DateInput(), initial=date.today)


class LegalCaseForm(HelperMixin, forms.Form):
    reference = forms.CharField(
        label=_("Court reference"), max_length=60, help_text=_("The court's file number.")
    )
    opened_on = RecordDateField(label=_("Opened on"), widget=DateInput(), initial=date.today)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        if LegalCase.objects.filter(reference=reference).exists():
            raise forms.ValidationError(_("A legal case with this reference exists."))
        return reference

    def clean_opened_on(self):
        return no_future(
            self.cleaned_data.get("opened_on"), _("The opening date cannot be in the future.")
        )


class HearingForm(HelperMixin, forms.ModelForm):
    class Meta:
        model = Hearing
        fields = ["held_on", "court", "stage", "note"]
        widgets = {"held_on": DateInput(), "note": forms.Textarea(attrs={"rows": 2})}
        field_classes = {"held_on": RecordDateField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text_limit(self.fields["note"], TEXT_MAX)
        self.helper = self._helper()


class LegalOutcomeForm(HelperMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=LegalCase.Outcome.choices)
    closed_on = RecordDateField(label=_("Date of the outcome"), widget=DateInput(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()

    def clean(self):
        data = super().clean()
        if data.get("outcome") not in (None, LegalCase.Outcome.PENDING) and not data.get(
            "closed_on"
        ):
            self.add_error("closed_on", _("Give the date of the outcome."))
        return data
