import pytest

from smf.staff.models import Team


@pytest.fixture
def outreach_team(db):
    return Team.objects.create(code="outreach-pp", name="Outreach Phnom Penh", kind="outreach")


@pytest.fixture
def province_team(db):
    return Team.objects.create(code="outreach-sr", name="Outreach Siem Reap", kind="outreach")


@pytest.fixture
def clinic_team(db):
    return Team.objects.create(code="clinic", name="Free clinic", kind="clinic")


@pytest.fixture
def field_worker(outreach_worker, outreach_team, clinic_team):
    """The outreach worker persona, member of the Phnom Penh outreach team and the clinic."""
    outreach_worker.staff_profile.teams.set([outreach_team, clinic_team])
    return outreach_worker
