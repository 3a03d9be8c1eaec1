"""Reading one file of an import: its header, then its rows, one at a time.

Errors read `file:line: column: reason`, where line is the physical line of
the file (the header is line 1); errors about a whole file read
`file: reason`. A cell's value is echoed in an error only when it holds no
letters (a date typed another way, a number): a name or a note in the wrong
column must not land in the import's errors, which are stored in clear.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from django.conf import settings
from django.db import models
from django.db.models.fields import PositiveIntegerRelDbTypeMixin

from .spec import Column, FileSpec

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
INTEGER_RE = re.compile(r"-?\d+")
BOOLEANS = {"yes": True, "no": False}
SHOWABLE_RE = re.compile(r"[\d\s.,:/+\-]*")
# The identifiers an import defines (a case code, a center or venue code, a
# clinic client code) are parts of addresses (/cases/<code>/): letters, digits,
# ".", "-" and "_" only, so that every imported record can be opened.
IDENTIFIER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# The longest line read: no column of the format holds more than a long note.
MAX_LINE_CHARS = settings.IMPORT_MAX_LINE_CHARS
csv.field_size_limit(MAX_LINE_CHARS)


class CellError(ValueError):
    """A cell's value is not acceptable; the message is the reason shown."""


class FileUnreadable(Exception):
    """The rest of the file cannot be read: `line` and `reason` say where and why."""

    def __init__(self, line: int, reason: str):
        self.line, self.reason = line, reason
        super().__init__(reason)


# --- cell parsers, derived from the model field ----------------------------


def shown(raw: str) -> str:
    return repr(raw) if SHOWABLE_RE.fullmatch(raw) else "the value"


def _parse_date(raw: str) -> date:
    if not DATE_RE.fullmatch(raw):
        raise CellError(f"{shown(raw)} is not a date in the form YYYY-MM-DD")
    try:
        value = date.fromisoformat(raw)
    except ValueError as error:
        raise CellError(f"{shown(raw)} is not a valid date") from error
    if value.year < 1900:
        raise CellError(f"{shown(raw)} is not a plausible date")
    return value


def _parse_bool(raw: str) -> bool:
    try:
        return BOOLEANS[raw.lower()]
    except KeyError:
        raise CellError(f"{shown(raw)} is not yes or no") from None


def _integer_parser(f: models.Field) -> Callable[[str], int]:
    non_negative = isinstance(f, PositiveIntegerRelDbTypeMixin)

    def parse(raw: str) -> int:
        if not INTEGER_RE.fullmatch(raw):
            raise CellError(f"{shown(raw)} is not a whole number")
        value = int(raw)
        if non_negative and value < 0:
            raise CellError(f"{value} is negative")
        if value > 2_000_000_000:
            raise CellError(f"{value} is too large")
        return value

    return parse


def _decimal_parser(f: models.DecimalField) -> Callable[[str], Decimal]:
    whole_digits = f.max_digits - f.decimal_places
    step = Decimal(1).scaleb(-f.decimal_places)

    def parse(raw: str) -> Decimal:
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise CellError(f"{shown(raw)} is not an amount like 1234.50") from None
        if not value.is_finite():
            raise CellError(f"{shown(raw)} is not an amount like 1234.50")
        if value < 0:
            raise CellError(f"{raw} is negative")
        if value != value.quantize(step):
            raise CellError(f"{raw} has more than {f.decimal_places} decimals")
        if value.adjusted() >= whole_digits:
            raise CellError(f"{raw} is too large")
        return value

    return parse


def _choice_parser(f: models.Field) -> Callable[[str], str]:
    allowed = [str(value) for value, _label in f.choices]
    allowed_set = set(allowed)

    def parse(raw: str) -> str:
        value = raw.lower()
        if value not in allowed_set:
            raise CellError(f"{shown(raw)} is not one of: {', '.join(allowed)}")
        return value

    return parse


def _text_parser(f: models.Field) -> Callable[[str], str]:
    limit = f.max_length

    def parse(raw: str) -> str:
        if "\x00" in raw:
            # PostgreSQL refuses it in text; no keyboard types it.
            raise CellError("holds a NUL character (the file is damaged or not text)")
        if limit and len(raw) > limit:
            raise CellError(f"longer than {limit} characters")
        return raw

    return parse


def _is_identifier(spec: FileSpec, column: Column) -> bool:
    defines = bool(spec.provides) and spec.key[:1] == (column.name,)
    return defines or column.name == "client_code"


def _identifier_parser(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def check(raw: str) -> Any:
        if not IDENTIFIER_RE.fullmatch(raw):
            raise CellError("not a code: letters, digits, '.', '-' and '_' only")
        return parse(raw)

    return check


def cell_parser(f: models.Field) -> Callable[[str], Any]:
    """How to read a non-empty cell for this model field."""
    if f.is_relation:
        return _text_parser(f.target_field.model._meta.get_field("code"))
    if f.choices:
        return _choice_parser(f)
    if isinstance(f, models.BooleanField):
        return _parse_bool
    if isinstance(f, models.DateField):
        return _parse_date
    if isinstance(f, models.DecimalField):
        return _decimal_parser(f)
    if isinstance(f, models.IntegerField):
        return _integer_parser(f)
    return _text_parser(f)


def empty_value(f: models.Field) -> Any:
    """What an empty cell means for this field: unknown, "" or its default."""
    if f.null:
        return None
    if f.has_default():
        return f.get_default()
    return ""


# --- reading a file ----------------------------------------------------------


class Errors(list):
    def add(self, filename: str, line: int, column: str, reason: str) -> None:
        self.append(f"{filename}:{line}: {column}: {reason}")


@dataclass
class Row:
    line: int
    values: dict[str, Any]
    # Whether every cell parsed and every check passed.
    ok: bool = True

    def key(self, spec: FileSpec) -> tuple:
        return tuple(self.values[k] for k in spec.key)


class _Hashing(io.RawIOBase):
    """Passes a stream through, hashing what it reads."""

    def __init__(self, stream: BinaryIO):
        self._stream, self.sha256 = stream, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        self.sha256.update(data)
        buffer[: len(data)] = data
        return len(data)


def _lines(stream: BinaryIO, counter: list[int]) -> Iterator[str]:
    """The physical lines of a UTF-8 stream (a BOM is dropped; "\r\n", "\n" and a
    lone "\r" end a line), none longer than MAX_LINE_CHARS bytes."""
    first = True
    while True:
        raw = stream.readline(MAX_LINE_CHARS + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE_CHARS and not raw.endswith(b"\n"):
            raise FileUnreadable(counter[0] + 1, f"a line longer than {MAX_LINE_CHARS:,} bytes")
        if first:
            raw, first = raw.removeprefix(b"\xef\xbb\xbf"), False
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FileUnreadable(
                counter[0] + 1, "not UTF-8 text (save the file as CSV UTF-8)"
            ) from None
        if "\r" in line[:-2]:
            # Lines ended by a lone carriage return (old spreadsheets on a Mac).
            for part in LONE_CR.findall(line):
                counter[0] += 1
                yield part
            continue
        counter[0] += 1
        yield line


LONE_CR = re.compile(r"[^\r]*\r\n?|[^\r]+")


class FileReader:
    """One file of an import, read as a stream: `header()` then `rows()`.

    Every error is added to `errors`; `rows()` yields every row that is not
    blank, valid or not (`Row.ok`), so a caller can still note the key an
    invalid row names. After the last row, `sha256` is the file's checksum.
    """

    def __init__(self, spec: FileSpec, stream: BinaryIO, errors: Errors):
        self.spec, self.errors = spec, errors
        self._hashing = _Hashing(stream)
        buffered = io.BufferedReader(self._hashing, buffer_size=256 * 1024)
        self._counter = [0]
        self._reader = csv.reader(_lines(buffered, self._counter))
        self.header: list[str] = []
        self.unreadable = False

    @property
    def sha256(self) -> str:
        return self._hashing.sha256.hexdigest()

    def _unreadable(self, line: int, reason: str) -> None:
        self.errors.add(self.spec.filename, line, "-", reason)
        self.unreadable = True

    def read_header(self) -> bool:
        """Read and check the header row; False (with errors) when unusable."""
        spec, name = self.spec, self.spec.filename
        try:
            header = [h.strip() for h in next(self._reader)]
        except StopIteration:
            self.errors.append(f"{name}: the file is empty (it needs at least a header row)")
            return False
        except FileUnreadable as error:
            self._unreadable(error.line, error.reason)
            return False
        except csv.Error as error:
            self._unreadable(1, f"not readable as CSV ({error})")
            return False
        ok = True
        for position, column in enumerate(header):
            if spec.column(column) is None:
                known = ", ".join(c.name for c in spec.columns)
                self.errors.add(
                    name, 1, column or "-", f"unknown column (this file's columns: {known})"
                )
                ok = False
            elif column in header[:position]:
                self.errors.add(name, 1, column, "the column appears twice")
                ok = False
        for column in spec.columns:
            if column.name not in header and spec.required(column):
                self.errors.add(name, 1, column.name, "required column is missing")
                ok = False
        self.header = header
        return ok

    @property
    def present_fields(self) -> list[str]:
        return [self.spec.column(name).field_name for name in self.header]

    def rows(self) -> Iterator[Row]:
        spec, name, errors = self.spec, self.spec.filename, self.errors
        rules = []
        for column_name in self.header:
            column = spec.column(column_name)
            f = spec.model_field(column)
            parse = cell_parser(f)
            if _is_identifier(spec, column):
                parse = _identifier_parser(parse)
            empty = None if column.ref else empty_value(f)
            rules.append((column.name, parse, spec.required(column), empty))
        width = len(self.header)
        checks = spec.checks
        reader = self._reader
        end_of_last = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except FileUnreadable as error:
                self._unreadable(error.line, error.reason)
                return
            except csv.Error as error:
                self._unreadable(end_of_last + 1, f"not readable as CSV ({error})")
                return
            line, end_of_last = end_of_last + 1, self._counter[0]
            if not any(c.strip() for c in cells):
                continue  # blank lines are harmless
            if len(cells) != width:
                errors.add(name, line, "-", f"{len(cells)} cells, the header has {width}")
                continue
            values, ok = {}, True
            for (column_name, parse, required, empty), raw in zip(rules, cells, strict=True):
                raw = raw.strip()
                if not raw:
                    if required:
                        errors.add(name, line, column_name, "a value is required")
                        ok = False
                    values[column_name] = empty
                    continue
                try:
                    values[column_name] = parse(raw)
                except CellError as error:
                    errors.add(name, line, column_name, str(error))
                    ok = False
            if ok:
                for check in checks:
                    for column_name, reason in check(values):
                        errors.add(name, line, column_name, reason)
                        ok = False
            yield Row(line, values, ok=ok)
