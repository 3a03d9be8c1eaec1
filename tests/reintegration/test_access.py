"""Which cases a reintegration officer sees and changes: those at the centers her
team serves (TeamCenter), and those she follows. Recording a reintegration ends
the stay: only the team serving the center she is in may."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reintegration.models import FollowUpVisit, ReintegrationPlan, ReintegrationSupport, TeamCenter
from shelters.models import Stay
from smf.staff.models import AuditLog, Team
from smf.staff.roles import Role
from tests.conftest import PASSWORD
from tests.factories import staff_member as staff_create

CASE_WRITES = [
    "reintegration:plan",
    "reintegration:reintegrate",
    "reintegration:support_add",
    "reintegration:visit_add",
]
VISIT_PAGES = [
    "reintegration:visit_record",
    "reintegration:visit_reschedule",
    "reintegration:visit_cancel",
]


@pytest.fixture
def siem_reap_officer(db, siem_reap):
    """An officer of the Siem Reap team, which does not serve Tom Dy."""
    team = Team.objects.create(
        code="reint-sr", name="Reintegration SR", kind=Team.Kind.REINTEGRATION
    )
    TeamCenter.objects.create(team=team, center=siem_reap)
    return staff_create(
        username="officer_sr",
        password=PASSWORD,
        roles=[Role.REINTEGRATION_OFFICER],
        teams=[team],
        email="officer.sr@example.org",
    )


def test_an_officer_whose_team_serves_the_center_plans_and_records_her_reintegration(
    login, officer, resident
):
    client = login(officer)
    page = client.get(reverse("reintegration:case", args=[resident.code]))
    assert page.status_code == 200
    assert reverse("reintegration:plan", args=[resident.code]) in page.content.decode()
    response = client.post(
        reverse("reintegration:plan", args=[resident.code]),
        {"pathway": "employment", "officer": officer.pk},
    )
    assert response.status_code == 302
    assert ReintegrationPlan.objects.get(case=resident).pathway == "employment"
    stay = Stay.objects.get(case=resident)
    assert client.get(reverse("reintegration:reintegrate", args=[resident.code])).status_code == 200
    left_on = timezone.localdate() - timedelta(days=2)
    response = client.post(
        reverse("reintegration:reintegrate", args=[resident.code]),
        {"left_on": left_on.isoformat(), "stay_version": stay.version},
    )
    assert response.status_code == 302
    stay.refresh_from_db()
    assert (stay.left_on, stay.exit_reason) == (left_on, Stay.ExitReason.REINTEGRATED)
    assert ReintegrationPlan.objects.get(case=resident).reintegrated_on == left_on
    assert FollowUpVisit.objects.filter(case=resident).count() == 8
    assert AuditLog.objects.filter(
        action="reintegration_record", case_code=resident.code, user=officer
    ).exists()


@pytest.mark.parametrize("persona", ["siem_reap_officer", "reintegration_officer"])
def test_an_officer_whose_team_does_not_serve_the_center_gets_404(
    login, request, resident, persona
):
    """The Siem Reap team's officer, and the persona with no team at all."""
    user = request.getfixturevalue(persona)
    client = login(user)
    assert client.get(reverse("reintegration:case", args=[resident.code])).status_code == 404
    for name in CASE_WRITES:
        url = reverse(name, args=[resident.code])
        assert client.get(url).status_code == 404, name
        data = {"pathway": "employment", "left_on": "2024-01-31", "due_on": "2030-01-01"}
        assert client.post(url, data).status_code == 404, name
    assert not ReintegrationPlan.objects.filter(case=resident).exists()
    assert not FollowUpVisit.objects.filter(case=resident).exists()
    assert not ReintegrationSupport.objects.exists()
    assert Stay.objects.get(case=resident).left_on is None
    assert AuditLog.objects.filter(
        action="access_denied", case_code=resident.code, user=user
    ).exists()


def test_an_officer_of_another_team_gets_404_on_the_visits_of_the_center(
    login, reintegrated, siem_reap_officer
):
    client = login(siem_reap_officer)
    visit = FollowUpVisit.objects.filter(case=reintegrated).first()
    for name in VISIT_PAGES:
        url = reverse(name, args=[visit.uuid])
        assert client.get(url).status_code == 404, name
        assert client.post(url, {"reason": "moved", "due_on": "2030-01-01"}).status_code == 404
    visit.refresh_from_db()
    assert visit.status == "scheduled" and visit.due_on == date(2024, 4, 30)
    agenda = client.get(reverse("reintegration:agenda"), {"show": "overdue"})
    assert reintegrated.code not in agenda.content.decode()


def test_an_officer_the_plan_names_sees_her_but_may_not_end_a_stay_her_team_does_not_serve(
    login, officer, resident, siem_reap_officer
):
    """Following a case opens it; ending a stay needs the team of her center."""
    client = login(officer)
    client.post(
        reverse("reintegration:plan", args=[resident.code]),
        {"pathway": "family", "officer": siem_reap_officer.pk},
    )
    assert ReintegrationPlan.objects.get(case=resident).officer == siem_reap_officer
    client = login(siem_reap_officer)
    assert client.get(reverse("reintegration:case", args=[resident.code])).status_code == 200
    url = reverse("reintegration:reintegrate", args=[resident.code])
    stay = Stay.objects.get(case=resident)
    assert client.get(url).status_code == 403
    response = client.post(url, {"left_on": "2024-01-31", "stay_version": stay.version})
    assert response.status_code == 403
    stay.refresh_from_db()
    assert stay.left_on is None and stay.version == 1
    assert ReintegrationPlan.objects.get(case=resident).reintegrated_on is None
    assert AuditLog.objects.filter(
        action="write_denied", case_code=resident.code, user=siem_reap_officer
    ).exists()
