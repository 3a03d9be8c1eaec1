"""What changed in a figure since a version was published: the members frozen
with each version, the figures that differ today, the records that entered,
left or count differently, who touched them (audit log), scoped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from reintegration.models import FollowUpVisit, ReintegrationSupport
from reports import changes, services
from reports.models import ImpactReport, PublishedMembers
from reports.selectors import FIGURE_KEYS, FIGURES, figures_for_year
from smf.staff.audit import audit_record
from smf.staff.models import AuditLog
from tests import factories
from tests.reports.figure_data import random_organisation

pytestmark = pytest.mark.django_db
YEAR = 2011


def published(director, year: int = YEAR) -> ImpactReport:
    """A finished version of the year, its figures and members frozen now."""
    snapshot = services.report_snapshot(year, members=True)
    members = snapshot.pop("members")
    report = ImpactReport.objects.create(
        year=year,
        requested_by=director,
        status=ImpactReport.Status.DONE,
        figures=services.snapshot_to_json(snapshot),
        finished_at=timezone.now(),
    )
    changes.members_freeze(report, members)
    return report


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_each_figure_is_recomputed_from_its_frozen_members(seed):
    random_organisation(seed)
    checked = 0
    for year in (2010, 2011, 2012):
        figures = figures_for_year(year)
        for key, (count, packed) in changes.figure_members(year).items():
            values = list(changes.members_unpack(packed).values())
            assert len(values) == count, key
            assert FIGURES[key].measure.from_members(values) == figures[key], (key, year)
            checked += 1
    assert checked == 3 * len(FIGURE_KEYS)


def test_members_pack_small_and_round_trip():
    figure = FIGURES["followup.visits"]
    ids = list(range(1, 100_001))
    count, packed = changes.members_pack(figure, ((i, None) for i in ids))
    assert count == len(ids)
    assert len(packed) < 2_000  # a few bytes per thousand consecutive ids
    assert list(changes.members_unpack(packed)) == ids


def test_compiling_a_version_freezes_every_figures_members(director, monkeypatch):
    random_organisation(34)
    monkeypatch.setattr(
        services, "impact_report_render", lambda **kw: (b"%PDF-1.7 fake", kw["snapshot"])
    )
    report = services.report_request(user=director, year=YEAR, language="en", variant="internal")
    services.impact_report_compile(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ImpactReport.Status.DONE
    frozen = {m.key: m for m in PublishedMembers.objects.filter(report=report)}
    assert set(frozen) == set(FIGURE_KEYS)
    today = figures_for_year(YEAR)
    for key, members in frozen.items():
        values = list(changes.members_unpack(members.packed).values())
        assert FIGURES[key].measure.from_members(values) == today[key], key


def _visit(case, visited_on=date(2011, 5, 3)):
    return factories.followup(case, visited_on=visited_on, due_on=visited_on)


def test_records_that_entered_left_or_count_differently_are_listed_with_who(
    director, reintegration_officer
):
    center = factories.shelter("CH1")
    stayed = factories.case("TD-11-0001")
    factories.stay(stayed, center, admitted_on=date(2010, 1, 1))
    leaving = factories.case("TD-11-0002")
    factories.stay(leaving, center, admitted_on=date(2010, 1, 1))
    kept = _visit(stayed)
    moved = _visit(leaving)
    kit = factories.support(
        stayed, kind="startup_kit", given_on=date(2011, 7, 1), value_usd="700.00"
    )
    report = published(director)

    # Since publication: a visit entered, one was moved out of the year, one
    # deleted, a kit's value corrected; the audit log says who.
    entering = factories.case("TD-11-0003")
    factories.stay(entering, center, admitted_on=date(2010, 1, 1))
    new = _visit(entering)
    audit_record(user=reintegration_officer, action="followup_record", case_code="TD-11-0003")
    FollowUpVisit.objects.filter(pk=moved.pk).update(visited_on=date(2012, 1, 4))
    audit_record(user=director, action="followup_reschedule", case_code="TD-11-0002")
    ReintegrationSupport.objects.filter(pk=kit.pk).update(value_usd=Decimal("650.00"))
    later = _visit(stayed, date(2011, 8, 1))

    visits = changes.figure_changes(report, "followup.visits", director)
    assert visits.kept
    assert [c.member for c in visits.entered] == [new.pk, later.pk]
    assert [c.member for c in visits.left] == [moved.pk]
    assert visits.counts == {"entered": 2, "left": 1, "changed": 0}
    (entered,) = [c for c in visits.entered if c.member == new.pk]
    assert entered.row["case_code"] == "TD-11-0003"
    assert [(line.user, line.action) for line in entered.audit] == [
        (reintegration_officer, "followup_record")
    ]
    assert [line.action for line in visits.left[0].audit] == ["followup_reschedule"]
    assert kept.pk not in {c.member for c in [*visits.entered, *visits.left]}

    # Distinct people: by case code.
    survivors = changes.figure_changes(report, "followup.survivors", director)
    assert [c.member for c in survivors.entered] == ["TD-11-0003"]
    assert [c.member for c in survivors.left] == ["TD-11-0002"]

    # A sum: the kit counts differently, then and now.
    average = changes.figure_changes(report, "reintegration.startup_kit_avg_usd", director)
    (changed,) = average.changed
    assert (changed.member, changed.published, changed.today) == (kit.pk, "700.00", "650.00")

    # A deleted record is counted, never listed.
    FollowUpVisit.objects.filter(pk=kept.pk).delete()
    visits = changes.figure_changes(report, "followup.visits", director)
    assert visits.gone == 1 and kept.pk not in [c.member for c in visits.left]


def test_the_reports_page_tells_each_version_what_differs_and_the_pages_open(login, director):
    random_organisation(35)
    report = published(director)
    client = login(director)
    page = client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:version_changes", args=[report.uuid]) in page
    assert "Unchanged since" in page

    FollowUpVisit.objects.filter(visited_on__year=YEAR).order_by("pk").first().delete()
    page = client.get(reverse("reports:index")).content.decode()
    assert "figures changed since" in page

    response = client.get(reverse("reports:version_changes", args=[report.uuid]))
    assert response.status_code == 200
    differing = [row["key"] for row in response.context["rows"] if row["differs"]]
    assert "followup.visits" in differing
    assert response.context["rows"][0]["differs"]  # the differing first
    opened = 0
    for key in FIGURE_KEYS:
        address = reverse("reports:version_figure_changes", args=[report.uuid, key])
        assert client.get(address).status_code == 200, key
        opened += 1
    assert opened == len(FIGURE_KEYS)
    assert AuditLog.objects.filter(action="version_changes_view").count() == opened + 1
    assert (
        "Srey"
        not in client.get(
            reverse("reports:version_figure_changes", args=[report.uuid, "followup.survivors"])
        ).content.decode()
    )


def test_a_version_made_before_members_were_kept_compares_its_figures_only(login, director):
    random_organisation(36)
    report = published(director)
    PublishedMembers.objects.filter(report=report).delete()
    response = login(director).get(
        reverse("reports:version_figure_changes", args=[report.uuid, "followup.visits"])
    )
    assert response.status_code == 200
    assert not response.context["changes"].kept
    assert b"changes-not-kept" in response.content


def test_a_reader_sees_only_the_records_of_her_centers(
    director, center_manager_tom_dy, tom_dy, siem_reap
):
    report = published(director)
    for code, center in (("TD-11-0001", tom_dy), ("SR-11-0002", siem_reap)):
        factories.stay(factories.case(code), center, admitted_on=date(2011, 2, 1))
    seen = changes.figure_changes(report, "shelter.residents", center_manager_tom_dy)
    assert seen.counts["entered"] == 2
    assert [c.member for c in seen.entered] == ["TD-11-0001"]
    everyone = changes.figure_changes(report, "shelter.residents", director)
    assert [c.member for c in everyone.entered] == ["SR-11-0002", "TD-11-0001"]


def test_unknown_versions_keys_and_unfinished_versions_are_404(
    login, director, social_worker_tom_dy
):
    report = published(director)
    queued = ImpactReport.objects.create(year=YEAR, version=2, figures=None)
    client = login(director)
    assert client.get(reverse("reports:version_changes", args=[queued.uuid])).status_code == 404
    address = reverse("reports:version_figure_changes", args=[report.uuid, "no.such"])
    assert client.get(address).status_code == 404
    worker = login(social_worker_tom_dy)
    assert worker.get(reverse("reports:version_changes", args=[report.uuid])).status_code == 404
