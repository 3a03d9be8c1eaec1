"""The admin's change lists, held to the product's rule: an address someone can
type never ends in a 500."""

from __future__ import annotations

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class DateDrillDownChangeList(ChangeList):
    """Django's date drill-down (`date_hierarchy`) fails with a 500 on a date it
    cannot hold: `?at__year=9999` has no next year, `?at__day=-9223372036854775809`
    is no C integer. Such an address is a wrong lookup like `?at__day=x`, which
    Django answers with the list and `?e=1`."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class DateDrillDownMixin:
    """For a ModelAdmin: its change list refuses impossible drill-down dates."""

    def get_changelist(self, request, **kwargs):
        return DateDrillDownChangeList
