from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Consent
from outreach import selectors, services
from outreach.models import (
    AdvocacyActivity,
    ClinicClient,
    ClinicVisit,
    OutreachVisit,
    SupplyItem,
    Venue,
    VisitSupply,
)
from reports.selectors import figures_for_year
from smf.staff.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db


def test_venue_codes_are_generated_after_the_highest_in_use(outreach_worker):
    factories.venue("VEN-00041")
    factories.venue("PP-KARAOKE-9")  # an imported code of another shape is left alone
    venue = services.venue_create(user=outreach_worker, name=" Golden Star ", kind="karaoke")
    assert venue.code == "VEN-00042"
    assert venue.name == "Golden Star"
    assert services.venue_create(user=outreach_worker, name="B", kind="club").code == "VEN-00043"


def test_venue_with_an_unknown_kind_is_refused(outreach_worker):
    with pytest.raises(ValidationError) as error:
        services.venue_create(user=outreach_worker, name="X", kind="casino")
    assert "kind" in error.value.message_dict
    assert not Venue.objects.exists()


def test_outreach_visit_keeps_condoms_on_the_visit_and_other_items_apart(
    field_worker, outreach_team
):
    gloves = services.supply_item_create(user=field_worker, name="Leaflets", unit="pieces")
    visit = services.outreach_visit_record(
        user=field_worker,
        venue=factories.venue(),
        visited_on=date(2026, 1, 5),
        contacts=14,
        clients_educated=3,
        condoms=200,
        soaps=12,
        topics=["hygiene", "sti_hiv", "hygiene"],
        team=outreach_team,
        team_members=[field_worker],
        other_supplies={gloves: 30},
    )
    visit.refresh_from_db()
    assert (visit.condoms, visit.soaps) == (200, 12)
    assert visit.topics == ["hygiene", "sti_hiv"]
    assert list(visit.team_members.all()) == [field_worker]
    assert VisitSupply.objects.get(visit=visit).quantity == 30


@pytest.mark.parametrize(
    "change, field",
    [
        ({"visited_on": timezone.localdate() + timedelta(days=1)}, "visited_on"),
        ({"contacts": -1}, "contacts"),
        ({"condoms": -5}, "condoms"),
        ({"topics": ["gambling"]}, "topics"),
    ],
)
def test_bad_outreach_visit_is_refused_and_nothing_is_written(outreach_worker, change, field):
    values = {
        "venue": factories.venue(),
        "visited_on": date(2026, 1, 5),
        "contacts": 3,
        **change,
    }
    with pytest.raises(ValidationError) as error:
        services.outreach_visit_record(user=outreach_worker, **values)
    assert field in error.value.message_dict
    assert not OutreachVisit.objects.exists()


def test_stock_balance_is_received_less_handed_out_and_warns_when_low(outreach_worker):
    condoms = SupplyItem.objects.get(code=SupplyItem.CONDOMS)
    services.supply_item_update(
        item=condoms, user=outreach_worker, low_stock_threshold=500, active=True
    )
    leaflets = services.supply_item_create(
        user=outreach_worker, name="Leaflets", low_stock_threshold=10
    )
    services.supply_receipt_record(
        user=outreach_worker, item=condoms, received_on=date(2026, 1, 2), quantity=1000
    )
    services.supply_receipt_record(
        user=outreach_worker, item=leaflets, received_on=date(2026, 1, 2), quantity=100
    )
    for condoms_out, leaflets_out in ((300, 20), (250, 0)):
        services.outreach_visit_record(
            user=outreach_worker,
            venue=factories.venue(),
            visited_on=date(2026, 1, 5),
            contacts=1,
            condoms=condoms_out,
            other_supplies={leaflets: leaflets_out},
        )
    stock = {item.code: item for item in selectors.supply_stock(user=outreach_worker)}
    assert (stock["condoms"].received, stock["condoms"].handed_out) == (1000, 550)
    assert stock["condoms"].balance == 450 and stock["condoms"].low
    assert (stock[leaflets.code].handed_out, stock[leaflets.code].balance) == (20, 80)
    assert not stock[leaflets.code].low
    assert stock["soaps"].balance == 0


def test_stock_received_must_be_positive(outreach_worker):
    item = SupplyItem.objects.get(code=SupplyItem.SOAPS)
    with pytest.raises(ValidationError):
        services.supply_receipt_record(
            user=outreach_worker, item=item, received_on=date(2026, 1, 2), quantity=0
        )


def test_stock_is_scoped_to_outreach_staff(social_worker_tom_dy):
    assert selectors.supply_stock(user=social_worker_tom_dy) == []


# Clinic -----------------------------------------------------------------------


def test_clinic_has_no_name_field_anywhere():
    for model in (ClinicVisit, ClinicClient):
        names = [f.name for f in model._meta.get_fields()]
        assert not [n for n in names if "name" in n], names


def test_a_new_clinic_client_gets_a_generated_code(outreach_worker):
    visit = services.clinic_visit_record(
        user=outreach_worker,
        client_code=None,
        visited_on=date(2026, 2, 1),
        service="consultation",
        std_test=True,
    )
    assert visit.client_code.startswith("CL-") and len(visit.client_code) == 9
    assert ClinicClient.objects.filter(code=visit.client_code).exists()
    assert visit.std_result == ClinicVisit.StdResult.PENDING  # tested, result not back yet
    again = services.clinic_visit_record(
        user=outreach_worker,
        client_code=visit.client_code.lower(),
        visited_on=date(2026, 2, 8),
        service="treatment",
        std_test=False,
    )
    assert again.client_code == visit.client_code


@pytest.mark.parametrize(
    "change, field",
    [
        ({"client_code": "CL-NOPE99"}, "client_code"),
        ({"std_result": "negative"}, "std_result"),
        ({"service": "surgery"}, "service"),
        ({"visited_on": timezone.localdate() + timedelta(days=2)}, "visited_on"),
    ],
)
def test_bad_clinic_visit_is_refused(outreach_worker, tom_dy, change, field):
    values = {"client_code": None, "visited_on": date(2026, 2, 1), "service": "consultation"}
    with pytest.raises(ValidationError) as error:
        services.clinic_visit_record(user=outreach_worker, **{**values, **change})
    assert field in error.value.message_dict
    assert not ClinicVisit.objects.exists()


def test_referral_to_a_center_needs_the_decision_to_leave(outreach_worker, tom_dy):
    with pytest.raises(ValidationError) as error:
        services.clinic_visit_record(
            user=outreach_worker,
            client_code=None,
            visited_on=date(2026, 2, 1),
            service="counselling",
            referred_to=tom_dy,
        )
    assert "referred_to" in error.value.message_dict


def test_clinic_referral_complete_links_the_referral_visit(
    outreach_worker, social_worker_tom_dy, tom_dy
):
    first = services.clinic_visit_record(
        user=outreach_worker, client_code=None, visited_on=date(2026, 2, 1), service="consultation"
    )
    code = first.client_code
    referral = services.clinic_visit_record(
        user=outreach_worker,
        client_code=code,
        visited_on=date(2026, 2, 10),
        service="counselling",
        counselling=True,
        decided_to_leave=True,
        referred_to=tom_dy,
    )
    later = services.clinic_visit_record(
        user=outreach_worker, client_code=code, visited_on=date(2026, 2, 20), service="treatment"
    )
    case = factories.case("TD-2026-0001", given_name="Sokha", family_name="Chan")

    linked = services.clinic_referral_complete(
        client_code=code, case=case, user=social_worker_tom_dy
    )

    assert linked == 1
    referral.refresh_from_db(), first.refresh_from_db(), later.refresh_from_db()
    assert referral.enrolled_case == case
    assert first.enrolled_case is None and later.enrolled_case is None
    entry = AuditLog.objects.get(action="clinic_referral_linked")
    assert entry.case_code == case.code and entry.details["client_code"] == code
    assert "Sokha" not in str(entry.details)
    # Safe to repeat (a resubmitted intake form): nothing more is linked.
    assert services.clinic_referral_complete(client_code=code, case=case, user=None) == 0
    assert figures_for_year(2026)["clinic.exits_to_shelter"] == 1


def test_clinic_referral_without_a_marked_visit_links_the_latest(outreach_worker):
    factories.clinic_visit("CL-IMPORT1", visited_on=date(2026, 1, 1))
    latest = factories.clinic_visit("CL-IMPORT1", visited_on=date(2026, 3, 1))
    case = factories.case()
    assert services.clinic_referral_complete(client_code="cl-import1", case=case, user=None) == 1
    latest.refresh_from_db()
    assert latest.enrolled_case == case
    assert ClinicVisit.objects.filter(enrolled_case=case).count() == 1


def test_clinic_referral_with_an_unknown_code_is_refused():
    case = factories.case()
    with pytest.raises(ValidationError) as error:
        services.clinic_referral_complete(client_code="CL-NOBODY", case=case, user=None)
    assert "clinic_client" in error.value.message_dict
    assert not ClinicVisit.objects.filter(enrolled_case=case).exists()


def test_clinic_referral_already_linked_to_another_case_is_refused():
    visit = factories.clinic_visit("CL-TAKEN1", enrolled_case=factories.case())
    other = factories.case()
    with pytest.raises(ValidationError):
        services.clinic_referral_complete(client_code="CL-TAKEN1", case=other, user=None)
    visit.refresh_from_db()
    assert visit.enrolled_case != other


# Advocacy ---------------------------------------------------------------------


def test_meeting_with_an_agreement_must_say_what_it_was(outreach_worker):
    with pytest.raises(ValidationError) as error:
        services.meeting_record(
            user=outreach_worker,
            held_on=date(2026, 3, 1),
            counterpart="government",
            title="Ministry of Social Affairs",
            agreement_reached=True,
        )
    assert "agreement" in error.value.message_dict


def test_advocates_must_be_cases_the_user_can_see(outreach_worker, director):
    case = factories.case()
    values = {"kind": "police_training", "title": "Training", "held_on": date(2026, 3, 1)}
    with pytest.raises(ValidationError) as error:
        services.advocacy_activity_record(user=outreach_worker, advocates=[case], **values)
    assert "advocates" in error.value.message_dict
    activity = services.advocacy_activity_record(user=director, advocates=[case], **values)
    assert list(activity.advocates.all()) == [case]
    assert AuditLog.objects.filter(action="advocacy_advocate_added", case_code=case.code).exists()


def test_media_campaign_needs_the_advocates_media_consent(director):
    case = factories.case()
    values = {"kind": "media_campaign", "title": "Radio", "held_on": date(2026, 3, 1)}
    with pytest.raises(ValidationError) as error:
        services.advocacy_activity_record(user=director, advocates=[case], **values)
    assert case.code in str(error.value)
    assert not AdvocacyActivity.objects.exists()
    Consent.objects.create(case=case, purpose="media", given_on=date(2026, 1, 1))
    services.advocacy_activity_record(user=director, advocates=[case], **values)
    assert AdvocacyActivity.objects.count() == 1
