"""Each figure's counting rule at its edges (shared/spec/outcome-figures.md)."""

from datetime import date
from decimal import Decimal

import pytest

from reports.selectors import FIGURE_KEYS, figures_for_year, percentage
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_every_spec_key_is_present_and_zero_without_records():
    figures = figures_for_year(2011)
    assert list(figures) == list(FIGURE_KEYS)
    assert all(value == 0 for value in figures.values())
    assert figures["funding.directed_usd"] == Decimal("0.00")


def test_figures_cost_a_fixed_number_of_queries(django_assert_num_queries):
    c = f.case()
    f.stay(c, admitted_on=date(2010, 5, 1), left_on=date(2011, 3, 1))
    f.outreach_visit(visited_on=date(2011, 2, 1))
    f.clinic_visit(visited_on=date(2011, 2, 1))
    # outreach, clinic, meetings, events, residents+education, training,
    # internships, reintegrated, support, follow-ups, convictions, funding
    with django_assert_num_queries(12):
        figures_for_year(2011)


class TestShelterResidents:
    def test_stay_spanning_new_year_counts_in_both_years(self):
        f.stay(admitted_on=date(2010, 11, 1), left_on=date(2011, 2, 1), exit_reason="family")
        assert figures_for_year(2010)["shelter.residents"] == 1
        assert figures_for_year(2011)["shelter.residents"] == 1
        assert figures_for_year(2012)["shelter.residents"] == 0

    def test_still_open_stay_counts_every_year_from_admission(self):
        f.stay(admitted_on=date(2010, 6, 1))
        assert figures_for_year(2009)["shelter.residents"] == 0
        assert figures_for_year(2010)["shelter.residents"] == 1
        assert figures_for_year(2012)["shelter.residents"] == 1

    def test_stay_ending_on_first_of_january_still_overlaps(self):
        f.stay(admitted_on=date(2010, 6, 1), left_on=date(2011, 1, 1), exit_reason="left")
        assert figures_for_year(2011)["shelter.residents"] == 1

    def test_case_with_two_stays_is_one_resident(self, tom_dy, siem_reap):
        c = f.case()
        f.stay(
            c,
            tom_dy,
            admitted_on=date(2011, 1, 5),
            left_on=date(2011, 4, 1),
            exit_reason="transferred",
        )
        f.stay(c, siem_reap, admitted_on=date(2011, 4, 1))
        assert figures_for_year(2011)["shelter.residents"] == 1

    def test_education_percentage_rounds_half_up_among_residents(self):
        residents = [f.case() for _ in range(8)]
        for c in residents:
            f.stay(c, admitted_on=date(2011, 1, 5))
        for c in residents[:5]:  # 5 of 8 = 62.5% -> 63
            f.education(c, started_on=date(2010, 9, 1), ended_on=date(2011, 1, 1))
        # Education of someone who was no resident that year does not count.
        outsider = f.case()
        f.education(outsider, started_on=date(2011, 2, 1))
        assert figures_for_year(2011)["shelter.education_pct"] == 63

    def test_education_ended_before_the_year_does_not_count(self):
        c = f.case()
        f.stay(c, admitted_on=date(2010, 1, 5))
        f.education(c, started_on=date(2010, 1, 10), ended_on=date(2010, 12, 31))
        assert figures_for_year(2011)["shelter.education_pct"] == 0
        assert figures_for_year(2010)["shelter.education_pct"] == 100


def test_percentage_rounds_half_up():
    assert percentage(1, 8) == 13  # 12.5
    assert percentage(1, 3) == 33
    assert percentage(0, 0) == 0


class TestTraining:
    def test_trainees_overlap_completions_and_certifications_by_date(self):
        a, b, c = f.case(), f.case(), f.case()
        f.training(
            a,
            started_on=date(2010, 9, 1),
            completed_on=date(2011, 2, 1),
            certified_on=date(2012, 1, 10),
        )
        f.training(a, trade="salon", started_on=date(2011, 3, 1))
        f.training(b, started_on=date(2010, 1, 1), completed_on=date(2010, 12, 31))
        f.training(c, started_on=date(2012, 1, 1))
        f.internship(a, started_on=date(2011, 12, 31))
        f.internship(b, started_on=date(2012, 1, 1))
        y2011 = figures_for_year(2011)
        assert y2011["training.trainees"] == 1  # a twice; b ended 2010; c began 2012
        assert y2011["training.completed"] == 1
        assert y2011["training.certified"] == 0
        assert y2011["training.internships_started"] == 1
        assert figures_for_year(2012)["training.certified"] == 1


class TestReintegration:
    def test_reintegrated_counts_cases_whose_stay_ended_so_in_the_year(self):
        a, b, c = f.case(), f.case(), f.case()
        f.stay(
            a, admitted_on=date(2010, 1, 1), left_on=date(2011, 6, 1), exit_reason="reintegrated"
        )
        f.stay(b, admitted_on=date(2010, 1, 1), left_on=date(2011, 6, 1), exit_reason="family")
        f.stay(
            c, admitted_on=date(2010, 1, 1), left_on=date(2010, 12, 31), exit_reason="reintegrated"
        )
        assert figures_for_year(2011)["reintegration.reintegrated"] == 1
        assert figures_for_year(2010)["reintegration.reintegrated"] == 1

    def test_support_kits_and_their_mean_value(self):
        a, b = f.case(), f.case()
        f.support(a, kind="startup_kit", value_usd="650.00")
        f.support(b, kind="startup_kit", value_usd="750.01")
        f.support(b, kind="microgrant", value_usd="100.00")
        f.support(b, kind="job_placement", given_on=date(2012, 1, 1), value_usd=None)
        y = figures_for_year(2011)
        assert y["reintegration.supported"] == 2
        assert y["reintegration.startup_kits"] == 2
        assert y["reintegration.startup_kit_avg_usd"] == Decimal("700.01")  # 700.005 half up
        assert figures_for_year(2012)["reintegration.startup_kit_avg_usd"] == Decimal("0.00")


class TestFollowUp:
    def test_cohort_is_cases_reintegrated_one_or_two_years_before(self):
        two_back, one_back, three_back, this_year = (f.case() for _ in range(4))
        for c, left in (
            (two_back, date(2010, 1, 1)),
            (one_back, date(2011, 12, 31)),
            (three_back, date(2009, 12, 31)),
            (this_year, date(2012, 1, 2)),
        ):
            f.stay(c, admitted_on=date(2009, 1, 1), left_on=left, exit_reason="reintegrated")
            f.followup(c, visited_on=date(2012, 3, 1))
        f.followup(two_back, visited_on=date(2012, 6, 1))
        f.followup(one_back, due_on=date(2012, 9, 1), visited_on=None)  # not made
        y = figures_for_year(2012)
        assert y["followup.visits"] == 5
        assert y["followup.survivors"] == 4
        assert y["followup.cohort_followed"] == 2

    def test_on_time_share_counts_visits_within_fourteen_days_either_side(self):
        c = f.case()
        f.followup(c, due_on=date(2011, 1, 31), visited_on=date(2011, 2, 14))  # 14 late
        f.followup(c, due_on=date(2011, 1, 31), visited_on=date(2011, 2, 15))  # 15 late
        f.followup(c, due_on=date(2011, 3, 1), visited_on=date(2011, 2, 15))  # 14 early
        f.followup(c, due_on=date(2011, 3, 1), visited_on=date(2011, 2, 14))  # 15 early
        f.followup(c, due_on=None, visited_on=date(2011, 5, 1))  # unscheduled: not counted
        assert figures_for_year(2011)["followup.on_time_pct"] == 50


class TestClinicAndOutreach:
    def test_clinic_client_with_several_visits_is_one_client(self, tom_dy):
        enrolled = f.case()
        f.clinic_visit("C-1", visited_on=date(2011, 1, 1), std_test=True)
        f.clinic_visit("C-1", visited_on=date(2011, 5, 1), service="treatment")
        f.clinic_visit("C-1", visited_on=date(2011, 9, 1), enrolled_case=enrolled)
        f.clinic_visit("C-2", visited_on=date(2011, 2, 1), std_test=True)
        f.clinic_visit("C-3", visited_on=date(2010, 12, 31), enrolled_case=enrolled)
        y = figures_for_year(2011)
        assert y["clinic.consultations"] == 4
        assert y["clinic.clients"] == 2
        assert y["clinic.std_tests"] == 2
        assert y["clinic.exits_to_shelter"] == 1

    def test_outreach_sums_and_distinct_venues(self):
        v1, v2 = f.venue(), f.venue()
        f.outreach_visit(
            v1, visited_on=date(2011, 1, 1), contacts=10, condoms=100, soaps=3, clients_educated=2
        )
        f.outreach_visit(
            v1, visited_on=date(2011, 12, 31), contacts=5, condoms=50, soaps=0, clients_educated=0
        )
        f.outreach_visit(v2, visited_on=date(2012, 1, 1), contacts=99, condoms=999)
        y = figures_for_year(2011)
        assert (y["outreach.contacts"], y["outreach.venues_visited"]) == (15, 1)
        assert (y["supplies.condoms"], y["supplies.soaps"]) == (150, 3)
        assert y["outreach.clients_educated"] == 2

    def test_meetings_agreements_and_event_participants(self):
        f.meeting(agreement_reached=True)
        f.meeting()
        f.meeting(held_on=date(2012, 1, 1), agreement_reached=True)
        f.event(participants=4012)
        f.event(held_on=date(2010, 12, 10), participants=3000)
        y = figures_for_year(2011)
        assert (y["advocacy.meetings"], y["advocacy.agreements"]) == (2, 1)
        assert y["advocacy.event_participants"] == 4012


def test_convictions_and_funding():
    f.legal_case(outcome="conviction", closed_on=date(2012, 3, 1))
    f.legal_case(outcome="acquittal", closed_on=date(2012, 3, 1))
    f.legal_case(outcome="conviction", closed_on=date(2011, 12, 31))
    f.disbursement(amount_usd="924000.50")
    f.disbursement(amount_usd="0.49")
    f.disbursement(given_on=date(2010, 1, 1), amount_usd="837000.00")
    assert figures_for_year(2012)["legal.convictions"] == 1
    assert figures_for_year(2011)["funding.directed_usd"] == Decimal("924000.99")
