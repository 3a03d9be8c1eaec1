"""The yearly totals the database keeps (reports.rollups) stay equal to a recount."""

import random
import threading
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.db.models import Count, Q, Sum

from outreach.models import ClinicVisit, OutreachVisit
from reports import rollups
from reports.models import ClinicClientYear, ClinicYear, OutreachYear, VenueYear
from reports.selectors import FIGURE_KEYS, figures_for_year
from tests import factories as f

pytestmark = pytest.mark.django_db

# The figures counted from outreach and clinic visits, in the order of the spec.
VISIT_KEYS = tuple(
    key for key in FIGURE_KEYS if key.split(".")[0] in ("outreach", "supplies", "clinic")
)


def recounted(year: int) -> dict[str, int]:
    """The visit figures counted straight from the visits, as the spec words them."""
    o = OutreachVisit.objects.filter(visited_on__year=year).aggregate(
        contacts=Sum("contacts", default=0),
        venues=Count("venue", distinct=True),
        clients=Sum("clients_educated", default=0),
        condoms=Sum("condoms", default=0),
        soaps=Sum("soaps", default=0),
    )
    c = ClinicVisit.objects.filter(visited_on__year=year).aggregate(
        visits=Count("id"),
        clients=Count("client_code", distinct=True),
        tests=Count("id", filter=Q(std_test=True)),
        exits=Count("client_code", distinct=True, filter=Q(enrolled_case__isnull=False)),
    )
    return dict(
        zip(
            VISIT_KEYS,
            (
                o["contacts"],
                o["venues"],
                o["clients"],
                o["condoms"],
                o["soaps"],
                c["visits"],
                c["clients"],
                c["tests"],
                c["exits"],
            ),
            strict=True,
        )
    )


def assert_in_step(years=(2010, 2011, 2012)):
    tables = ("reports_venueyear", "reports_outreachyear")
    tables += ("reports_clinicclientyear", "reports_clinicyear")
    assert rollups.drift() == dict.fromkeys(tables, 0)
    for year in years:
        figures = figures_for_year(year)
        assert {key: figures[key] for key in VISIT_KEYS} == recounted(year), year


def _day(rng):
    return date(2010, 1, 1) + timedelta(days=rng.randrange(3 * 365))


def test_every_kind_of_write_keeps_the_totals_equal_to_a_recount():
    rng = random.Random(11)
    venues = [f.venue() for _ in range(6)]
    cases = [f.case() for _ in range(3)]
    codes = [f"C-{i}" for i in range(8)]

    def outreach_row():
        return OutreachVisit(
            venue=rng.choice(venues),
            visited_on=_day(rng),
            contacts=rng.randint(0, 30),
            clients_educated=rng.randint(0, 3),
            condoms=rng.randint(0, 200),
            soaps=rng.randint(0, 5),
        )

    def clinic_row():
        return ClinicVisit(
            client_code=rng.choice(codes),
            visited_on=_day(rng),
            service="consultation",
            std_test=rng.random() < 0.4,
            enrolled_case=rng.choice(cases) if rng.random() < 0.2 else None,
        )

    for _round in range(6):
        # One at a time, as the forms write.
        for _ in range(5):
            outreach_row().save()
            clinic_row().save()
        # In bulk, as the import writes.
        OutreachVisit.objects.bulk_create([outreach_row() for _ in range(20)])
        ClinicVisit.objects.bulk_create([clinic_row() for _ in range(20)])
        assert_in_step()

        # An edit that moves a visit to another year, venue or client.
        visit = OutreachVisit.objects.order_by("?").first()
        visit.visited_on = _day(rng)
        visit.venue = rng.choice(venues)
        visit.contacts = rng.randint(0, 30)
        visit.save()
        clinic = ClinicVisit.objects.order_by("?").first()
        clinic.client_code = rng.choice(codes)
        clinic.enrolled_case = rng.choice(cases)
        clinic.save()
        # Updates of many rows at once, as the admin or a data fix would.
        ids = list(OutreachVisit.objects.values_list("id", flat=True)[: rng.randint(1, 10)])
        OutreachVisit.objects.filter(id__in=ids).update(visited_on=_day(rng), soaps=2)
        ClinicVisit.objects.filter(visited_on__month=rng.randint(1, 12)).update(std_test=True)
        ClinicVisit.objects.filter(enrolled_case=rng.choice(cases)).update(enrolled_case=None)
        assert_in_step()

        # Deletions, one and many.
        OutreachVisit.objects.order_by("?").first().delete()
        ClinicVisit.objects.order_by("?").first().delete()
        OutreachVisit.objects.filter(venue=rng.choice(venues), visited_on__year=2011).delete()
        ClinicVisit.objects.filter(client_code=rng.choice(codes)).delete()
        assert_in_step()

    assert OutreachYear.objects.filter(year=2011, venues__gt=0).exists()
    assert ClinicYear.objects.filter(year=2011, referred_clients__gt=0).exists()


def test_a_venue_whose_visits_all_went_is_no_longer_counted():
    venue = f.venue()
    first = f.outreach_visit(venue, visited_on=date(2011, 3, 1))
    second = f.outreach_visit(venue, visited_on=date(2011, 5, 1))
    assert figures_for_year(2011)["outreach.venues_visited"] == 1
    first.delete()
    assert figures_for_year(2011)["outreach.venues_visited"] == 1
    second.visited_on = date(2012, 1, 2)
    second.save()
    assert figures_for_year(2011)["outreach.venues_visited"] == 0
    assert figures_for_year(2012)["outreach.venues_visited"] == 1
    assert not VenueYear.objects.filter(year=2011).exists()


def test_a_client_referred_on_one_of_two_visits_is_one_exit():
    case = f.case()
    f.clinic_visit("C-7", visited_on=date(2011, 2, 1))
    referred = f.clinic_visit("C-7", visited_on=date(2011, 3, 1), enrolled_case=case)
    f.clinic_visit("C-7", visited_on=date(2011, 4, 1), enrolled_case=case)
    figures = figures_for_year(2011)
    assert (figures["clinic.clients"], figures["clinic.exits_to_shelter"]) == (1, 1)
    ClinicVisit.objects.filter(enrolled_case=case).exclude(id=referred.id).delete()
    assert figures_for_year(2011)["clinic.exits_to_shelter"] == 1
    referred.delete()
    assert figures_for_year(2011)["clinic.exits_to_shelter"] == 0
    assert ClinicClientYear.objects.get(year=2011, client_code="C-7").referred_visits == 0


def _drop_one_trigger():
    name = rollups.ROLLUPS[0].trigger_name("insert")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER {name} ON {rollups.ROLLUPS[0].source}")
        else:
            cursor.execute(f"DROP TRIGGER {name}")


def test_install_puts_a_lost_trigger_back_and_recounts():
    f.outreach_visit(visited_on=date(2011, 3, 1), contacts=7)
    assert rollups.install() == []  # all in place: nothing to do
    _drop_one_trigger()
    f.outreach_visit(visited_on=date(2011, 4, 1), contacts=5)  # not seen by any trigger
    assert rollups.drift()["reports_outreachyear"] > 0

    assert rollups.install() == ["reports_venueyear"]
    assert_in_step()
    assert figures_for_year(2011)["outreach.contacts"] == 12
    f.outreach_visit(visited_on=date(2011, 5, 1), contacts=1)
    assert figures_for_year(2011)["outreach.contacts"] == 13


def test_figure_rollups_command_finds_drift_and_recounts(capsys):
    f.outreach_visit(visited_on=date(2011, 3, 1), contacts=7)
    f.clinic_visit(visited_on=date(2011, 3, 1))
    call_command("figure_rollups")
    assert "in step" in capsys.readouterr().out

    OutreachYear.objects.filter(year=2011).update(contacts=1)
    ClinicClientYear.objects.all().delete()
    with pytest.raises(CommandError, match="--recount"):
        call_command("figure_rollups")

    call_command("figure_rollups", "--recount")
    assert "recounted" in capsys.readouterr().out
    assert_in_step()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
def test_two_writers_adding_the_first_visits_of_a_venue_count_it_once():
    venue = f.venue()
    first_written = threading.Event()
    errors = []

    def writer(wait_before_commit: bool):
        try:
            with transaction.atomic():
                f.outreach_visit(venue, visited_on=date(2011, 6, 1))
                if wait_before_commit:
                    first_written.set()
                    # The other writer now blocks on this venue's total row.
                    threading.Event().wait(0.5)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    a = threading.Thread(target=writer, args=(True,))
    a.start()
    assert first_written.wait(10)
    b = threading.Thread(target=writer, args=(False,))
    b.start()
    a.join(20)
    b.join(20)
    assert not errors
    assert figures_for_year(2011)["outreach.venues_visited"] == 1
    assert OutreachYear.objects.get(year=2011).visits == 2
    assert_in_step()
