"""The dashboard: each role finds its work within two clicks."""

import pytest

from smf.staff.audit import audit_record

pytestmark = pytest.mark.django_db


def test_social_worker_dashboard_links_to_intake_and_her_centers_residents(
    login, social_worker_tom_dy, tom_dy
):
    page = login(social_worker_tom_dy).get("/").content.decode()
    assert 'href="/cases/new/"' in page
    assert f"/cases/?center={tom_dy.pk}&amp;status=in_center" in page
    assert 'href="/cases/legal/"' in page
    assert "/cases/audit/" not in page


def test_director_dashboard_links_to_reports_and_audit_log(login, director):
    page = login(director).get("/").content.decode()
    assert 'href="/cases/audit/"' in page
    assert 'href="/reports/"' in page
    assert 'href="/cases/new/"' not in page


def test_recently_opened_cases_show_only_what_is_still_visible(
    login, social_worker_siem_reap, resident_tom_dy, resident_siem_reap
):
    audit_record(user=social_worker_siem_reap, action="case_view", case_code=resident_tom_dy.code)
    client = login(social_worker_siem_reap)
    client.get(f"/cases/{resident_siem_reap.code}/")
    page = client.get("/").content.decode()
    assert resident_siem_reap.code in page
    assert resident_tom_dy.code not in page


def test_user_without_role_is_told_to_ask_for_one(login, no_role_user):
    page = login(no_role_user).get("/").content.decode()
    assert "no role yet" in page
    assert 'href="/cases/new/"' not in page


def test_outreach_worker_dashboard_logs_a_visit_in_one_click(login, outreach_worker):
    page = login(outreach_worker).get("/").content.decode()
    assert 'href="/outreach/visits/new/"' in page
    assert 'href="/outreach/clinic/new/"' in page
    assert 'href="/cases/' not in page


def test_reintegration_officer_dashboard_links_to_agenda_and_overdue_visits(
    login, reintegration_officer
):
    page = login(reintegration_officer).get("/").content.decode()
    assert 'href="/reintegration/"' in page
    assert 'href="/reintegration/?show=overdue"' in page
    assert 'href="/outreach/visits/new/"' not in page
