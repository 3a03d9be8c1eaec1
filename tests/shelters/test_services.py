"""The rules of center life, enforced by shelters.services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shelters import services
from shelters.models import Stay
from smf.core.versioning import StaleVersion
from smf.staff.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def resident(tom_dy):
    case = factories.case("TD-2026-0001")
    stay = factories.stay(case, tom_dy, admitted_on=today() - timedelta(days=30))
    return case, stay


def test_admit_refuses_a_second_open_stay(resident, kampong_cham, social_worker_tom_dy):
    case, _stay = resident
    with pytest.raises(ValidationError, match="already in a center"):
        services.stay_admit(
            case=case, shelter=kampong_cham, admitted_on=today(), user=social_worker_tom_dy
        )
    assert Stay.objects.filter(case=case).count() == 1


def test_admit_refuses_a_future_date(tom_dy, social_worker_tom_dy):
    case = factories.case()
    with pytest.raises(ValidationError) as error:
        services.stay_admit(
            case=case,
            shelter=tom_dy,
            admitted_on=today() + timedelta(days=1),
            user=social_worker_tom_dy,
        )
    assert "admitted_on" in error.value.message_dict
    assert not Stay.objects.filter(case=case).exists()


def test_admit_refuses_a_date_before_the_last_stay_ended(tom_dy, social_worker_tom_dy):
    case = factories.case()
    factories.stay(case, tom_dy, admitted_on=date(2020, 1, 1), left_on=date(2020, 6, 1))
    with pytest.raises(ValidationError) as error:
        services.stay_admit(
            case=case, shelter=tom_dy, admitted_on=date(2020, 5, 1), user=social_worker_tom_dy
        )
    assert "admitted_on" in error.value.message_dict


def test_admit_is_audited_with_old_and_new_values(tom_dy, social_worker_tom_dy):
    case = factories.case("TD-2026-0099")
    services.stay_admit(case=case, shelter=tom_dy, admitted_on=today(), user=social_worker_tom_dy)
    entry = AuditLog.objects.get(action="stay_admit", case_code="TD-2026-0099")
    assert entry.user == social_worker_tom_dy
    assert entry.details == {"shelter": [None, "TD"], "admitted_on": [None, today().isoformat()]}


def test_transfer_ends_one_stay_and_opens_the_next_the_same_day(
    resident, kampong_cham, social_worker_tom_dy
):
    case, stay = resident
    on = today() - timedelta(days=2)
    new = services.stay_transfer(
        stay=stay, to_shelter=kampong_cham, on=on, version=stay.version, user=social_worker_tom_dy
    )
    stay.refresh_from_db()
    assert (stay.left_on, stay.exit_reason) == (on, Stay.ExitReason.TRANSFERRED)
    assert (new.shelter, new.admitted_on, new.left_on) == (kampong_cham, on, None)
    assert Stay.objects.filter(case=case).count() == 2
    actions = list(AuditLog.objects.filter(case_code=case.code).values_list("action", flat=True))
    assert sorted(actions) == ["stay_admit", "stay_discharge"]


def test_transfer_to_the_same_center_is_refused(resident, tom_dy, social_worker_tom_dy):
    _case, stay = resident
    with pytest.raises(ValidationError) as error:
        services.stay_transfer(stay=stay, to_shelter=tom_dy, on=today(), user=social_worker_tom_dy)
    assert "to_shelter" in error.value.message_dict


def test_transfer_with_a_bad_date_changes_nothing(resident, kampong_cham, social_worker_tom_dy):
    case, stay = resident
    with pytest.raises(ValidationError):
        services.stay_transfer(
            stay=stay,
            to_shelter=kampong_cham,
            on=stay.admitted_on - timedelta(days=1),
            user=social_worker_tom_dy,
        )
    assert list(Stay.objects.filter(case=case).values_list("left_on", flat=True)) == [None]


@pytest.mark.parametrize("offset", [-31, 1])
def test_transfer_date_out_of_order_is_reported_on_the_transfer_date(
    resident, kampong_cham, social_worker_tom_dy, offset
):
    _case, stay = resident
    with pytest.raises(ValidationError) as error:
        services.stay_transfer(
            stay=stay,
            to_shelter=kampong_cham,
            on=today() + timedelta(days=offset),
            user=social_worker_tom_dy,
        )
    assert list(error.value.message_dict) == ["on"]


def test_discharge_cannot_be_before_admission(resident, social_worker_tom_dy):
    _case, stay = resident
    with pytest.raises(ValidationError) as error:
        services.stay_discharge(
            stay=stay,
            left_on=stay.admitted_on - timedelta(days=1),
            exit_reason=Stay.ExitReason.FAMILY,
            version=stay.version,
            user=social_worker_tom_dy,
        )
    assert "left_on" in error.value.message_dict
    stay.refresh_from_db()
    assert stay.left_on is None


def test_discharge_with_a_stale_version_is_refused(resident, social_worker_tom_dy, director):
    _case, stay = resident
    read_version = stay.version
    services.stay_discharge(
        stay=stay,
        left_on=today(),
        exit_reason=Stay.ExitReason.REINTEGRATED,
        version=read_version,
        user=social_worker_tom_dy,
    )
    with pytest.raises(StaleVersion) as error:
        services.stay_discharge(
            stay=Stay.objects.get(pk=stay.pk),
            left_on=today(),
            exit_reason=Stay.ExitReason.LEFT,
            version=read_version,
            user=social_worker_tom_dy,
        )
    assert error.value.current.exit_reason == Stay.ExitReason.REINTEGRATED
    assert Stay.objects.get(pk=stay.pk).exit_reason == Stay.ExitReason.REINTEGRATED


def test_discharge_audit_names_old_and_new_values(resident, social_worker_tom_dy):
    case, stay = resident
    services.stay_discharge(
        stay=stay, left_on=today(), exit_reason="family", version=1, user=social_worker_tom_dy
    )
    entry = AuditLog.objects.get(action="stay_discharge", case_code=case.code)
    assert entry.details == {
        "record": str(stay.pk),
        "changes": {"left_on": [None, today().isoformat()], "exit_reason": ["", "family"]},
        "version": [1, 2],
    }


def test_training_completion_and_certification(resident, social_worker_tom_dy):
    case, _stay = resident
    training = services.training_enrol(
        case=case,
        trade="sewing",
        started_on=today() - timedelta(days=20),
        user=social_worker_tom_dy,
    )
    saved = services.training_update(
        training=training,
        version=training.version,
        completed_on=today() - timedelta(days=2),
        certified_on=today(),
        certificate_number=" MoLVT-2026-118 ",
        user=social_worker_tom_dy,
    )
    assert (saved.certificate_number, saved.version) == ("MoLVT-2026-118", 2)
    change = AuditLog.objects.get(action="training_change", case_code=case.code)
    # The number is encrypted at rest: the append-only log says it changed, not what it is.
    assert change.details["changes"]["certificate_number"] == "changed"
    assert AuditLog.objects.filter(action="training_enrol", case_code=case.code).exists()


@pytest.mark.parametrize(
    ("completed", "certified", "number", "field"),
    [
        (-25, None, "", "completed_on"),  # before it started
        (None, -1, "N-1", "completed_on"),  # certified but not completed
        (-1, -3, "N-1", "certified_on"),  # certified before completed
        (-1, 0, "", "certificate_number"),  # a certificate has a number
        (-1, None, "N-1", "certified_on"),  # a number without a date
        (1, None, "", "completed_on"),  # in the future
    ],
)
def test_training_update_refuses_dates_out_of_order(
    resident, social_worker_tom_dy, completed, certified, number, field
):
    case, _stay = resident
    training = factories.training(case, started_on=today() - timedelta(days=20))

    def day(offset):
        return None if offset is None else today() + timedelta(days=offset)

    with pytest.raises(ValidationError) as error:
        services.training_update(
            training=training,
            version=1,
            completed_on=day(completed),
            certified_on=day(certified),
            certificate_number=number,
            user=social_worker_tom_dy,
        )
    assert field in error.value.message_dict
    training.refresh_from_db()
    assert (training.completed_on, training.version) == (None, 1)


def test_second_save_of_a_training_read_at_the_same_version_is_refused(
    resident, social_worker_tom_dy, center_manager_tom_dy
):
    case, _stay = resident
    training = factories.training(case, started_on=today() - timedelta(days=20))
    services.training_update(
        training=training,
        version=1,
        completed_on=today(),
        certified_on=None,
        certificate_number="",
        user=center_manager_tom_dy,
    )
    with pytest.raises(StaleVersion) as error:
        services.training_update(
            training=training,
            version=1,
            completed_on=today() - timedelta(days=1),
            certified_on=None,
            certificate_number="",
            user=social_worker_tom_dy,
        )
    assert error.value.current.completed_on == today()


def test_education_and_internship_rules(resident, social_worker_tom_dy):
    case, _stay = resident
    record = services.education_enrol(
        case=case,
        course="literacy",
        started_on=today() - timedelta(days=5),
        user=social_worker_tom_dy,
    )
    with pytest.raises(ValidationError) as error:
        services.education_update(
            record=record,
            version=1,
            ended_on=today() - timedelta(days=6),
            user=social_worker_tom_dy,
        )
    assert "ended_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.internship_add(
            case=case,
            employer="Hotel",
            started_on=today(),
            ended_on=today() - timedelta(days=1),
            user=social_worker_tom_dy,
        )
    assert "ended_on" in error.value.message_dict
    internship = services.internship_add(
        case=case, employer="Hotel", started_on=today(), user=social_worker_tom_dy
    )
    services.internship_update(
        internship=internship,
        version=1,
        employer="Hotel",
        ended_on=today(),
        user=social_worker_tom_dy,
    )
    with pytest.raises(StaleVersion):
        services.internship_update(
            internship=internship,
            version=1,
            employer="Shop",
            ended_on=None,
            user=social_worker_tom_dy,
        )
    assert set(AuditLog.objects.filter(case_code=case.code).values_list("action", flat=True)) == {
        "education_enrol",
        "internship_add",
        "internship_change",
    }


def test_activity_update_keeps_participants_the_editor_cannot_see(
    tom_dy, siem_reap, social_worker_tom_dy, director
):
    ours = factories.case("TD-1")
    factories.stay(ours, tom_dy)
    theirs = factories.case("SR-1")
    factories.stay(theirs, siem_reap)
    activity = services.activity_create(
        center=tom_dy,
        kind="study_tour",
        title="Visit to a garment factory",
        held_on=today(),
        participants=[ours, theirs],
        user=director,
    )
    services.activity_update(
        activity=activity,
        version=1,
        kind="study_tour",
        title="Visit to a garment factory",
        held_on=today(),
        participants=[],
        user=social_worker_tom_dy,
    )
    assert list(activity.participants.values_list("code", flat=True)) == ["SR-1"]
    assert AuditLog.objects.filter(action="activity_leave", case_code="TD-1").exists()
    assert AuditLog.objects.filter(action="activity_join", case_code="SR-1").exists()
    with pytest.raises(StaleVersion):
        services.activity_update(
            activity=activity,
            version=1,
            kind="other",
            title="x",
            held_on=today(),
            participants=[],
            user=social_worker_tom_dy,
        )


def test_activity_in_the_future_is_refused(tom_dy, social_worker_tom_dy):
    with pytest.raises(ValidationError) as error:
        services.activity_create(
            center=tom_dy,
            kind="recreation",
            title="Picnic",
            held_on=today() + timedelta(days=3),
            participants=[],
            user=social_worker_tom_dy,
        )
    assert "held_on" in error.value.message_dict
