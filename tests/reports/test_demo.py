"""The demo data: seed_demo gives back the figures the organisation published.

The expected numbers below are copied from the seed page
(shared/seeds/000_77c4c19a9aa8288a.txt), not from the apps' demo TARGETS: where
the page gives a number it must come out exactly, where it rounds the test
holds the figure to the page's own wording.

The demo is seeded once per test class (about ten seconds on a loaded machine)
inside a transaction that is rolled back afterwards, so other tests never see it.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.test import RequestFactory, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import Case
from outreach.models import ClinicClient, ClinicVisit, OutreachVisit, SupplyReceipt
from reintegration.models import FollowUpVisit
from reports.selectors import FIGURE_KEYS, figures_for_year
from shelters.models import Shelter, Stay
from smf.core.demo import DEFAULT_PASSWORD, demo_draw, demo_generators
from smf.core.management.commands.seed_demo import demo_password
from smf.staff.roles import Role
from smf.staff.twofactor import totp_secret_of
from tests import factories


def _login_request():
    """The request a log-in comes with (django-axes counts failures per address)."""
    return RequestFactory().post("/login/")


PASSWORD = "demo-test-password"
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# username -> (role group, center codes), as the README promises.
EXPECTED_LOGINS = {
    "sw.tomdy": ("social_worker", {"TD"}),
    "sw.siemreap": ("social_worker", {"SR"}),
    "manager.tomdy": ("center_manager", {"TD"}),
    "reintegration": ("reintegration_officer", set()),
    "outreach": ("outreach_worker", set()),
    "legal": ("legal_officer", set()),
    "director": ("director", set()),
    "admin": ("administrator", set()),
}


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """seed_demo once for the class; its output. Rolled back at the end."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        with transaction.atomic():
            out = io.StringIO()
            call_command("seed_demo", password=PASSWORD, stdout=out)
            yield out.getvalue()
            transaction.set_rollback(True)


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in ("cases", "shelters", "reintegration", "outreach", "reports")
        for model in apps.get_app_config(app).get_models()
    }


@pytest.mark.usefixtures("demo", "db")
class TestSeededDemo:
    def test_2011_figures_are_the_published_ones(self):
        f = figures_for_year(2011)
        # Stated exactly.
        assert f["supplies.condoms"] == 806_546
        assert f["supplies.soaps"] == 9_821
        assert f["clinic.consultations"] == 1_844
        assert f["clinic.std_tests"] == 668
        assert f["advocacy.agreements"] == 2  # "two groundbreaking agreements"
        assert f["shelter.residents"] == 358
        assert f["training.trainees"] == 248
        assert f["training.certified"] == 48
        assert f["reintegration.reintegrated"] == 120
        assert f["reintegration.startup_kits"] == 66
        assert f["reintegration.startup_kit_avg_usd"] == Decimal("700.00")
        assert f["followup.survivors"] == 227
        # Residents of all three centers received English and computer training.
        assert f["shelter.education_pct"] == 100
        # Rounded by the page's own words.
        assert 68_000 < f["outreach.contacts"] < 69_000  # "nearly 69,000"
        assert 900 < f["outreach.clients_educated"] < 1_000  # "nearly 1,000"
        assert 150 < f["advocacy.meetings"] < 160  # "more than 150 meetings"
        assert 4_000 < f["advocacy.event_participants"] < 5_000  # "over 4,000"
        assert Decimal("924000") < f["funding.directed_usd"] < Decimal("925000")  # "over $924,000"

    def test_2012_figures_are_the_published_ones(self):
        f = figures_for_year(2012)
        assert f["outreach.venues_visited"] == 950
        assert f["clinic.exits_to_shelter"] == 18
        assert f["shelter.residents"] == 350
        assert f["shelter.education_pct"] == 100  # "100% of shelter residents"
        assert f["reintegration.supported"] == 34
        assert f["followup.cohort_followed"] == 135
        assert f["training.completed"] == 21
        assert f["training.internships_started"] == 21  # "... and have begun internships"
        assert f["legal.convictions"] == 13
        assert 600_000 < f["supplies.condoms"] < 700_000  # "over 600,000 condoms"
        assert 1_200 < f["clinic.clients"] < 1_300  # "over 1,200 women and girls"

    def test_2010_funding_is_the_published_one(self):
        funding = figures_for_year(2010)["funding.directed_usd"]
        assert Decimal("837000") < funding < Decimal("838000")  # "over $837,000 in 2010"

    @pytest.mark.parametrize("year", [2010, 2011, 2012])
    def test_every_figure_has_records_behind_it(self, year):
        f = figures_for_year(year)
        assert [key for key in FIGURE_KEYS if not f[key]] == []
        # Sanity of the figures the page does not state.
        assert f["clinic.exits_to_shelter"] <= f["clinic.clients"] <= f["clinic.consultations"]
        assert f["advocacy.agreements"] <= f["advocacy.meetings"]
        assert f["training.trainees"] <= f["shelter.residents"]
        assert f["reintegration.startup_kits"] <= f["reintegration.supported"]
        assert f["reintegration.supported"] <= f["reintegration.reintegrated"]
        assert Decimal("400") < f["reintegration.startup_kit_avg_usd"] < Decimal("1000")
        assert 50 < f["followup.on_time_pct"] < 100

    def test_stays_span_new_year_and_some_outlast_2012(self):
        spanning = Stay.objects.filter(admitted_on__year=2010, left_on__year=2011).count()
        still_in_at_end_of_2012 = Stay.objects.filter(
            admitted_on__lte=date(2012, 12, 31), left_on__gt=date(2012, 12, 31)
        ).count()
        assert spanning > 0
        assert still_in_at_end_of_2012 > 0

    def test_names_are_stored_encrypted_and_some_are_in_khmer_script(self):
        cases = list(Case.objects.all())
        assert any(any("\u1780" <= ch <= "\u17ff" for ch in c.given_name) for c in cases)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT given_name FROM {Case._meta.db_table}")
            stored = [row[0] for row in cursor.fetchall()]
        assert stored and all(value.startswith("fernet:") for value in stored)

    def test_the_present_has_residents_and_visits_due_around_today(self):
        today = date.today()
        open_by_center = dict(
            Stay.objects.filter(left_on__isnull=True)
            .values_list("shelter__code")
            .annotate(n=Count("id"))
        )
        assert set(open_by_center) == {"TD", "KC", "SR"}
        assert min(open_by_center.values()) >= 20
        pending = FollowUpVisit.objects.filter(visited_on__isnull=True)
        assert pending.filter(due_on__lt=today).exists()  # overdue
        assert pending.filter(due_on__gte=today, due_on__lte=today + timedelta(days=92)).exists()
        assert not pending.filter(due_on__year__lt=2014).exists()  # history is all done
        recent = OutreachVisit.objects.filter(visited_on__gte=today - timedelta(days=60))
        assert recent.count() >= 50

    def test_the_store_never_hands_out_more_than_it_received(self):
        for code in ("condoms", "soaps"):
            received = SupplyReceipt.objects.filter(item__code=code).aggregate(n=Sum("quantity"))
            handed_out = OutreachVisit.objects.aggregate(n=Sum(code))
            assert 0 < received["n"] - handed_out["n"] < 20_000, code

    def test_clinic_visits_use_issued_client_codes_and_clients_come_back(self):
        codes = set(ClinicVisit.objects.values_list("client_code", flat=True))
        assert codes <= set(ClinicClient.objects.values_list("code", flat=True))
        repeat = (
            ClinicVisit.objects.filter(visited_on__year=2011)
            .values("client_code")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        assert repeat.exists()

    def test_every_role_has_a_demo_login_with_its_centers(self):
        for username, (role, centers) in EXPECTED_LOGINS.items():
            user = User.objects.get(username=username)
            assert list(user.groups.values_list("name", flat=True)) == [role], username
            assert set(user.staff_profile.centers.values_list("code", flat=True)) == centers
        assert {role for role, _ in EXPECTED_LOGINS.values()} == set(Role.ALL)

    def test_demo_logins_log_in_with_the_given_password(self, client):
        # authenticate() needs the request django-axes checks for lockouts.
        assert client.login(request=_login_request(), username="sw.tomdy", password=PASSWORD)
        assert not client.login(request=_login_request(), username="sw.tomdy", password="wrong")

    def test_output_lists_the_logins_and_the_password(self, demo):
        for username in EXPECTED_LOGINS:
            assert username in demo
        assert "Social worker" in demo and "Reintegration officer" in demo
        assert f"Password of every demo login: {PASSWORD}" in demo

    def test_every_demo_login_is_enrolled_with_the_printed_secret(self, demo):
        printed = re.search(r"enrolled with this secret: ([A-Z2-7]{32})", demo)
        assert printed is not None
        devices = TOTPDevice.objects.filter(user__username__in=EXPECTED_LOGINS, confirmed=True)
        assert devices.count() == len(EXPECTED_LOGINS)
        assert {totp_secret_of(device) for device in devices} == {printed.group(1)}
        assert f"pyotp.TOTP('{printed.group(1)}').now()" in demo

    def test_tom_dy_social_worker_sees_tom_dy_cases_but_not_siem_reap_ones(self):
        user = User.objects.get(username="sw.tomdy")
        tom_dy, siem_reap = Shelter.objects.get(code="TD"), Shelter.objects.get(code="SR")
        visible = Case.objects.visible_to(user)
        only_siem_reap = Case.objects.filter(stays__shelter=siem_reap).exclude(
            Q(stays__shelter=tom_dy) | Q(assigned_social_worker=user)
        )
        assert only_siem_reap.exists()
        assert not visible.filter(pk__in=only_siem_reap.values("pk")).exists()
        at_tom_dy = Case.objects.filter(stays__shelter=tom_dy).distinct()
        assert at_tom_dy.count() > 100
        assert visible.filter(pk__in=at_tom_dy.values("pk")).count() == at_tom_dy.count()

    def test_history_is_the_same_whatever_the_day_it_is_drawn(self):
        """The generator is deterministic: drawn again on another day, the
        history is the one stored."""
        drawn, _generators = demo_draw(today=date(2031, 5, 1), eras=("history",))
        people = {(p.case.code, p.case.intake_date, p.left) for p in drawn.people}
        stored = {
            (code, intake, left)
            for code, intake, left in Case.objects.filter(intake_date__year__lt=2014)
            .annotate(left=Max("stays__left_on"))
            .values_list("code", "intake_date", "left")
        }
        assert people == stored
        visits = sorted((v.case.code, v.visited_on) for v in drawn.rows[FollowUpVisit])
        assert visits == sorted(
            FollowUpVisit.objects.filter(visited_on__year__lt=2015).values_list(
                "case__code", "visited_on"
            )
        )

    def test_seeding_twice_changes_no_record_and_updates_the_logins(self, client):
        before = row_counts()
        figures = {year: figures_for_year(year) for year in (2010, 2011, 2012)}
        out = io.StringIO()
        with override_settings(PASSWORD_HASHERS=FAST_HASHER):
            call_command("seed_demo", password="a-new-password", stdout=out)
        assert "already present" in out.getvalue()
        assert row_counts() == before
        assert {year: figures_for_year(year) for year in (2010, 2011, 2012)} == figures
        assert client.login(
            request=_login_request(), username="director", password="a-new-password"
        )


def test_each_app_draws_its_own_demo_bottom_layer_first():
    """Each app's generator lives in its own demo module, and they run in the
    order of the layers (INSTALLED_APPS), so an app draws on what those below drew."""
    modules = [cls.__module__ for cls in demo_generators()]
    assert modules == [
        "cases.demo",
        "shelters.demo",
        "reintegration.demo",
        "outreach.demo",
    ]


@pytest.mark.django_db
def test_seed_demo_refuses_a_database_with_records_of_its_own():
    factories.shelter("TD", name="Tom Dy")
    with pytest.raises(CommandError, match="not demo data"):
        call_command("seed_demo", password=PASSWORD, stdout=io.StringIO())
    assert not Case.objects.exists()
    assert not User.objects.filter(username="sw.tomdy").exists()


def test_password_comes_from_the_option_then_the_environment_then_the_default(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    assert demo_password(None, debug=True) == DEFAULT_PASSWORD
    monkeypatch.setenv("DEMO_PASSWORD", "from-the-environment")
    assert demo_password(None, debug=True) == "from-the-environment"
    assert demo_password("given", debug=True) == "given"


def test_a_server_gets_no_default_password(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="DEBUG is off"):
        demo_password(None, debug=False)
    assert demo_password("given", debug=False) == "given"
