from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from outreach.models import (
    AdvocacyActivity,
    ClinicVisit,
    Event,
    Meeting,
    OutreachVisit,
    SupplyItem,
    SupplyReceipt,
    Venue,
)
from smf.staff.roles import Role
from tests import factories
from tests.conftest import PASSWORD
from tests.factories import staff_member as staff_create

pytestmark = pytest.mark.django_db

LISTS = [
    "outreach:index",
    "outreach:venues",
    "outreach:visits",
    "outreach:supplies",
    "outreach:clinic",
    "outreach:meetings",
    "outreach:events",
    "outreach:activities",
    "outreach:totals",
]
FORMS = [
    "outreach:venue_create",
    "outreach:visit_create",
    "outreach:supply_receive",
    "outreach:supply_item_create",
    "outreach:clinic_create",
    "outreach:meeting_create",
    "outreach:event_create",
    "outreach:activity_create",
]


@pytest.fixture
def records(db):
    """One of everything, so record pages have something to refuse."""
    venue = factories.venue("VEN-00001", name="Golden Star")
    factories.outreach_visit(venue)
    factories.clinic_visit("CL-TEST01")
    return {
        "outreach:venue_edit": ["VEN-00001"],
        "outreach:supply_item_edit": ["condoms"],
        "outreach:clinic_client": ["CL-TEST01"],
    }


def all_urls(records):
    return [reverse(name) for name in LISTS + FORMS] + [
        reverse(name, args=args) for name, args in records.items()
    ]


@pytest.mark.parametrize(
    "persona",
    [
        "social_worker_tom_dy",
        "center_manager_tom_dy",
        "reintegration_officer",
        "legal_officer",
        "no_role_user",
    ],
)
def test_staff_outside_outreach_get_404_on_every_page(request, login, records, persona):
    client = login(request.getfixturevalue(persona))
    for url in all_urls(records):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url


def test_anonymous_visitor_is_sent_to_log_in(client, records):
    for url in all_urls(records):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


@pytest.mark.parametrize("persona", ["director", "administrator"])
def test_directors_and_administrators_read_every_list_but_may_not_record(
    request, login, records, persona
):
    client = login(request.getfixturevalue(persona))
    for name in LISTS:
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("outreach:clinic_client", args=["CL-TEST01"])).status_code == 200
    edits = [reverse(name, args=args) for name, args in records.items() if name.endswith("_edit")]
    for url in [reverse(name) for name in FORMS] + edits:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "Renamed", "kind": "club"}).status_code == 403, url
    assert Venue.objects.get(code="VEN-00001").name == "Golden Star"


def test_outreach_worker_opens_every_page(login, outreach_worker, records):
    client = login(outreach_worker)
    for url in all_urls(records):
        assert client.get(url).status_code == 200, url


def test_unknown_records_are_404(login, outreach_worker):
    client = login(outreach_worker)
    assert client.get(reverse("outreach:venue_edit", args=["VEN-99999"])).status_code == 404
    assert client.get(reverse("outreach:clinic_client", args=["CL-NOBODY"])).status_code == 404
    assert client.get(reverse("outreach:supply_item_edit", args=["nothing"])).status_code == 404


# Venues -------------------------------------------------------------------------


def test_register_a_venue_and_find_it(login, outreach_worker):
    client = login(outreach_worker)
    response = client.post(
        reverse("outreach:venue_create"),
        {
            "name": "Golden Star",
            "kind": "karaoke",
            "province": "Phnom Penh",
            "district": "Daun Penh",
            "access_notes": "Go after 8pm; ask for the cashier.",
            "active": "on",
        },
    )
    assert response.status_code == 302
    venue = Venue.objects.get()
    assert venue.code == "VEN-00001" and venue.district == "Daun Penh"
    page = client.get(reverse("outreach:venues"), {"q": "daun golden"})
    assert "Golden Star" in page.content.decode()
    assert (
        "Golden Star"
        not in client.get(reverse("outreach:venues"), {"q": "massage"}).content.decode()
    )


def test_close_a_venue(login, outreach_worker):
    venue = factories.venue("VEN-00003", name="Closed Club", kind="club")
    client = login(outreach_worker)
    client.post(
        reverse("outreach:venue_edit", args=[venue.code]),
        {"name": venue.name, "kind": "club", "province": "Phnom Penh"},
    )
    venue.refresh_from_db()
    assert not venue.active
    closed = client.get(reverse("outreach:venues"), {"status": "closed"}).content.decode()
    active = client.get(reverse("outreach:venues"), {"status": "active"}).content.decode()
    assert "Closed Club" in closed and "Closed Club" not in active


def test_venue_list_query_count(login, outreach_worker, django_assert_num_queries):
    for _ in range(30):
        factories.outreach_visit(factories.venue())
    client = login(outreach_worker)
    # session, user, the user's roles, count for the paginator, the page of
    # venues with their last visit date, the navigation's "does she see any
    # center" (her centers, none).
    with django_assert_num_queries(6):
        response = client.get(reverse("outreach:venues"))
    assert len(response.context["page"].object_list) == 25


# Outreach visits -------------------------------------------------------------------


def visit_post(venue_obj, **change):
    data = {
        "venue": venue_obj.code,
        "visited_on": "2026-01-05",
        "contacts": "12",
        "topics": ["hygiene", "rights"],
        "clients_educated": "2",
        "condoms": "150",
        "soaps": "10",
    }
    data.update(change)
    return data


def test_log_an_outreach_visit(login, field_worker, outreach_team):
    venue = factories.venue()
    leaflets = SupplyItem.objects.create(code="leaflets", name="Leaflets")
    client = login(field_worker)
    form = client.get(reverse("outreach:visit_create")).context["form"]
    assert form.initial["team"] == outreach_team  # the worker's own team
    assert form.initial["visited_on"] == timezone.localdate()
    response = client.post(
        reverse("outreach:visit_create"),
        visit_post(
            venue, team=outreach_team.pk, team_members=[field_worker.pk], supply_leaflets="40"
        ),
    )
    assert response.status_code == 302
    visit = OutreachVisit.objects.get()
    assert (visit.contacts, visit.condoms, visit.team) == (12, 150, outreach_team)
    assert visit.topics == ["hygiene", "rights"]
    assert visit.supplies.get().item == leaflets


def test_recently_visited_venues_come_first(login, outreach_worker):
    old, recent = factories.venue(name="Aardvark Bar"), factories.venue(name="Zebra Club")
    visit = factories.outreach_visit(recent, visited_on=date(2026, 1, 2))
    OutreachVisit.objects.filter(pk=visit.pk).update(created_by=outreach_worker)
    form = login(outreach_worker).get(reverse("outreach:visit_create")).context["form"]
    groups = form.fields["venue"].choices
    assert [code for code, _label in groups[1][1]] == [recent.code]
    assert old.code in [code for code, _label in groups[2][1]]


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"contacts": "-3"}, "contacts", "cannot be negative"),
        ({"condoms": "-1"}, "condoms", "cannot be negative"),
        (
            {"visited_on": (date.today() + timedelta(days=30)).isoformat()},
            "visited_on",
            "cannot be in the future",
        ),
        ({"venue": "VEN-NOPE"}, "venue", "Choose an active venue"),
        ({"contacts": ""}, "contacts", "required"),
    ],
)
def test_bad_visit_shows_the_message_next_to_the_field(
    login, outreach_worker, change, field, message
):
    client = login(outreach_worker)
    response = client.post(
        reverse("outreach:visit_create"), visit_post(factories.venue(), **change)
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not OutreachVisit.objects.exists()


def test_a_closed_venue_cannot_be_picked(login, outreach_worker):
    venue = factories.venue(active=False)
    response = login(outreach_worker).post(reverse("outreach:visit_create"), visit_post(venue))
    assert "venue" in response.context["form"].errors


def test_visit_list_filters(login, director, outreach_team):
    pp = factories.venue(name="Phnom Penh Bar", province="Phnom Penh", kind="karaoke")
    sr = factories.venue(name="Siem Reap Club", province="Siem Reap", kind="club")
    factories.outreach_visit(pp, visited_on=date(2026, 1, 5))
    factories.outreach_visit(sr, visited_on=date(2026, 3, 5))
    OutreachVisit.objects.filter(venue=pp).update(team=outreach_team)
    client = login(director)

    def shown(**params):
        page = client.get(reverse("outreach:visits"), params).context["page"]
        return [v.venue.name for v in page]

    assert shown(province="Siem Reap") == ["Siem Reap Club"]
    assert shown(venue_kind="karaoke") == ["Phnom Penh Bar"]
    assert shown(team=outreach_team.pk) == ["Phnom Penh Bar"]
    assert shown(date_from="2026-02-01", date_to="2026-12-31") == ["Siem Reap Club"]
    assert len(shown()) == 2


def test_visit_list_query_count(login, outreach_worker, outreach_team, django_assert_num_queries):
    leaflets = SupplyItem.objects.create(code="leaflets", name="Leaflets")
    for n in range(30):
        visit = factories.outreach_visit(factories.venue(), visited_on=date(2026, 1, 1 + n % 28))
        visit.team_members.set([outreach_worker])
        visit.supplies.create(item=leaflets, quantity=5)
    OutreachVisit.objects.update(team=outreach_team)
    client = login(outreach_worker)
    # session, user, roles, teams for the filter, provinces for the filter,
    # paginator count, the page of visits with venue and team, their team
    # members, their other supplies with the item, the navigation's "does she
    # see any center" (her centers, none).
    with django_assert_num_queries(10):
        response = client.get(reverse("outreach:visits"))
    assert len(response.context["page"].object_list) == 25


# Supplies ----------------------------------------------------------------------------


def test_stock_received_and_low_stock_warning(login, outreach_worker):
    condoms = SupplyItem.objects.get(code="condoms")
    client = login(outreach_worker)
    client.post(
        reverse("outreach:supply_item_edit", args=["condoms"]),
        {"low_stock_threshold": "1000", "active": "on"},
    )
    client.post(
        reverse("outreach:supply_receive"),
        {"item": condoms.pk, "received_on": "2026-01-02", "quantity": "1200", "source": "UNFPA"},
    )
    assert SupplyReceipt.objects.get().quantity == 1200
    factories.outreach_visit(condoms=300, visited_on=date(2026, 1, 3))
    home = client.get(reverse("outreach:index")).content.decode()
    assert 'data-low-stock="condoms"' in home
    refused = client.post(
        reverse("outreach:supply_receive"),
        {"item": condoms.pk, "received_on": "2026-01-02", "quantity": "-4"},
    )
    assert "more than 0" in refused.content.decode()
    assert SupplyReceipt.objects.count() == 1


def test_supplies_page_query_count(login, outreach_worker, django_assert_num_queries):
    for n in range(5):
        item = SupplyItem.objects.create(code=f"item-{n}", name=f"Item {n}")
        SupplyReceipt.objects.create(item=item, received_on=date(2026, 1, 1), quantity=9)
    client = login(outreach_worker)
    # session, user, roles, the items with their balances, count and page of
    # receipts, the navigation's "does she see any center" (her centers, none).
    with django_assert_num_queries(7):
        client.get(reverse("outreach:supplies"))


# Clinic ---------------------------------------------------------------------------------


def test_log_a_clinic_visit_for_a_new_client(login, field_worker, clinic_team):
    client = login(field_worker)
    response = client.post(
        reverse("outreach:clinic_create"),
        {
            "client_code": "",
            "visited_on": "2026-02-01",
            "service": "consultation",
            "std_test": "on",
            "std_result": "negative",
            "counselling": "on",
            "team": clinic_team.pk,
        },
    )
    visit = ClinicVisit.objects.get()
    assert response["Location"] == reverse("outreach:clinic_client", args=[visit.client_code])
    assert visit.std_result == "negative" and visit.team == clinic_team
    page = client.get(response["Location"]).content.decode()
    assert visit.client_code in page and "Negative" in page
    assert "data-start-intake" not in page


def test_clinic_form_has_no_name_field(login, outreach_worker):
    form = login(outreach_worker).get(reverse("outreach:clinic_create")).context["form"]
    assert not [name for name in form.fields if "name" in name]


def test_unknown_client_code_is_refused_next_to_the_field(login, outreach_worker):
    response = login(outreach_worker).post(
        reverse("outreach:clinic_create"),
        {"client_code": "cl-zzzzzz", "visited_on": "2026-02-01", "service": "treatment"},
    )
    assert response.status_code == 400
    assert "No client has this code" in " ".join(response.context["form"].errors["client_code"])
    assert not ClinicVisit.objects.exists()


def test_referral_shows_the_start_intake_link(login, outreach_worker, tom_dy):
    client = login(outreach_worker)
    client.post(
        reverse("outreach:clinic_create"),
        {
            "visited_on": "2026-02-01",
            "service": "counselling",
            "counselling": "on",
            "decided_to_leave": "on",
            "referred_to": tom_dy.pk,
        },
    )
    code = ClinicVisit.objects.get().client_code
    page = client.get(reverse("outreach:clinic_client", args=[code])).content.decode()
    assert f'href="/cases/new/?clinic_client={code}"' in page


def test_clinic_list_query_count(login, outreach_worker, tom_dy, django_assert_num_queries):
    for n in range(30):
        factories.clinic_visit(f"CL-{n:06d}", enrolled_case=factories.case() if n % 3 else None)
    ClinicVisit.objects.update(referred_to=tom_dy, decided_to_leave=True)
    client = login(outreach_worker)
    # session, user, roles, teams for the filter, paginator count, the page of
    # visits with team, center and case, the navigation's "does she see any
    # center" (her centers, none).
    with django_assert_num_queries(7):
        client.get(reverse("outreach:clinic"))


# Advocacy -------------------------------------------------------------------------------


def test_log_a_meeting_with_an_agreement(login, outreach_worker):
    client = login(outreach_worker)
    data = {
        "held_on": "2026-03-01",
        "title": "Referral protocol",
        "counterpart": "government",
        "counterpart_name": "Ministry of Social Affairs",
        "agreement_reached": "on",
    }
    response = client.post(reverse("outreach:meeting_create"), data)
    assert "Say what was agreed" in response.content.decode()
    client.post(reverse("outreach:meeting_create"), {**data, "agreement": "Joint referrals"})
    assert Meeting.objects.get().agreement == "Joint referrals"
    assert "Ministry of Social Affairs" in client.get(reverse("outreach:meetings")).content.decode()


def test_log_an_event(login, outreach_worker):
    client = login(outreach_worker)
    client.post(
        reverse("outreach:event_create"),
        {"held_on": "2025-12-12", "title": "Anti-Trafficking Day", "participants": "450"},
    )
    assert Event.objects.get().participants == 450


def test_advocates_are_picked_by_case_code_and_never_by_name(login, director, tom_dy):
    # Outreach records are the outreach team's to write, and an advocate is a
    # case she sees: here an outreach worker who is also Tom Dy's social worker.
    both = staff_create(
        username="ow_sw",
        password=PASSWORD,
        roles=[Role.OUTREACH_WORKER, Role.SOCIAL_WORKER],
        centers=[tom_dy],
    )
    case = factories.case("TD-2026-0007", given_name="Sreymom", family_name="Keo")
    factories.stay(case, tom_dy)
    page = login(both).get(reverse("outreach:activity_create")).content.decode()
    assert "TD-2026-0007" in page and "Sreymom" not in page
    client = login(both)
    client.post(
        reverse("outreach:activity_create"),
        {
            "kind": "police_training",
            "title": "Victim identification",
            "held_on": "2026-03-01",
            "participants": "35",
            "advocates": [case.pk],
        },
    )
    assert list(AdvocacyActivity.objects.get().advocates.all()) == [case]
    listing = login(director).get(reverse("outreach:activities")).content.decode()
    assert "TD-2026-0007" in listing and "Sreymom" not in listing and "Keo" not in listing


def test_outreach_worker_is_offered_no_case_they_cannot_see(login, outreach_worker):
    factories.case("TD-2026-0008")
    form = login(outreach_worker).get(reverse("outreach:activity_create")).context["form"]
    assert list(form.fields["advocates"].queryset) == []


def test_activity_list_query_count(login, director, django_assert_num_queries):
    for n in range(30):
        activity = AdvocacyActivity.objects.create(
            kind="police_training", title=f"T{n}", held_on=date(2026, 1, 1)
        )
        activity.advocates.set([factories.case()])
    client = login(director)
    # session, user, roles, teams for the filter, count, page, advocates' codes,
    # the navigation's "does she see any center".
    with django_assert_num_queries(8):
        client.get(reverse("outreach:activities"))


@pytest.mark.parametrize("name", ["outreach:meetings", "outreach:events"])
def test_advocacy_list_query_count(login, director, name, django_assert_num_queries):
    for n in range(30):
        factories.meeting(title=f"M{n}")
        factories.event(title=f"E{n}")
    client = login(director)
    # session, user, roles, teams for the filter, count, the page with its team,
    # the navigation's "does she see any center".
    with django_assert_num_queries(7):
        client.get(reverse(name))


def test_future_dates_refused_on_advocacy_forms(login, outreach_worker):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = login(outreach_worker).post(
        reverse("outreach:event_create"), {"held_on": tomorrow, "title": "X", "participants": "3"}
    )
    assert "cannot be in the future" in " ".join(response.context["form"].errors["held_on"])


# Totals ----------------------------------------------------------------------------------


def test_totals_page(login, director, outreach_team):
    factories.outreach_visit(visited_on=date(2025, 4, 1), contacts=77)
    page = login(director).get(reverse("outreach:totals"), {"year": 2025})
    assert page.status_code == 200
    assert page.context["totals"].year["contacts"] == 77
    bad = login(director).get(reverse("outreach:totals"), {"year": "soon"})
    assert bad.status_code == 200  # falls back to this year


def test_overview_query_count(login, outreach_worker, django_assert_num_queries):
    for _ in range(8):
        factories.outreach_visit(factories.venue())
    client = login(outreach_worker)
    # session, user, roles, the supply items with their balances, the five
    # latest visits with their venue (and their prefetched members and supplies),
    # the navigation's "does she see any center" (her centers, none).
    with django_assert_num_queries(8):
        client.get(reverse("outreach:index"))


def test_clinic_client_page_query_count(login, outreach_worker, django_assert_num_queries):
    for n in range(6):
        factories.clinic_visit("CL-SAME01", visited_on=date(2026, 1, 1 + n))
    client = login(outreach_worker)
    # session, user, roles, the client's visits with team, center and case,
    # the navigation's "does she see any center" (her centers, none).
    with django_assert_num_queries(5):
        client.get(reverse("outreach:clinic_client", args=["CL-SAME01"]))


def test_totals_page_query_count(login, director, outreach_team, django_assert_num_queries):
    for month in range(1, 13):
        factories.outreach_visit(visited_on=date(2025, month, 1))
        factories.clinic_visit(f"CL-{month:06d}", visited_on=date(2025, month, 2))
    client = login(director)
    # session, user, roles, the six totals queries, teams for the form's list,
    # the navigation's "does she see any center".
    with django_assert_num_queries(11):
        client.get(reverse("outreach:totals"), {"year": 2025})
