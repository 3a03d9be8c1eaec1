"""Forms of the reintegration pages. They validate input; the services write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from smf.core.forms import INT_MAX, TEXT_MAX, RecordDateField

from .models import FollowUpVisit, ReintegrationPlan, ReintegrationSupport
from .selectors import officers

DATE = forms.DateInput(attrs={"type": "date"})
YES_NO = [("", _("Not known / not applicable")), ("yes", _("Yes")), ("no", _("No"))]


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class VersionForm(forms.Form):
    """The version the user read: a save over someone else's change is refused."""

    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=INT_MAX, required=False
    )


class PlanForm(VersionForm):
    pathway = forms.ChoiceField(label=_("Pathway"), choices=ReintegrationPlan.Pathway.choices)
    officer = OfficerChoiceField(
        label=_("Reintegration officer"), queryset=officers(), required=False
    )
    interval_months = forms.IntegerField(
        label=_("Months between visits (empty: the organisation's setting)"),
        min_value=1,
        max_value=24,
        required=False,
    )
    duration_months = forms.IntegerField(
        label=_("Months of follow-up (empty: the organisation's setting)"),
        min_value=1,
        max_value=120,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers()


class ReintegrateForm(forms.Form):
    left_on = RecordDateField(label=_("Date she left the center"), widget=DATE)
    stay_version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, max_value=INT_MAX, required=False
    )


class SupportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Support"), choices=ReintegrationSupport.Kind.choices)
    given_on = RecordDateField(label=_("Given on"), widget=DATE)
    amount = forms.DecimalField(
        label=_("Value (for tuition: amount per term)"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[("USD", _("US dollars")), ("KHR", _("Riel"))]
    )
    riel_per_usd = forms.DecimalField(
        label=_("Rate used (riel per US dollar)"),
        min_value=1,
        max_digits=10,
        decimal_places=4,
        required=False,
    )
    details = forms.CharField(
        label=_("Contents of the kit, or details"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=TEXT_MAX,
    )
    employer = forms.CharField(label=_("Employer"), max_length=120, required=False)
    institution = forms.CharField(label=_("Institution"), max_length=120, required=False)

    def clean(self):
        data = super().clean()
        if data.get("currency") == "KHR" and data.get("amount") is not None:
            if not data.get("riel_per_usd"):
                self.add_error("riel_per_usd", _("Give the rate used: riel per US dollar."))
        return data


class VisitAddForm(forms.Form):
    due_on = RecordDateField(label=_("Due on"), widget=DATE)
    assigned_to = OfficerChoiceField(label=_("Officer"), queryset=officers(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = officers()


class RescheduleForm(VersionForm, VisitAddForm):
    pass


class CancelForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class RecordForm(VersionForm):
    visited_on = RecordDateField(label=_("Date of the visit"), widget=DATE)
    visitor_role = forms.ChoiceField(
        label=_("Who visited"), choices=FollowUpVisit.VisitorRole.choices
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=FollowUpVisit.Outcome.choices)
    housing = forms.TypedChoiceField(
        label=_("Housing"), choices=FollowUpVisit.Score.choices, coerce=int
    )
    income = forms.TypedChoiceField(
        label=_("Income"), choices=FollowUpVisit.Score.choices, coerce=int
    )
    health = forms.TypedChoiceField(
        label=_("Health"), choices=FollowUpVisit.Score.choices, coerce=int
    )
    safety = forms.TypedChoiceField(
        label=_("Safety"), choices=FollowUpVisit.Score.choices, coerce=int
    )
    still_operating = forms.ChoiceField(
        label=_("Her business or job is still going"), choices=YES_NO, required=False
    )
    income_band = forms.ChoiceField(
        label=_("Income band"),
        choices=[("", _("Not known"))] + list(FollowUpVisit.IncomeBand.choices),
        required=False,
    )
    needs_more_help = forms.ChoiceField(
        label=_("She needs more help"), choices=YES_NO, required=False
    )
    notes = forms.CharField(
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=TEXT_MAX,
    )


class SettingsForm(forms.Form):
    interval_months = forms.IntegerField(
        label=_("Months between visits"), min_value=1, max_value=24
    )
    duration_months = forms.IntegerField(label=_("Months of follow-up"), min_value=1, max_value=120)
