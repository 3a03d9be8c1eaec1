"""Forms of center life. Validation rules that protect data live in services;
the forms parse input and show the services' messages next to the fields."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case

from .models import EducationRecord, GroupActivity, Shelter, Stay, VocationalTraining


class DatePicker(forms.DateInput):
    """The browser's date picker; ISO values so that <input type=date> reads them."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("max", timezone.localdate().isoformat())
        return context


def date_field(label, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DatePicker())


class VersionedForm(forms.Form):
    """Carries the version of the record that the user read (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


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
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    participants = CasesChoiceField(
        label=_("Participants"),
        queryset=Case.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Absent when the activity is new.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args, choices, show_names: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = choices
        self.fields["participants"].show_names = show_names
