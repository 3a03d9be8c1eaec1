"""Editing case details: optimistic locking and audited changes."""

import pytest

from cases.models import Case
from cases.services import case_update
from smf.core.fields import blind_index
from smf.core.versioning import StaleVersion
from smf.staff.models import AuditLog

pytestmark = pytest.mark.django_db


def _form(case, **overrides):
    data = {
        "given_name": case.given_name,
        "family_name": case.family_name,
        "sex": case.sex,
        "birth_year": case.birth_year or "",
        "nationality": case.nationality,
        "phone": case.phone,
        "address": case.address,
        "intake_date": case.intake_date.isoformat(),
        "referral_source": case.referral_source,
        "exploitation_type": case.exploitation_type,
        "version": case.version,
    }
    data.update(overrides)
    return data


def test_edit_saves_bumps_version_and_audits_old_and_new_values(
    login, social_worker_tom_dy, resident_tom_dy
):
    client = login(social_worker_tom_dy)
    url = f"/cases/{resident_tom_dy.code}/edit/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, _form(resident_tom_dy, birth_year="2003", given_name="ស្រីនាង", phone="099 111")
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=resident_tom_dy.pk)
    assert case.version == 2
    assert case.birth_year == 2003
    assert case.given_name == "ស្រីនាង"
    assert case.name_index == blind_index("ស្រីនាង", "សុខ")
    entry = AuditLog.objects.get(action="case_change")
    assert entry.details["changes"] == {
        "birth_year": [2004, 2003],
        "given_name": "changed",
        "phone": "changed",
    }
    assert entry.details["version"] == [1, 2]
    assert entry.details["record"] == str(case.uuid)
    assert "ស្រីនាង" not in str(entry.details) and "099" not in str(entry.details)


def test_a_stale_save_is_refused_with_both_versions_and_nothing_overwritten(
    login, social_worker_tom_dy, center_manager_tom_dy, resident_tom_dy
):
    url = f"/cases/{resident_tom_dy.code}/edit/"
    # The manager saves first, from version 1.
    login(center_manager_tom_dy).post(url, _form(resident_tom_dy, nationality="Vietnamese"))
    # The social worker read version 1 too, and saves later.
    response = login(social_worker_tom_dy).post(url, _form(resident_tom_dy, nationality="Thai"))
    page = response.content.decode()
    # The shared conflict screen (templates/_stale.html): 409, her unsaved
    # version beside the saved one.
    assert response.status_code == 409
    assert 'data-testid="stale"' in page
    assert "Someone else saved this record after you opened it" in page
    stale = page[page.index('data-testid="stale"') :]
    yours = stale[stale.index("Your version (not saved)") : stale.index("Saved version")]
    saved = stale[stale.index("Saved version") :]
    assert "Thai" in yours and "Vietnamese" not in yours
    assert "Vietnamese" in saved.split("</dl>")[0]
    case = Case.objects.get(pk=resident_tom_dy.pk)
    assert case.nationality == "Vietnamese" and case.version == 2
    refused = AuditLog.objects.get(action="case_change_refused")
    assert refused.case_code == resident_tom_dy.code and refused.details["version"] == [1, 2]
    # The re-rendered form now carries version 2: saving again is deliberate.
    assert 'name="version" value="2"' in page
    assert login(social_worker_tom_dy).post(url, _form(case, nationality="Thai")).status_code == 302
    assert Case.objects.get(pk=resident_tom_dy.pk).nationality == "Thai"


def test_service_refuses_stale_version(social_worker_tom_dy, resident_tom_dy):
    case_update(case=resident_tom_dy, changes={"nationality": "Thai"}, version=1, user=None)
    with pytest.raises(StaleVersion) as raised:
        case_update(case=resident_tom_dy, changes={"nationality": "Lao"}, version=1, user=None)
    assert raised.value.current.version == 2
    assert Case.objects.get(pk=resident_tom_dy.pk).nationality == "Thai"


def test_saving_without_changes_keeps_the_version(login, social_worker_tom_dy, resident_tom_dy):
    url = f"/cases/{resident_tom_dy.code}/edit/"
    login(social_worker_tom_dy).post(url, _form(resident_tom_dy))
    assert Case.objects.get(pk=resident_tom_dy.pk).version == 1
    assert not AuditLog.objects.filter(action="case_change").exists()


def test_director_may_read_but_not_edit(login, director, resident_tom_dy):
    url = f"/cases/{resident_tom_dy.code}/edit/"
    assert login(director).get(url).status_code == 403
    assert AuditLog.objects.filter(action="write_denied", user=director).exists()


def test_other_center_gets_404_on_edit(login, social_worker_siem_reap, resident_tom_dy):
    url = f"/cases/{resident_tom_dy.code}/edit/"
    response = login(social_worker_siem_reap).post(url, _form(resident_tom_dy, nationality="X"))
    assert response.status_code == 404
    assert Case.objects.get(pk=resident_tom_dy.pk).nationality == "Cambodian"
