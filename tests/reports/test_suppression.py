"""Small-number suppression: primary below the threshold, secondary so that no
hidden cell can be worked out from the printed total."""

import pytest

from reports.suppression import PRIMARY, SECONDARY, disclosed, suppress_column, suppress_table


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
