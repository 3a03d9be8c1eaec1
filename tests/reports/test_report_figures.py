"""Everything a report shows is read at one moment, in parallel on PostgreSQL."""

import threading
from datetime import date

import pytest
from django.db import connection

from reports import selectors
from reports.selectors import breakdowns_for_year, figures_for_year, report_figures
from tests import factories
from tests.reports.test_report_pdf import YEAR, build_year


def sequential(year):
    return {
        "figures": figures_for_year(year),
        "previous": figures_for_year(year - 1),
        "breakdowns": breakdowns_for_year(year),
    }


@pytest.mark.django_db
def test_inside_a_transaction_the_parts_run_one_after_the_other(monkeypatch):
    build_year()
    monkeypatch.setattr(selectors, "_in_snapshot", None)  # would fail if called
    assert report_figures(YEAR) == sequential(YEAR)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="shared snapshots are PostgreSQL's")
def test_on_postgresql_the_parts_run_side_by_side_and_agree(monkeypatch):
    build_year()
    threads = set()
    in_snapshot = selectors._in_snapshot

    def recorded(snapshot_id, part):
        threads.add(threading.get_ident())
        return in_snapshot(snapshot_id, part)

    monkeypatch.setattr(selectors, "_in_snapshot", recorded)
    assert report_figures(YEAR) == sequential(YEAR)
    assert len(threads) == 2 and threading.get_ident() not in threads


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="shared snapshots are PostgreSQL's")
def test_on_postgresql_every_part_sees_the_same_moment(monkeypatch):
    """A visit written while the parts run is in none of them."""
    factories.outreach_visit(visited_on=date(YEAR, 3, 1), contacts=10)
    factories.outreach_visit(visited_on=date(YEAR - 1, 3, 1), contacts=4)
    in_snapshot = selectors._in_snapshot
    wrote = threading.Event()

    def late(snapshot_id, part):
        # The snapshot was exported before this write commits (autocommit).
        if not wrote.is_set():
            wrote.set()
            factories.outreach_visit(visited_on=date(YEAR - 1, 4, 1), contacts=1000)
        return in_snapshot(snapshot_id, part)

    monkeypatch.setattr(selectors, "_in_snapshot", late)
    result = report_figures(YEAR)
    assert result["figures"]["outreach.contacts"] == 10
    assert result["previous"]["outreach.contacts"] == 4
    assert figures_for_year(YEAR - 1)["outreach.contacts"] == 1004
