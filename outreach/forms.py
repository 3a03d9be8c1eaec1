"""Forms for the field: big inputs, numeric keyboards, clear messages next to
the field. They check the input; the services in services.py do the writing
(and check again)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from shelters.models import Shelter
from smf.core.forms import INT_MAX, TEXT_MAX, RecordDateField, text_limit

from . import selectors
from .models import AdvocacyActivity, ClinicVisit, Meeting, Topic, Venue

NEGATIVE = _("The number cannot be negative.")
FUTURE = _("The date cannot be in the future.")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def count_field(label, *, required=False, initial=None, help_text="") -> forms.IntegerField:
    """A whole-number field that opens the phone's number pad."""
    return forms.IntegerField(
        label=label,
        required=required,
        initial=initial,
        min_value=0,
        max_value=INT_MAX,
        help_text=help_text,
        error_messages={"min_value": NEGATIVE, "invalid": _("Enter a whole number.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0", "pattern": "[0-9]*"}),
    )


def past_date_field(label, *, required=True, initial=None) -> RecordDateField:
    return RecordDateField(
        label=label,
        required=required,
        initial=initial,
        widget=DateInput(),
        error_messages={"invalid": _("Enter a date like 2026-03-31.")},
    )


class NoFutureDatesMixin:
    """Refuses a date after today in the named fields, next to the field."""

    past_date_fields: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        for name in self.past_date_fields:
            value = cleaned.get(name)
            if value and value > today:
                self.add_error(name, FUTURE)
        return cleaned


# Venues ------------------------------------------------------------------------


class VenueForm(forms.ModelForm):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        text_limit(self.fields["access_notes"], TEXT_MAX)

    class Meta:
        model = Venue
        fields = ["name", "kind", "province", "district", "access_notes", "active"]
        widgets = {"access_notes": forms.Textarea(attrs={"rows": 3})}


class VenueSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *Venue.Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Active and closed")), ("active", _("Active")), ("closed", _("Closed"))],
    )

    def active(self) -> bool | None:
        status = self.cleaned_data.get("status") if self.is_valid() else ""
        return {"active": True, "closed": False}.get(status)


# Filters -----------------------------------------------------------------------


class RecordFilterForm(NoFutureDatesMixin, forms.Form):
    """Team, province, venue kind and date range. Pages drop the fields that
    do not apply to them (a clinic visit has no venue)."""

    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=None, empty_label=_("All teams")
    )
    province = forms.ChoiceField(label=_("Province"), required=False)
    venue_kind = forms.ChoiceField(
        label=_("Venue kind"),
        required=False,
        choices=[("", _("Any kind")), *Venue.Kind.choices],
    )
    date_from = RecordDateField(label=_("From"), required=False, widget=DateInput())
    date_to = RecordDateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, user, with_venue: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = selectors.teams()
        if with_venue:
            self.fields["province"].choices = [
                ("", _("All provinces")),
                *((p, p) for p in selectors.provinces(user=user)),
            ]
        else:
            del self.fields["province"], self.fields["venue_kind"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the range comes before its start."))
        return cleaned

    def record_filter(self) -> selectors.RecordFilter:
        if not self.is_valid():
            return selectors.RecordFilter()
        data = self.cleaned_data
        return selectors.RecordFilter(
            team=data.get("team"),
            province=data.get("province", ""),
            venue_kind=data.get("venue_kind", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


# Outreach visits -----------------------------------------------------------------


class OutreachVisitForm(NoFutureDatesMixin, forms.Form):
    past_date_fields = ("visited_on",)

    venue = forms.ChoiceField(
        label=_("Venue"),
        error_messages={"invalid_choice": _("Choose an active venue from the list.")},
    )
    visited_on = past_date_field(_("Date"))
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=None, empty_label=_("No team")
    )
    team_members = forms.ModelMultipleChoiceField(
        label=_("Team members"),
        required=False,
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )
    contacts = count_field(_("Contacts (people talked with)"), required=True)
    topics = forms.MultipleChoiceField(
        label=_("Topics covered"),
        required=False,
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    clients_educated = count_field(_("Clients educated"), initial=0)
    condoms = count_field(_("Condoms handed out"), initial=0)
    soaps = count_field(_("Soaps handed out"), initial=0)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        recent, others = selectors.venues_for_picker(user=user)
        self._venues = {v.code: v for v in [*recent, *others]}

        def label(v):
            return f"{v.name} · {v.get_kind_display()} · {v.province or '—'}"

        groups = [("", _("Choose a venue"))]
        if recent:
            groups.append((_("Recently visited"), [(v.code, label(v)) for v in recent]))
        groups.append((_("All venues"), [(v.code, label(v)) for v in others]))
        self.fields["venue"].choices = groups
        self.fields["venue"].widget.attrs["data-venue-picker"] = "1"
        self.fields["team"].queryset = selectors.teams(kinds=("outreach",))
        self.fields["team_members"].queryset = selectors.outreach_staff()
        self.fields["team_members"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.supply_items = selectors.supply_items_for_visit(user=user)
        for item in self.supply_items:
            self.fields[f"supply_{item.code}"] = count_field(
                _("%(item)s handed out") % {"item": item.name}
            )
        if not self.is_bound:
            self.initial.setdefault("visited_on", timezone.localdate())
            self.initial.setdefault("team", selectors.team_of(user=user, kind="outreach"))
            self.initial.setdefault("team_members", [user.pk])

    def clean_venue(self):
        venue = self._venues.get(self.cleaned_data["venue"])
        if venue is None:
            raise forms.ValidationError(_("Choose an active venue from the list."))
        return venue

    def supply_fields(self):
        return [self[f"supply_{item.code}"] for item in self.supply_items]

    def other_supplies(self) -> dict:
        return {
            item: self.cleaned_data.get(f"supply_{item.code}") or 0 for item in self.supply_items
        }


# Supplies ------------------------------------------------------------------------


class SupplyItemForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    name = forms.CharField(label=_("Name"), max_length=120)
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)
    low_stock_threshold = count_field(_("Warn when the balance falls to"), initial=0)

    def clean_low_stock_threshold(self) -> int:
        """Left empty: no warning until the balance is gone (0)."""
        value = self.cleaned_data["low_stock_threshold"]
        return 0 if value is None else value


class SupplyThresholdForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    low_stock_threshold = count_field(_("Warn when the balance falls to"), required=True)
    active = forms.BooleanField(label=_("Still handed out"), required=False)


class SupplyReceiptForm(NoFutureDatesMixin, forms.Form):
    past_date_fields = ("received_on",)

    item = forms.ModelChoiceField(label=_("Item"), queryset=None)
    received_on = past_date_field(_("Received on"))
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=INT_MAX,
        error_messages={"min_value": _("Enter how many came in (more than 0).")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
    )
    source = forms.CharField(label=_("From"), max_length=120, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = selectors.supply_items(user=user)
        self.initial.setdefault("received_on", timezone.localdate())


# Clinic ----------------------------------------------------------------------------


class ClinicVisitForm(NoFutureDatesMixin, forms.Form):
    """No name field, on purpose: the client is a code on a card."""

    past_date_fields = ("visited_on",)

    client_code = forms.CharField(
        label=_("Client code"),
        required=False,
        max_length=32,
        help_text=_("From the client's card. Leave empty for a new client: a code is made."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    visited_on = past_date_field(_("Date"))
    service = forms.ChoiceField(label=_("Service"), choices=ClinicVisit.Service.choices)
    std_test = forms.BooleanField(label=_("STD test done"), required=False)
    std_result = forms.ChoiceField(
        label=_("STD test result"),
        required=False,
        choices=[("", _("Not tested")), *ClinicVisit.StdResult.choices],
    )
    treatment = forms.CharField(
        label=_("Treatment given"),
        required=False,
        max_length=200,
        help_text=_("Medicines or care given. Never write a name."),
    )
    counselling = forms.BooleanField(label=_("Counselling given"), required=False)
    decided_to_leave = forms.BooleanField(
        label=_("Decided to leave and referred to a center"), required=False
    )
    referred_to = forms.ModelChoiceField(
        label=_("Referred to center"),
        required=False,
        queryset=Shelter.objects.order_by("name"),
        empty_label=_("Not referred"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=None, empty_label=_("No team")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = selectors.teams(kinds=("clinic",))
        if not self.is_bound:
            self.initial.setdefault("visited_on", timezone.localdate())
            self.initial.setdefault("team", selectors.team_of(user=user, kind="clinic"))

    def clean_client_code(self):
        return self.cleaned_data["client_code"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("std_result") and not cleaned.get("std_test"):
            self.add_error("std_result", _("A result needs an STD test: tick 'STD test done'."))
        if cleaned.get("referred_to") and not cleaned.get("decided_to_leave"):
            self.add_error(
                "referred_to", _("Tick 'decided to leave' to refer the client to a center.")
            )
        return cleaned


# Advocacy --------------------------------------------------------------------------


class MeetingForm(NoFutureDatesMixin, forms.Form):
    past_date_fields = ("held_on",)

    held_on = past_date_field(_("Date"))
    title = forms.CharField(label=_("Title"), max_length=200)
    counterpart = forms.ChoiceField(label=_("Counterpart"), choices=Meeting.Counterpart.choices)
    counterpart_name = forms.CharField(
        label=_("Ministry or partner"), max_length=200, required=False
    )
    agreement_reached = forms.BooleanField(label=_("Agreement reached"), required=False)
    agreement = forms.CharField(
        label=_("What was agreed"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=None, empty_label=_("No team")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = selectors.teams()
        self.initial.setdefault("held_on", timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("agreement_reached") and not cleaned.get("agreement", "").strip():
            self.add_error("agreement", _("Say what was agreed."))
        return cleaned


class EventForm(NoFutureDatesMixin, forms.Form):
    past_date_fields = ("held_on",)

    held_on = past_date_field(_("Date"))
    title = forms.CharField(label=_("Title"), max_length=200)
    participants = count_field(_("Participants"), required=True)
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=None, empty_label=_("No team")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = selectors.teams()
        self.initial.setdefault("held_on", timezone.localdate())


class AdvocateChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Case) -> str:
        # The case code only: outreach staff never see a survivor's name.
        return obj.code


class AdvocacyActivityForm(NoFutureDatesMixin, forms.Form):
    past_date_fields = ("held_on",)

    kind = forms.ChoiceField(label=_("Kind"), choices=AdvocacyActivity.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = past_date_field(_("Date (or first day)"))
    ended_on = RecordDateField(label=_("Last day"), required=False, widget=DateInput())
    participants = count_field(_("Participants"), initial=0)
    advocates = AdvocateChoiceField(
        label=_("Survivor advocates (case codes)"),
        required=False,
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=None, empty_label=_("No team")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advocates"].queryset = selectors.advocate_choices(user=user)
        self.fields["team"].queryset = selectors.teams()
        self.initial.setdefault("held_on", timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("held_on"), cleaned.get("ended_on")
        if start and end and end < start:
            self.add_error("ended_on", _("The end cannot come before the start."))
        return cleaned


class TotalsForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=None, empty_label=_("All teams")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = selectors.teams()
