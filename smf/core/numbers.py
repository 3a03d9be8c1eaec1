"""Small number helpers shared by the pages and the report."""

from decimal import ROUND_HALF_UP, Decimal


def percentage(part: int, whole: int) -> int:
    if not whole:
        return 0
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), ROUND_HALF_UP))
