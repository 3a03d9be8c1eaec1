"""Reads of outreach, clinic and advocacy records, already scoped and preloaded.

Every selector takes the user and scopes through `.visible_to(user)`, so a
user outside outreach gets nothing even if a view forgot its check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import (
    Case as SqlCase,
)
from django.db.models import (
    Count,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth
from django.http import Http404

from cases.models import Case
from smf.staff.models import Team

from .models import (
    AdvocacyActivity,
    ClinicVisit,
    Event,
    Meeting,
    OutreachVisit,
    SupplyItem,
    SupplyReceipt,
    Venue,
    VisitSupply,
)

OUTREACH_TEAM_KINDS = (Team.Kind.OUTREACH, Team.Kind.CLINIC, Team.Kind.ADVOCACY)


@dataclass(frozen=True)
class RecordFilter:
    """What the list pages filter on; empty means 'any'."""

    team: Team | None = None
    province: str = ""
    venue_kind: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _dated(queryset: QuerySet, flt: RecordFilter, date_field: str) -> QuerySet:
    if flt.team is not None:
        queryset = queryset.filter(team=flt.team)
    if flt.date_from:
        queryset = queryset.filter(**{f"{date_field}__gte": flt.date_from})
    if flt.date_to:
        queryset = queryset.filter(**{f"{date_field}__lte": flt.date_to})
    return queryset


# Venues and teams ------------------------------------------------------------


def venue_list(
    *, user, search: str = "", kind: str = "", province: str = "", active: bool | None = None
) -> QuerySet[Venue]:
    """Venues matching a free-text search over code, name, province and district."""
    venues = Venue.objects.visible_to(user)
    for word in search.split():
        venues = venues.filter(
            Q(code__icontains=word)
            | Q(name__icontains=word)
            | Q(province__icontains=word)
            | Q(district__icontains=word)
        )
    if kind:
        venues = venues.filter(kind=kind)
    if province:
        venues = venues.filter(province__iexact=province)
    if active is not None:
        venues = venues.filter(active=active)
    return venues.annotate(last_visited_on=Max("visits__visited_on")).order_by("name", "code")


def venue_get(*, user, code: str) -> Venue:
    venue = Venue.objects.visible_to(user).filter(code=code).first()
    if venue is None:
        raise Http404("No such venue.")
    return venue


def venues_for_picker(*, user, recent: int = 8) -> tuple[list[Venue], list[Venue]]:
    """Active venues for the visit form: the ones this user's visits went to
    most recently first, then the rest by name (two queries)."""
    active = Venue.objects.visible_to(user).filter(active=True)
    recent_venues = list(
        active.filter(Q(visits__created_by=user) | Q(visits__team_members=user))
        .annotate(last=Max("visits__visited_on"))
        .order_by("-last", "name")[:recent]
    )
    others = list(active.exclude(pk__in=[v.pk for v in recent_venues]).order_by("name"))
    return recent_venues, others


def provinces(*, user) -> list[str]:
    """The provinces venues are registered in, for the filter list."""
    return list(
        Venue.objects.visible_to(user)
        .exclude(province="")
        .order_by("province")
        .values_list("province", flat=True)
        .distinct()
    )


def teams(*, kinds=OUTREACH_TEAM_KINDS) -> QuerySet[Team]:
    return Team.objects.filter(kind__in=kinds).order_by("name")


def team_of(*, user, kind: str) -> Team | None:
    """The user's own team of that kind: the form's default."""
    return Team.objects.filter(kind=kind, members__user=user).order_by("name").first()


def outreach_staff(*, kinds=(Team.Kind.OUTREACH,)):
    """Active staff members of the outreach teams, the people a visit can name."""
    return (
        get_user_model()
        .objects.filter(is_active=True, staff_profile__teams__kind__in=kinds)
        .distinct()
        .order_by("first_name", "username")
    )


# Outreach visits -------------------------------------------------------------


def outreach_visit_list(*, user, flt: RecordFilter = RecordFilter()) -> QuerySet[OutreachVisit]:
    """Visits with their venue, team, team members and other supplies preloaded."""
    visits = _dated(OutreachVisit.objects.visible_to(user), flt, "visited_on")
    if flt.province:
        visits = visits.filter(venue__province__iexact=flt.province)
    if flt.venue_kind:
        visits = visits.filter(venue__kind=flt.venue_kind)
    return (
        visits.select_related("venue", "team")
        .prefetch_related(
            "team_members",
            Prefetch("supplies", queryset=VisitSupply.objects.select_related("item")),
        )
        .order_by("-visited_on", "-id")
    )


# Supplies --------------------------------------------------------------------


def _sum_subquery(queryset: QuerySet, column: str) -> Subquery:
    """SELECT SUM(column) FROM queryset, as a scalar subquery (0 when empty)."""
    return Coalesce(
        Subquery(
            queryset.order_by().annotate(total=Func(F(column), function="SUM")).values("total")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def supply_stock(*, user) -> list[SupplyItem]:
    """Each item with `received`, `handed_out`, `balance` and `low` (one query).

    Condoms and soaps handed out are the sums of the visits' own columns;
    other items come from the visits' supply rows.
    """
    received = _sum_subquery(SupplyReceipt.objects.filter(item=OuterRef("pk")), "quantity")
    other = _sum_subquery(VisitSupply.objects.filter(item=OuterRef("pk")), "quantity")
    visits = OutreachVisit.objects.all()
    handed_out = SqlCase(
        When(code=SupplyItem.CONDOMS, then=_sum_subquery(visits, "condoms")),
        When(code=SupplyItem.SOAPS, then=_sum_subquery(visits, "soaps")),
        default=other,
        output_field=IntegerField(),
    )
    items = list(
        SupplyItem.objects.visible_to(user)
        .annotate(received=received, handed_out=handed_out)
        .annotate(balance=F("received") - F("handed_out"))
        .order_by("-active", "name")
    )
    for item in items:
        item.low = item.balance <= item.low_stock_threshold
    return items


def supply_items_for_visit(*, user) -> list[SupplyItem]:
    """The items other than condoms and soaps that a visit form offers."""
    return list(
        SupplyItem.objects.visible_to(user)
        .filter(active=True)
        .exclude(code__in=SupplyItem.ON_THE_VISIT)
        .order_by("name")
    )


def supply_items(*, user) -> QuerySet[SupplyItem]:
    return SupplyItem.objects.visible_to(user).filter(active=True).order_by("name")


def supply_item_get(*, user, code: str) -> SupplyItem:
    item = SupplyItem.objects.visible_to(user).filter(code=code).first()
    if item is None:
        raise Http404("No such supply item.")
    return item


def supply_receipt_list(*, user) -> QuerySet[SupplyReceipt]:
    return SupplyReceipt.objects.visible_to(user).select_related("item")


# Clinic ------------------------------------------------------------------------


def clinic_visit_list(*, user, flt: RecordFilter = RecordFilter()) -> QuerySet[ClinicVisit]:
    visits = _dated(ClinicVisit.objects.visible_to(user), flt, "visited_on")
    return visits.select_related("team", "referred_to", "enrolled_case").order_by(
        "-visited_on", "-id"
    )


def clinic_client_visits(*, user, code: str) -> list[ClinicVisit]:
    """Every visit of one client code, newest first; 404 for an unknown code."""
    visits = list(
        ClinicVisit.objects.visible_to(user)
        .filter(client_code=code)
        .select_related("team", "referred_to", "enrolled_case")
        .order_by("-visited_on", "-id")
    )
    if not visits:
        raise Http404("No such client.")
    return visits


def clinic_referral_pending(visits: list[ClinicVisit]) -> bool:
    """The client decided to leave and no case has been opened for it yet."""
    return any(v.decided_to_leave for v in visits) and not any(v.enrolled_case_id for v in visits)


# Advocacy ----------------------------------------------------------------------


def meeting_list(*, user, flt: RecordFilter = RecordFilter()) -> QuerySet[Meeting]:
    return _dated(Meeting.objects.visible_to(user), flt, "held_on").select_related("team")


def event_list(*, user, flt: RecordFilter = RecordFilter()) -> QuerySet[Event]:
    return _dated(Event.objects.visible_to(user), flt, "held_on").select_related("team")


def advocacy_activity_list(
    *, user, flt: RecordFilter = RecordFilter()
) -> QuerySet[AdvocacyActivity]:
    """Activities with their advocates' case codes only (never a name)."""
    return (
        _dated(AdvocacyActivity.objects.visible_to(user), flt, "held_on")
        .select_related("team")
        .prefetch_related(
            Prefetch("advocates", queryset=Case.objects.only("id", "code").order_by("code"))
        )
    )


def advocate_choices(*, user) -> QuerySet[Case]:
    """The cases a user may name as survivor advocates: those she can see."""
    return Case.objects.visible_to(user).only("id", "code").order_by("code")


# Monthly totals ----------------------------------------------------------------

OUTREACH_MEASURES = ("visits", "contacts", "clients_educated", "condoms", "soaps", "venues")
CLINIC_MEASURES = ("clinic_visits", "std_tests", "clinic_clients")
MEASURES = OUTREACH_MEASURES + CLINIC_MEASURES


@dataclass
class TeamTotals:
    team_id: int | None
    team_name: str
    months: dict[int, dict[str, int]] = field(default_factory=dict)
    year: dict[str, int] = field(default_factory=dict)

    def rows(self):
        """(month number, totals) for the twelve months, zeros included."""
        empty = dict.fromkeys(MEASURES, 0)
        return [(m, {**empty, **self.months.get(m, {})}) for m in range(1, 13)]


@dataclass
class MonthlyTotals:
    year_number: int
    teams: list[TeamTotals]
    year: dict[str, int]


def _outreach_aggregates():
    return {
        "visits": Count("id"),
        "contacts": Coalesce(Sum("contacts"), 0),
        "clients_educated": Coalesce(Sum("clients_educated"), 0),
        "condoms": Coalesce(Sum("condoms"), 0),
        "soaps": Coalesce(Sum("soaps"), 0),
        "venues": Count("venue", distinct=True),
    }


def _clinic_aggregates():
    return {
        "clinic_visits": Count("id"),
        "std_tests": Count("id", filter=Q(std_test=True)),
        "clinic_clients": Count("client_code", distinct=True),
    }


def monthly_totals(*, user, year: int, team: Team | None = None) -> MonthlyTotals:
    """Per team and month: contacts, clients educated, condoms, soaps, visits,
    venues, clinic visits, STD tests and clinic clients (6 queries).

    Sums add up across months; distinct counts (venues, clinic clients) do not,
    so the per-team year and the all-teams year are counted again over the
    whole year, the way `reports.selectors.figures_for_year` counts them.
    Records with no team are grouped under "No team" so nothing is left out.
    """
    first, last = date(year, 1, 1), date(year, 12, 31)
    outreach = OutreachVisit.objects.visible_to(user).filter(visited_on__range=(first, last))
    clinic = ClinicVisit.objects.visible_to(user).filter(visited_on__range=(first, last))
    if team is not None:
        outreach, clinic = outreach.filter(team=team), clinic.filter(team=team)
    by_team: dict[int | None, TeamTotals] = {}

    def slot(row) -> TeamTotals:
        key = row["team_id"]
        if key not in by_team:
            by_team[key] = TeamTotals(key, row["team__name"] or "")
        return by_team[key]

    for source, aggregates in ((outreach, _outreach_aggregates()), (clinic, _clinic_aggregates())):
        grouped = source.order_by().values("team_id", "team__name")
        for row in grouped.annotate(month=ExtractMonth("visited_on")).annotate(**aggregates):
            slot(row).months.setdefault(row["month"], {}).update({k: row[k] for k in aggregates})
        for row in grouped.annotate(**aggregates):
            slot(row).year.update({k: row[k] for k in aggregates})
    whole_year = {
        **outreach.order_by().aggregate(**_outreach_aggregates()),
        **clinic.order_by().aggregate(**_clinic_aggregates()),
    }
    empty = dict.fromkeys(MEASURES, 0)
    teams_sorted = sorted(by_team.values(), key=lambda t: (t.team_id is None, t.team_name))
    for t in teams_sorted:
        t.year = {**empty, **t.year}
    return MonthlyTotals(year_number=year, teams=teams_sorted, year={**empty, **whole_year})
