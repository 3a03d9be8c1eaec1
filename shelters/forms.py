"""Forms of center life. Validation rules that protect data live in services;
the forms parse input and show the services' messages next to the fields."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms import CaseDetailsForm, no_future
from cases.models import Case, Consent
from smf.core.forms import INT_MAX, TEXT_MAX, DateInput, RecordDateField, VersionedForm

from . import access
from .models import (
    EducationRecord,
    GroupActivity,
    Residence,
    Shelter,
    Stay,
    VocationalTraining,
)
from .selectors import CaseListFilters


class DatePicker(forms.DateInput):
    """The browser's date picker; ISO values so that <input type=date> reads them."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("max", timezone.localdate().isoformat())
        return context


def date_field(label, *, required: bool = True) -> RecordDateField:
    return RecordDateField(label=label, required=required, widget=DatePicker())


class CasesChoiceField(forms.ModelMultipleChoiceField):
    """Cases by code; names only for users allowed to see them."""

    show_names = False

    def label_from_instance(self, obj: Case) -> str:
        name = obj.full_name if self.show_names else ""
        return f"{obj.code} · {name}" if name else obj.code


class AdmitForm(forms.Form):
    shelter = forms.ModelChoiceField(
        label=_("Center"), queryset=Shelter.objects.none(), to_field_name="code"
    )
    admitted_on = date_field(_("Admitted on"))

    def __init__(self, *args, centers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shelter"].queryset = centers


class AdmitByCodeForm(forms.Form):
    """Admission from a center page: the case is named by its code."""

    case_code = forms.CharField(label=_("Case code"), max_length=32)
    admitted_on = date_field(_("Admitted on"))

    def clean_case_code(self) -> str:
        return self.cleaned_data["case_code"].strip().upper()


class TransferForm(VersionedForm):
    to_shelter = forms.ModelChoiceField(
        label=_("To center"), queryset=Shelter.objects.none(), to_field_name="code"
    )
    on = date_field(_("Transferred on"))

    def __init__(self, *args, current: Shelter, **kwargs):
        super().__init__(*args, **kwargs)
        # Any center may receive her, not only the user's own.
        self.fields["to_shelter"].queryset = Shelter.objects.exclude(pk=current.pk)


class DischargeForm(VersionedForm):
    left_on = date_field(_("Left on"))
    exit_reason = forms.ChoiceField(label=_("Exit reason"), choices=Stay.ExitReason.choices)


class EducationEnrolForm(forms.Form):
    course = forms.ChoiceField(label=_("Course"), choices=EducationRecord.Course.choices)
    started_on = date_field(_("Started on"))


class EducationUpdateForm(VersionedForm):
    ended_on = date_field(_("Finished on"), required=False)


class TrainingEnrolForm(forms.Form):
    trade = forms.ChoiceField(label=_("Trade"), choices=VocationalTraining.Trade.choices)
    started_on = date_field(_("Started on"))


class TrainingUpdateForm(VersionedForm):
    completed_on = date_field(_("Completed on"), required=False)
    certified_on = date_field(_("Government certificate issued on"), required=False)
    certificate_number = forms.CharField(
        label=_("Certificate number"), max_length=60, required=False
    )


class InternshipAddForm(forms.Form):
    employer = forms.CharField(label=_("Employer"), max_length=120)
    started_on = date_field(_("Started on"))
    ended_on = date_field(_("Ended on"), required=False)


class InternshipUpdateForm(VersionedForm):
    employer = forms.CharField(label=_("Employer"), max_length=120)
    ended_on = date_field(_("Ended on"), required=False)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=GroupActivity.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    held_on = date_field(_("Date"))
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    participants = CasesChoiceField(
        label=_("Participants"),
        queryset=Case.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Absent when the activity is new.
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=INT_MAX, required=False
    )

    def __init__(self, *args, choices, show_names: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = choices
        self.fields["participants"].show_names = show_names


class IntakeForm(CaseDetailsForm):
    center = forms.ModelChoiceField(label=_("Admit to center"), queryset=None, empty_label=None)
    admitted_on = RecordDateField(label=_("Admitted on"), widget=DateInput())
    consent_data_processing = forms.BooleanField(
        label=_("She consents to the processing of her data"), required=False
    )
    consent_photos = forms.BooleanField(label=_("She consents to photos"), required=False)
    consent_given_on = RecordDateField(label=_("Consent given on"), widget=DateInput())
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
        return no_future(
            self.cleaned_data.get("admitted_on"), _("The admission date cannot be in the future.")
        )

    def clean_consent_given_on(self):
        return no_future(
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


class CaseListForm(forms.Form):
    """The case list's search and filters; invalid values are ignored, never a 500.

    Posted by the search box; read back from the list's address (the filters)
    and the session (the search text, which no address holds)."""

    q = forms.CharField(label=_("Case code or full name"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Residence.choices], required=False
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
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = Shelter.objects.only("id", "name").order_by("name")
        self.fields["center"].widget.attrs["class"] = "form-select form-select-sm"

    def filters(self) -> CaseListFilters:
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
