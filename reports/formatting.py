"""Numbers, money, dates and Khmer line breaks, formatted for the report's language.

English: 1,844 and $924,000.00 and 28 November 2026.
Khmer: the same grouping in Khmer digits (១,៨៤៤), Khmer month names, and a
zero-width space (U+200B) between Khmer words so that WeasyPrint, which finds
no break opportunity in Khmer, can wrap a paragraph.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache

KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
KHMER_MONTHS = (
    "មករា",
    "កុម្ភៈ",
    "មីនា",
    "មេសា",
    "ឧសភា",
    "មិថុនា",
    "កក្កដា",
    "សីហា",
    "កញ្ញា",
    "តុលា",
    "វិច្ឆិកា",
    "ធ្នូ",
)
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
ENGLISH_SMALL = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
KHMER_SMALL = ("គ្មាន", "មួយ", "ពីរ", "បី", "បួន", "ប្រាំ", "ប្រាំមួយ", "ប្រាំពីរ", "ប្រាំបី", "ប្រាំបួន")
ZWSP = "\u200b"
# Runs shorter than this fit on any line of the report: no segmenter needed.
KHMER_RUN = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]{20,}")


def digits(text: str, language: str) -> str:
    return text.translate(KHMER_DIGITS) if language == "km" else text


def number(value, language: str = "en") -> str:
    """A whole number with thousands separators: 68,912 / ៦៨,៩១២."""
    return digits(f"{int(value):,}", language)


def signed(value, language: str = "en", money_value: bool = False) -> str:
    text = usd(abs(value), language) if money_value else number(abs(value), language)
    if value > 0:
        return "+" + text
    if value < 0:
        return "\u2212" + text
    return text


def usd(value, language: str = "en") -> str:
    """Dollars with cents: $924,000.00 / $៩២៤,០០០.០០."""
    return digits(f"${Decimal(value):,.2f}", language)


def small_number(value: int, language: str = "en") -> str:
    """Numbers below ten in words, as the seed says "the three centers"."""
    words = KHMER_SMALL if language == "km" else ENGLISH_SMALL
    if 0 <= value < len(words):
        return words[value]
    return number(value, language)


def long_date(day: date, language: str = "en") -> str:
    if language == "km":
        day_text, year_digits = digits(str(day.day), "km"), digits(str(day.year), "km")
        return f"ថ្ងៃទី{day_text} ខែ{KHMER_MONTHS[day.month - 1]} ឆ្នាំ{year_digits}"
    return f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"


def year_text(year: int, language: str = "en") -> str:
    return digits(str(year), language)


@lru_cache(maxsize=1)
def _tokenizer():
    # khmer-nltk loads a CRF model (about 2 s): only when a Khmer run lacks breaks.
    from khmernltk import word_tokenize

    return word_tokenize


@lru_cache(maxsize=4096)
def _segment(run: str) -> str:
    return ZWSP.join(token for token in _tokenizer()(run) if token)


def khmer_wrap(text: str) -> str:
    """Insert U+200B between the words of Khmer runs that have no break yet.

    The project's catalogue already carries the breaks in its Khmer strings
    (see `compile_translations`), so at render time only Khmer text from
    the records (a center's name) goes through the segmenter.
    """
    if ZWSP in text or not KHMER_RUN.search(text):
        return text
    return KHMER_RUN.sub(lambda m: _segment(m.group(0)), text)
