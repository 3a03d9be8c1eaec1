from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ImpactReport

FIRST_YEAR = 2000


class ReportRequestForm(forms.Form):
    year = forms.IntegerField(label=_("Year"))
    language = forms.ChoiceField(label=_("Language"), choices=ImpactReport.Language.choices)
    variant = forms.ChoiceField(label=_("Edition"), choices=ImpactReport.Variant.choices)

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        last = timezone.localdate().year
        if not FIRST_YEAR <= year <= last:
            raise forms.ValidationError(
                _("Choose a year between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": last}
            )
        return year


class FiguresYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=2100)
