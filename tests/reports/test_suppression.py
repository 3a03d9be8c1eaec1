"""Small-number suppression: primary below the threshold, secondary so that no
hidden cell can be worked out from the printed total."""

import pytest

from reports.selectors import FIGURE_BASES, FIGURE_KEYS, MONEY_KEYS, PEOPLE_KEYS, PERCENT_KEYS
from reports.suppression import (
    PRIMARY,
    SECONDARY,
    disclosed,
    figure_hidden,
    plain_figures,
    suppress_column,
    suppress_figures,
    suppress_table,
    suppress_totals,
)


def hidden(cells):
    return [c.hidden for c in cells]


def test_counts_at_or_above_the_threshold_are_shown():
    assert hidden(suppress_column([5, 12, 40], limit=5)) == ["", "", ""]


def test_a_lone_small_count_takes_the_next_smallest_cell_with_it():
    # 3 alone would be total - 10 - 20: the 10 is hidden too, the 20 stays.
    assert hidden(suppress_column([3, 10, 20], limit=5)) == [PRIMARY, SECONDARY, ""]


def test_two_small_counts_hide_each_other_and_a_five_stays():
    assert hidden(suppress_column([3, 2, 5, 12], limit=5)) == [PRIMARY, PRIMARY, "", ""]


def test_two_small_counts_at_the_top_of_their_range_need_a_third_cell():
    # 4 + 4 = 8 is only possible as 4 and 4: a third, larger cell is hidden.
    assert hidden(suppress_column([4, 4, 9, 30], limit=5)) == [PRIMARY, PRIMARY, SECONDARY, ""]


def test_no_hidden_cell_is_ever_disclosed_by_the_total():
    import random

    rng = random.Random(3)
    for _ in range(500):
        values = [rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 13, 40]) for _ in range(rng.randint(2, 6))]
        cells = suppress_column(values, limit=5)
        if any(c.shown for c in cells):
            assert disclosed(cells, 5) == [], values
        assert all(c.hidden for c, v in zip(cells, values, strict=True) if v < 5)


def test_threshold_comes_from_settings(settings):
    settings.REPORT_SUPPRESSION_THRESHOLD = 10
    assert hidden(suppress_column([7, 7, 30])) == [PRIMARY, PRIMARY, ""]


def test_dollars_hide_with_the_people_they_belong_to():
    rows = [
        {"key": "startup_kit", "label": "startup_kit", "survivors": 2, "value_usd": 1400},
        {"key": "microgrant", "label": "microgrant", "survivors": 9, "value_usd": 900},
        {"key": "tuition", "label": "tuition", "survivors": 30, "value_usd": 9000},
    ]
    out = suppress_table(rows, ("survivors",), {"value_usd": "survivors"}, limit=5)
    assert [r["survivors"].hidden for r in out] == [PRIMARY, SECONDARY, ""]
    assert [r["value_usd"].hidden for r in out] == [SECONDARY, SECONDARY, ""]


@pytest.mark.parametrize("values", [[], [50]])
def test_tables_without_small_counts_are_untouched(values):
    assert all(c.shown for c in suppress_column(values, limit=5))


# --- headline figures

PEOPLE = frozenset({"residents", "kits", "visits"})
BASES = {"education_pct": "residents", "kit_avg_usd": "kits", "on_time_pct": "visits"}


def headline(figures, previous):
    return suppress_figures(figures, previous, PEOPLE, BASES, limit=5)


def test_a_headline_count_of_people_below_the_threshold_is_hidden_and_five_is_shown():
    assert figure_hidden("residents", {"residents": 4}, PEOPLE, BASES, 5) == PRIMARY
    assert figure_hidden("residents", {"residents": 5}, PEOPLE, BASES, 5) == ""


def test_zero_people_is_hidden_as_in_the_tables():
    assert figure_hidden("residents", {"residents": 0}, PEOPLE, BASES, 5) == PRIMARY
    assert suppress_column([0, 9, 30], limit=5)[0].hidden == PRIMARY


def test_a_small_count_of_things_is_shown():
    assert figure_hidden("condoms", {"condoms": 2}, PEOPLE, BASES, 5) == ""


def test_a_share_or_an_average_hides_with_its_base():
    small = {"residents": 2, "education_pct": 100, "kits": 1, "kit_avg_usd": 700}
    assert figure_hidden("education_pct", small, PEOPLE, BASES, 5) == SECONDARY
    assert figure_hidden("kit_avg_usd", small, PEOPLE, BASES, 5) == SECONDARY
    large = {"residents": 40, "education_pct": 100, "kits": 9, "kit_avg_usd": 700}
    assert figure_hidden("education_pct", large, PEOPLE, BASES, 5) == ""
    assert figure_hidden("kit_avg_usd", large, PEOPLE, BASES, 5) == ""


def test_the_previous_year_obeys_the_same_rule_and_the_change_hides_with_either_year():
    cells = headline(
        {"residents": 3, "kits": 12, "visits": 30, "condoms": 2},
        {"residents": 12, "kits": 4, "visits": 25, "condoms": 1},
    )
    residents, kits, visits = cells["residents"], cells["kits"], cells["visits"]
    assert (residents.value.hidden, residents.previous.hidden) == (PRIMARY, "")
    assert residents.change.hidden
    assert (kits.value.hidden, kits.previous.hidden) == ("", PRIMARY)
    assert kits.change.hidden
    assert not (visits.value.hidden or visits.previous.hidden or visits.change.hidden)
    assert visits.change.value == 5
    assert not cells["condoms"].change.hidden


def test_threshold_of_headline_figures_comes_from_settings(settings):
    settings.REPORT_SUPPRESSION_THRESHOLD = 10
    cells = suppress_figures({"residents": 7}, {"residents": 12}, PEOPLE, BASES)
    assert cells["residents"].value.hidden == PRIMARY and cells["residents"].change.hidden


def test_the_internal_variant_shows_every_figure():
    cells = plain_figures({"residents": 3}, {"residents": 0})
    assert cells["residents"].value.shown and cells["residents"].previous.shown
    assert cells["residents"].change.shown and cells["residents"].change.value == 3


def recoverable(editions):
    """What a reader can work out from several public editions of the figures.

    Each edition prints, per key, this year's value, last year's and the change
    (a difference of two values). A printed value is known; a printed change
    ties two values so that knowing one gives the other. Returns the known
    values by (key, year).
    """
    known, ties = {}, []
    for year, cells in editions.items():
        for key, cell in cells.items():
            if cell.value.shown:
                known[key, year] = cell.value.value
            if cell.previous.shown:
                known[key, year - 1] = cell.previous.value
            if cell.change.shown:
                ties.append(((key, year), (key, year - 1), cell.change.value))
    grew = True
    while grew:
        grew = False
        for now, before, change in ties:
            if now in known and before not in known:
                known[before], grew = known[now] - change, True
            elif before in known and now not in known:
                known[now], grew = known[before] + change, True
    return known


def test_no_hidden_count_can_be_subtracted_out_of_two_consecutive_editions():
    import random

    rng = random.Random(11)
    keys = ("residents", "kits", "visits", "education_pct", "kit_avg_usd", "on_time_pct")
    for _ in range(500):
        years = {
            y: {
                "residents": rng.choice([0, 1, 3, 4, 5, 6, 20]),
                "kits": rng.choice([0, 2, 4, 5, 9]),
                "visits": rng.choice([0, 1, 4, 5, 40]),
                "education_pct": rng.choice([0, 50, 100]),
                "kit_avg_usd": rng.choice([0, 650, 700]),
                "on_time_pct": rng.choice([0, 75, 100]),
            }
            for y in (2010, 2011, 2012)
        }
        # The edition of 2012 prints 2011 as its previous year.
        editions = {y: headline(years[y], years[y - 1]) for y in (2011, 2012)}
        known = recoverable(editions)
        for year in (2010, 2011, 2012):
            for key in keys:
                if figure_hidden(key, years[year], PEOPLE, BASES, 5):
                    assert (key, year) not in known, (key, year, years)
                else:
                    assert known.get((key, year), years[year][key]) == years[year][key]


def test_the_reader_of_two_editions_would_subtract_an_unguarded_change():
    # The check above can fail: print the change of 2012 and the hidden 2011 comes out.
    from dataclasses import replace

    cells_2011 = headline({"residents": 3}, {"residents": 12})
    cells_2012 = headline({"residents": 20}, {"residents": 3})
    assert ("residents", 2011) not in recoverable({2011: cells_2011, 2012: cells_2012})
    residents = cells_2012["residents"]
    unguarded = {"residents": replace(residents, change=replace(residents.change, hidden=""))}
    assert recoverable({2011: cells_2011, 2012: unguarded})[("residents", 2011)] == 3


# --- totals of the breakdown tables


def test_a_small_total_of_people_hides_and_its_dollars_with_it():
    rows = [
        {"key": "startup_kit", "label": "startup_kit", "survivors": 2, "value_usd": 1400},
        {"key": "tuition", "label": "tuition", "survivors": 1, "value_usd": 300},
    ]
    totals = suppress_totals(rows, ("survivors",), {"value_usd": "survivors"}, limit=5)
    assert (totals["survivors"].hidden, totals["value_usd"].hidden) == (PRIMARY, SECONDARY)
    shown = suppress_totals(rows, (), None, limit=5)
    assert shown["survivors"].value == 3 and shown["value_usd"].value == 1700
    assert not (shown["survivors"].hidden or shown["value_usd"].hidden)


def test_a_large_total_of_people_is_shown():
    rows = [
        {"key": "TD", "label": "Tom Dy", "residents": 3},
        {"key": "SR", "label": "SR", "residents": 9},
    ]
    assert suppress_totals(rows, ("residents",), limit=5)["residents"].shown


# --- which figures count people


def test_people_figures_shares_and_averages_are_described_once_and_consistently():
    assert PEOPLE_KEYS <= set(FIGURE_KEYS)
    assert not PEOPLE_KEYS & (MONEY_KEYS | PERCENT_KEYS)
    # Every share has a base; every base counts people.
    assert PERCENT_KEYS <= set(FIGURE_BASES)
    assert set(FIGURE_BASES.values()) <= PEOPLE_KEYS
    assert "reintegration.startup_kit_avg_usd" in FIGURE_BASES
    # Money directed to organisations, venues and supplies count no one.
    for key in ("funding.directed_usd", "outreach.venues_visited", "supplies.condoms"):
        assert key not in PEOPLE_KEYS and key not in FIGURE_BASES
