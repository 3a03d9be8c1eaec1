"""Forms of the case work pages: validation only, the writes are in services."""

from __future__ import annotations

from datetime import date

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from . import access
from .models import Case, CaseNote, Consent, Hearing, LegalCase


class DateInput(forms.DateInput):
    """The browser's own date picker, on every browser, without a JS library."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _no_future(value: date | None, message) -> date | None:
    if value and value > date.today():
        raise forms.ValidationError(message)
    return value


class HelperMixin:
    """crispy-forms renders the fields; the template writes the <form> tag."""

    def _helper(self):
        helper = FormHelper()
        helper.form_tag = False
        return helper


class CaseDetailsForm(HelperMixin, forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=120)
    family_name = forms.CharField(label=_("Family name"), max_length=120, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Case.Sex.choices, initial=Case.Sex.FEMALE)
    birth_year = forms.IntegerField(
        label=_("Birth year"),
        required=False,
        min_value=1900,
        help_text=_("Leave empty if unknown."),
    )
    nationality = forms.CharField(label=_("Nationality"), max_length=60, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=60, required=False)
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    intake_date = forms.DateField(label=_("Intake date"), widget=DateInput())
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
        return _no_future(
            self.cleaned_data.get("intake_date"), _("The intake date cannot be in the future.")
        )

    def case_fields(self) -> dict:
        """The cleaned values as Case fields (empty text stays empty, not None)."""
        data = dict(self.cleaned_data)
        for key in ("family_name", "nationality", "phone", "address"):
            data[key] = (data.get(key) or "").strip()
        data["given_name"] = data["given_name"].strip()
        return {k: data[k] for k in CaseDetailsForm.base_fields}


class IntakeForm(CaseDetailsForm):
    center = forms.ModelChoiceField(label=_("Admit to center"), queryset=None, empty_label=None)
    admitted_on = forms.DateField(label=_("Admitted on"), widget=DateInput())
    consent_data_processing = forms.BooleanField(
        label=_("She consents to the processing of her data"), required=False
    )
    consent_photos = forms.BooleanField(label=_("She consents to photos"), required=False)
    consent_given_on = forms.DateField(label=_("Consent given on"), widget=DateInput())
    clinic_client = forms.CharField(widget=forms.HiddenInput, required=False)
    confirm_new_person = forms.BooleanField(
        label=_("This is a new person, not one of the cases above"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = access.intake_centers(user)
        today = date.today()
        for name in ("intake_date", "admitted_on", "consent_given_on"):
            self.fields[name].initial = today
        # Shown only when the duplicate check found possible matches.
        self.fields["confirm_new_person"].widget = forms.HiddenInput()

    def show_confirmation(self):
        self.fields["confirm_new_person"].widget = forms.CheckboxInput()

    def clean_admitted_on(self):
        return _no_future(
            self.cleaned_data.get("admitted_on"), _("The admission date cannot be in the future.")
        )

    def clean_consent_given_on(self):
        return _no_future(
            self.cleaned_data.get("consent_given_on"),
            _("The consent date cannot be in the future."),
        )

    def clean(self):
        data = super().clean()
        intake, admitted = data.get("intake_date"), data.get("admitted_on")
        if intake and admitted and admitted < intake:
            self.add_error("admitted_on", _("She cannot be admitted before her intake date."))
        return data

    def consents(self) -> list[tuple[str, date]]:
        given_on = self.cleaned_data["consent_given_on"]
        chosen = []
        if self.cleaned_data.get("consent_data_processing"):
            chosen.append((Consent.Purpose.DATA_PROCESSING, given_on))
        if self.cleaned_data.get("consent_photos"):
            chosen.append((Consent.Purpose.PHOTOS, given_on))
        return chosen


class CaseEditForm(CaseDetailsForm):
    # The version the user read: a save against a newer version is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CaseNoteForm(HelperMixin, forms.ModelForm):
    class Meta:
        model = CaseNote
        fields = ["written_on", "kind", "confidentiality", "text"]
        widgets = {"written_on": DateInput(), "text": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["written_on"].initial = date.today()
        self.helper = self._helper()

    def clean_written_on(self):
        return _no_future(
            self.cleaned_data.get("written_on"), _("The note cannot be dated in the future.")
        )


class ConsentForm(HelperMixin, forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    given_on = forms.DateField(label=_("Given on"), widget=DateInput(), initial=date.today)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()

    def clean_given_on(self):
        return _no_future(
            self.cleaned_data.get("given_on"), _("The consent date cannot be in the future.")
        )


class ConsentWithdrawForm(forms.Form):
    consent = forms.IntegerField(widget=forms.HiddenInput)
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), widget=DateInput(), initial=date.today)


class LegalCaseForm(HelperMixin, forms.Form):
    reference = forms.CharField(
        label=_("Court reference"), max_length=60, help_text=_("The court's file number.")
    )
    opened_on = forms.DateField(label=_("Opened on"), widget=DateInput(), initial=date.today)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        if LegalCase.objects.filter(reference=reference).exists():
            raise forms.ValidationError(_("A legal case with this reference exists."))
        return reference

    def clean_opened_on(self):
        return _no_future(
            self.cleaned_data.get("opened_on"), _("The opening date cannot be in the future.")
        )


class HearingForm(HelperMixin, forms.ModelForm):
    class Meta:
        model = Hearing
        fields = ["held_on", "court", "stage", "note"]
        widgets = {"held_on": DateInput(), "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()


class LegalOutcomeForm(HelperMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=LegalCase.Outcome.choices)
    closed_on = forms.DateField(label=_("Date of the outcome"), widget=DateInput(), required=False)

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


class CaseListForm(forms.Form):
    """The case list's query string; invalid values are ignored, never a 500."""

    q = forms.CharField(label=_("Case code or full name"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Case.Status.choices], required=False
    )
    center = forms.ModelChoiceField(
        label=_("Center"), queryset=None, required=False, empty_label=_("Any center")
    )
    intake_year = forms.IntegerField(
        label=_("Intake year"), required=False, min_value=1990, max_value=2100
    )
    exploitation_type = forms.ChoiceField(
        label=_("Exploitation type"),
        choices=[("", _("Any type")), *Case.ExploitationType.choices],
        required=False,
    )
    in_training = forms.BooleanField(label=_("In vocational training"), required=False)
    reintegrated = forms.BooleanField(label=_("Reintegrated"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-intake", _("Newest intake first")),
            ("intake", _("Oldest intake first")),
            ("code", _("Case code")),
            ("-code", _("Case code, descending")),
            ("center", _("Current center")),
            ("birth_year", _("Birth year")),
        ],
    )

    def __init__(self, *args, **kwargs):
        from shelters.models import Shelter

        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = Shelter.objects.only("id", "name").order_by("name")
        self.fields["center"].widget.attrs["class"] = "form-select form-select-sm"

    def filters(self):
        from .selectors import CaseListFilters

        if not self.is_valid():
            # Keep the valid fields, drop the rest.
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        else:
            data = self.cleaned_data
        center = data.get("center")
        return CaseListFilters(
            q=(data.get("q") or "").strip(),
            status=data.get("status") or "",
            center=center.pk if center else None,
            intake_year=data.get("intake_year"),
            exploitation_type=data.get("exploitation_type") or "",
            in_training=bool(data.get("in_training")),
            reintegrated=bool(data.get("reintegrated")),
            sort=data.get("sort") or "-intake",
        )
