"""The monthly totals per team and the figures service agree on the same records."""

from datetime import date

import pytest

from outreach import selectors
from outreach.models import ClinicVisit, OutreachVisit
from reports.selectors import figures_for_year
from tests import factories

pytestmark = pytest.mark.django_db

YEAR = 2025


@pytest.fixture
def year_of_records(outreach_team, province_team, clinic_team):
    """Two teams and records with no team; the same venues and clients come back
    month after month, so a sum of monthly distinct counts would overcount."""
    bar, club, brothel = factories.venue(), factories.venue(kind="club"), factories.venue()
    plan = [
        (outreach_team, bar, date(YEAR, 1, 3)),
        (outreach_team, bar, date(YEAR, 1, 20)),
        (outreach_team, bar, date(YEAR, 2, 2)),
        (outreach_team, club, date(YEAR, 2, 9)),
        (province_team, club, date(YEAR, 2, 9)),
        (province_team, brothel, date(YEAR, 7, 31)),
        (None, brothel, date(YEAR, 12, 31)),  # imported, no team
        (outreach_team, bar, date(YEAR - 1, 12, 31)),  # not this year
        (outreach_team, bar, date(YEAR + 1, 1, 1)),  # nor this
    ]
    for n, (team, venue, on) in enumerate(plan, start=1):
        visit = factories.outreach_visit(
            venue, visited_on=on, contacts=10 * n, clients_educated=n, condoms=100 * n, soaps=n
        )
        OutreachVisit.objects.filter(pk=visit.pk).update(team=team)
    clinic_plan = [
        ("CL-AAAAA1", date(YEAR, 1, 5), True, clinic_team),
        ("CL-AAAAA1", date(YEAR, 3, 5), True, clinic_team),
        ("CL-BBBBB2", date(YEAR, 3, 6), False, clinic_team),
        ("CL-BBBBB2", date(YEAR, 3, 7), True, None),
        ("CL-CCCCC3", date(YEAR - 1, 3, 7), True, clinic_team),
    ]
    for code, on, tested, team in clinic_plan:
        visit = factories.clinic_visit(code, visited_on=on, std_test=tested)
        ClinicVisit.objects.filter(pk=visit.pk).update(team=team)


def test_monthly_totals_add_up_to_the_yearly_figures(director, year_of_records):
    totals = selectors.monthly_totals(user=director, year=YEAR)
    figures = figures_for_year(YEAR)

    def monthly_sum(measure):
        return sum(row[measure] for team in totals.teams for _month, row in team.rows())

    assert monthly_sum("contacts") == figures["outreach.contacts"]
    assert monthly_sum("clients_educated") == figures["outreach.clients_educated"]
    assert monthly_sum("condoms") == figures["supplies.condoms"]
    assert monthly_sum("soaps") == figures["supplies.soaps"]
    assert monthly_sum("clinic_visits") == figures["clinic.consultations"]
    assert monthly_sum("std_tests") == figures["clinic.std_tests"]
    # Distinct counts do not add up month by month; the year total counts again.
    assert monthly_sum("venues") > figures["outreach.venues_visited"]
    assert totals.year["venues"] == figures["outreach.venues_visited"]
    assert monthly_sum("clinic_clients") > figures["clinic.clients"]
    assert totals.year["clinic_clients"] == figures["clinic.clients"]
    for measure in ("contacts", "condoms", "soaps", "visits", "clinic_visits", "std_tests"):
        assert sum(team.year[measure] for team in totals.teams) == totals.year[measure]


def test_monthly_totals_per_team_and_month(director, year_of_records, outreach_team):
    totals = selectors.monthly_totals(user=director, year=YEAR)
    names = [team.team_name for team in totals.teams]
    assert names[-1] == ""  # records with no team come last, none lost
    team = next(t for t in totals.teams if t.team_id == outreach_team.pk)
    january, february = team.rows()[0][1], team.rows()[1][1]
    assert (january["visits"], january["venues"], january["contacts"]) == (2, 1, 10 + 20)
    assert (february["visits"], february["venues"]) == (2, 2)
    assert team.year["venues"] == 2  # the bar in January and February counts once


def test_monthly_totals_of_one_team(director, year_of_records, province_team):
    totals = selectors.monthly_totals(user=director, year=YEAR, team=province_team)
    assert [t.team_id for t in totals.teams] == [province_team.pk]
    assert totals.year["visits"] == 2 and totals.year["clinic_visits"] == 0


def test_monthly_totals_query_count(director, year_of_records, django_assert_num_queries):
    # outreach by team+month, outreach by team, clinic by team+month, clinic by
    # team, outreach whole year, clinic whole year; the roles lookup is cached
    # on the user after the first call.
    selectors.monthly_totals(user=director, year=YEAR)
    with django_assert_num_queries(6):
        selectors.monthly_totals(user=director, year=YEAR)


def test_monthly_totals_are_empty_for_other_staff(social_worker_tom_dy, year_of_records):
    totals = selectors.monthly_totals(user=social_worker_tom_dy, year=YEAR)
    assert totals.teams == [] and totals.year["contacts"] == 0
