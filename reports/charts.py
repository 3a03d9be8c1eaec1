"""Vector charts for the impact report, drawn as SVG by hand.

The SVG holds shapes only. Every word and number around a chart is HTML:
WeasyPrint does not shape Khmer inside SVG <text> (field notes), and HTML text
stays selectable, searchable and translatable.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

CURRENT = "#b0306a"
PREVIOUS = "#c9c3bd"
WIDTH = 100.0  # viewBox units; the SVG stretches to its cell


def _fraction(value, largest) -> float:
    if not largest or value is None:
        return 0.0
    return max(0.0, float(Decimal(value) / Decimal(largest)))


def comparison_bars(
    current, previous, *, current_hidden: bool = False, previous_hidden: bool = False
) -> SafeString:
    """Two bars, this year over last year, scaled to the larger of the two.

    Each figure has its own scale (contacts are counted in tens of thousands,
    agreements in ones): the chart shows each figure's change, not their sizes.
    A suppressed year draws no bar and takes no part in the scale (the other
    bar's length would give it away).
    """
    current = None if current_hidden else current
    previous = None if previous_hidden else previous
    largest = max(current or 0, previous or 0)
    now = WIDTH * _fraction(current, largest)
    before = WIDTH * _fraction(previous, largest)
    return format_html(
        '<svg class="bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} 10" '
        'preserveAspectRatio="none" role="img">'
        '<rect x="0" y="0.5" width="{w}" height="9" fill="#f4f1ee"/>'
        '<rect x="0" y="1" width="{now}" height="4.5" fill="{c}"/>'
        '<rect x="0" y="6" width="{before}" height="3" fill="{p}"/>'
        "</svg>",
        w=f"{WIDTH:.0f}",
        now=f"{now:.2f}",
        before=f"{before:.2f}",
        c=CURRENT,
        p=PREVIOUS,
    )


def share_bar(value, largest, hidden: bool = False) -> SafeString:
    """One bar of a breakdown table; a suppressed cell draws none (its length
    would give the number away)."""
    length = 0.0 if hidden else WIDTH * _fraction(value, largest)
    return format_html(
        '<svg class="bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} 10" '
        'preserveAspectRatio="none" role="img">'
        '<rect x="0" y="2" width="{length}" height="6" fill="{c}"/>'
        "</svg>",
        w=f"{WIDTH:.0f}",
        length=f"{length:.2f}",
        c=CURRENT,
    )


def swatch(colour: str) -> SafeString:
    return mark_safe(
        '<svg class="swatch" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        f'<rect width="10" height="10" fill="{colour}"/></svg>'
    )
