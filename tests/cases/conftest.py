import pytest

from tests import factories


@pytest.fixture
def resident_tom_dy(tom_dy):
    """A survivor living at Tom Dy now, with a Khmer name."""
    case = factories.case("TD-2026-0001", given_name="ស្រីមុំ", family_name="សុខ", birth_year=2004)
    factories.stay(case, tom_dy)
    return case


@pytest.fixture
def resident_siem_reap(siem_reap):
    case = factories.case("SR-2026-0001", given_name="Dara", family_name="Chan", birth_year=2001)
    factories.stay(case, siem_reap)
    return case
