"""Input that used to end in a 500 (found by fuzzing): each now gets a clear
answer and changes nothing."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from outreach.models import OutreachVisit, SupplyItem
from smf.staff.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db

HUGE = "9223372036854775808"  # one more than the largest 64-bit integer


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2011-13", "x"])
def test_a_calendar_month_out_of_range_shows_the_current_month(login, reintegration_officer, month):
    response = login(reintegration_officer).get(reverse("reintegration:calendar"), {"month": month})
    assert response.status_code == 200
    assert response.context["first"].year >= 2000


@pytest.mark.parametrize(
    "url_name, param, persona",
    [
        ("reintegration:agenda", "province", "reintegration_officer"),
        ("reintegration:calendar", "province", "reintegration_officer"),
        ("cases:audit_user", "user", "director"),
        ("caseload:list", "status", "social_worker_tom_dy"),
    ],
)
def test_a_nul_character_in_the_address_is_a_400(request, login, url_name, param, persona):
    client = login(request.getfixturevalue(persona))
    response = client.get(f"{reverse(url_name)}?{param}=a%00b")
    assert response.status_code == 400
    assert b"This request could not be read" in response.content
    assert b"a\x00b" not in response.content


def test_a_threshold_beyond_any_integer_column_is_a_field_error(login, outreach_worker):
    response = login(outreach_worker).post(
        reverse("outreach:supply_item_create"),
        {"name": "Masks", "unit": "box", "low_stock_threshold": HUGE},
    )
    assert response.status_code in (200, 400)
    assert "low_stock_threshold" in response.context["form"].errors
    assert not SupplyItem.objects.filter(name="Masks").exists()


def test_an_empty_threshold_means_no_warning_not_a_500(login, outreach_worker):
    # Found by the fuzz test: the empty field reached the NOT NULL column.
    response = login(outreach_worker).post(
        reverse("outreach:supply_item_create"),
        {"name": "Masks", "unit": "box", "low_stock_threshold": ""},
    )
    assert response.status_code == 302
    assert SupplyItem.objects.get(name="Masks").low_stock_threshold == 0


def test_a_count_beyond_any_integer_column_is_a_field_error(login, outreach_worker):
    venue = factories.venue()
    before = OutreachVisit.objects.count()
    response = login(outreach_worker).post(
        reverse("outreach:visit_create"),
        {
            "venue": venue.code,
            "visited_on": "2011-06-01",
            "team": "",
            "contacts": "12",
            "clients_educated": "2",
            "condoms": "1000000000000",
            "soaps": "5",
        },
    )
    assert response.status_code in (200, 400)
    assert "condoms" in response.context["form"].errors
    assert OutreachVisit.objects.count() == before


@pytest.mark.parametrize(
    "url_name, query",
    [
        ("admin:outreach_clinicvisit_changelist", "visited_on__year=9999"),
        (
            "admin:outreach_clinicvisit_changelist",
            "visited_on__year=2011&visited_on__month=1&visited_on__day=-9223372036854775809",
        ),
        ("admin:outreach_outreachvisit_changelist", "visited_on__year=9999&visited_on__month=12"),
        ("admin:staff_auditlog_changelist", "at__year=99999999999999999999"),
    ],
)
def test_an_impossible_date_in_the_admin_drill_down_is_a_wrong_lookup(
    login, administrator, url_name, query
):
    response = login(administrator).get(f"{reverse(url_name)}?{query}")
    # Django's answer to a wrong lookup: the list again, flagged with ?e=1.
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_a_case_code_longer_than_any_case_code_is_a_404(login, director):
    code = "00000000-0000-0000-0000-000000000000-and-more"
    response = login(director).get(reverse("cases:file", args=[code]))
    # The refusal is audited with as much of the code as the log's column holds
    # (PostgreSQL refused the whole of it: a 500).
    assert response.status_code == 404
    assert AuditLog.objects.filter(action="access_denied", case_code=code[:32]).exists()


def test_a_username_longer_than_axes_keeps_is_a_failed_sign_in_not_a_500(client):
    username = "A" * 256
    response = client.post(reverse("login"), {"username": username, "password": "guess"})
    # Counted under its first 255 characters (PostgreSQL refused the whole: a 500).
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == username[:255]
