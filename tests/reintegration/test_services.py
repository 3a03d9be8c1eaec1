"""Support in riel, the at-risk alert, the daily digest and the on-time share."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from reintegration import services, tasks
from reintegration.models import DigestSent, FollowUpVisit, ReintegrationSupport
from reintegration.selectors import on_time_share
from reports.selectors import figures_for_year
from tests import factories
from tests.reintegration.helpers import record


def test_riel_is_converted_at_the_rate_used_rounded_half_up_to_the_cent():
    assert services.riel_to_usd(Decimal("2842050"), Decimal("4100")) == Decimal("693.18")
    # 10 / 4000 = 0.0025 -> 0.00 ; 10 / 400 = 0.025 -> 0.03 (half up, not to even)
    assert services.riel_to_usd(Decimal("10"), Decimal("400")) == Decimal("0.03")
    assert services.riel_to_usd(Decimal("1"), Decimal("4000")) == Decimal("0.00")


def test_a_start_up_kit_given_in_riel_keeps_the_amount_and_the_rate(resident, officer):
    kit = services.support_add(
        case=resident,
        kind="startup_kit",
        given_on=date(2024, 2, 1),
        amount=Decimal("2050000"),
        currency="KHR",
        riel_per_usd=Decimal("4100"),
        details="sewing machine, fabric",
        user=officer,
    )
    kit.refresh_from_db()
    assert (kit.value_usd, kit.amount_riel, kit.riel_per_usd) == (
        Decimal("500.00"),
        Decimal("2050000.00"),
        Decimal("4100.0000"),
    )


def test_riel_without_a_rate_is_refused_and_nothing_is_saved(resident, officer):
    with pytest.raises(ValidationError):
        services.support_add(
            case=resident,
            kind="microgrant",
            given_on=date(2024, 2, 1),
            amount=Decimal("400000"),
            currency="KHR",
            riel_per_usd=None,
            user=officer,
        )
    assert not ReintegrationSupport.objects.exists()


def test_a_job_placement_needs_an_employer_and_tuition_an_institution(resident, officer):
    with pytest.raises(ValidationError):
        services.support_add(
            case=resident,
            kind="job_placement",
            given_on=date(2024, 2, 1),
            amount=None,
            user=officer,
        )
    tuition = services.support_add(
        case=resident,
        kind="tuition",
        given_on=date(2024, 2, 1),
        amount=Decimal("250.5"),
        institution="Royal University of Phnom Penh",
        user=officer,
    )
    assert tuition.value_usd == Decimal("250.50")


def _record_at_risk(visit, officer):
    return record(
        visit,
        date(2024, 5, 1),
        officer,
        outcome="at_risk",
        score=1,
        visitor_role="psychologist",
        notes="Her uncle Chan Dara came back",
    )


@pytest.mark.django_db(transaction=True)
def test_at_risk_alerts_her_social_worker_once_without_names(
    eager_tasks, reintegrated, officer, team_lead, social_worker_tom_dy
):
    visit = FollowUpVisit.objects.filter(case=reintegrated).first()
    _record_at_risk(visit, officer)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    # Her social worker can be reached: she alone is told (not the team lead).
    assert message.to == ["sw.td@example.org"]
    text = message.subject + message.body
    assert reintegrated.code in text and str(visit.uuid) in text
    for name in ("Sokha", "Chan", "Dara"):
        assert name not in text
    # The task runs twice (a redelivery): still one email.
    tasks.followup_at_risk_alert(visit.pk)
    assert len(mail.outbox) == 1


def test_notes_are_encrypted_at_rest(reintegrated, officer):
    from django.db import connection

    visit = FollowUpVisit.objects.filter(case=reintegrated).first()
    record(visit, date(2024, 5, 1), officer, notes="Met Sokha")
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM reintegration_followupvisit WHERE id = %s", [visit.pk])
        raw = cursor.fetchone()[0]
    assert "Sokha" not in raw
    assert FollowUpVisit.objects.get(pk=visit.pk).notes == "Met Sokha"


def test_a_cancelled_visit_needs_a_reason_and_cannot_be_recorded(reintegrated, officer):
    visit = FollowUpVisit.objects.filter(case=reintegrated).first()
    with pytest.raises(ValidationError):
        services.followup_cancel(visit=visit, reason="  ", user=officer, version=None)
    visit = services.followup_cancel(
        visit=visit, reason="moved to Thailand", user=officer, version=None
    )
    with pytest.raises(ValidationError):
        _record_at_risk(visit, officer)


def test_a_visit_cannot_be_recorded_in_the_future(reintegrated, officer):
    visit = FollowUpVisit.objects.filter(case=reintegrated).first()
    with pytest.raises(ValidationError):
        record(visit, timezone.localdate() + timedelta(days=1), officer)
    assert FollowUpVisit.objects.get(pk=visit.pk).visited_on is None


def test_the_digest_is_sent_once_a_day_to_each_officer(reintegrated, officer, team_lead, tom_dy):
    today = date(2024, 4, 25)
    # officer: one due in 5 days (30 April); the lead: one overdue visit of another case.
    other = factories.case("TD-2024-0002", given_name="Dara", family_name="Kim")
    factories.stay(other, tom_dy, admitted_on=date(2023, 1, 1), left_on=date(2023, 6, 1))
    services.followup_add(case=other, due_on=date(2024, 3, 1), assigned_to=team_lead, user=officer)
    assert services.followup_digests_send(today=today) == 2
    assert services.followup_digests_send(today=today) == 0
    tasks.followup_digests_send.apply()  # the beat task (today): again nothing twice
    by_user = {m.to[0]: m for m in mail.outbox if "2024-04-25" in m.subject}
    assert sorted(by_user) == ["lead@example.org", "officer.td@example.org"]
    assert DigestSent.objects.filter(sent_on=today).count() == 2
    body = by_user["officer.td@example.org"].body
    assert "TD-2024-0001" in body and "2024-04-30" in body
    assert "TD-2024-0002" in by_user["lead@example.org"].body
    for message in mail.outbox:
        for name in ("Sokha", "Chan", "Dara", "Kim"):
            assert name not in message.subject + message.body
    # The next day is a new digest.
    assert services.followup_digests_send(today=today + timedelta(days=1)) == 2


def test_a_failed_digest_releases_its_claim(reintegrated, officer, monkeypatch):
    def broken(**kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(services, "send_mail", broken)
    with pytest.raises(OSError):
        services.followup_digest_send(user=officer, today=date(2024, 4, 25))
    assert not DigestSent.objects.exists()


def test_on_time_share_per_year_agrees_with_the_figures_service(
    reintegrated, officer, team_lead, director
):
    visits = list(FollowUpVisit.objects.filter(case=reintegrated))
    made = [  # due 30 Apr, 31 Jul, 31 Oct 2024, 31 Jan 2025
        (visits[0], date(2024, 5, 14), officer),  # 14 days late: on time
        (visits[1], date(2024, 7, 16), officer),  # 15 days early: not on time
        (visits[2], date(2024, 11, 20), team_lead),  # 20 days late
        (visits[3], date(2025, 1, 18), officer),  # 13 days early: on time
    ]
    for visit, on, who in made:
        services.followup_reschedule(
            visit=visit, due_on=visit.due_on, assigned_to=who, user=officer, version=None
        )
        visit.refresh_from_db()
        record(visit, on, officer)
    share = on_time_share(user=director)
    years = {row["year"]: row for row in share["years"]}
    for year in (2024, 2025):
        assert years[year]["pct"] == figures_for_year(year)["followup.on_time_pct"]
    assert (years[2024]["scheduled"], years[2024]["on_time"], years[2024]["pct"]) == (3, 1, 33)
    per = {(r["year"], r["assigned_to__username"]): r["pct"] for r in share["by_officer"]}
    assert per == {(2024, "lead"): 0, (2024, "officer_td"): 50, (2025, "officer_td"): 100}
