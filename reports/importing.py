"""Bulk import of an organisation's records from a folder of CSV files.

The format is the "Import format" section of shared/spec/outcome-figures.md:
one CSV file per kind of record, UTF-8 with a header row, any file absent,
columns in any order, dates `YYYY-MM-DD`, booleans `yes` / `no`, an empty cell
meaning "unknown" / "not yet".

How it works:

1. Every file is parsed and every row checked against a declarative spec
   (`FILES` below: the columns of each file, which model field each column
   fills, which file's natural key it names). Types, enum values, lengths and
   whether a value is required come from the model fields themselves, so the
   importer and the database never disagree.
2. The natural keys the rows name (case codes, center codes, venue codes,
   legal references, stays) are looked up in a few batched queries, never one
   query per row.
3. Only when no row of any file has an error is anything written: one
   transaction, `bulk_create` / `bulk_update` in batches, in dependency order.

Keyed rows (centers, cases, venues, legal cases, and stays keyed by case,
center and admission date) update the record they name; the other files'
rows are appended. The SHA-256 of every imported file is kept
(`ImportedFile`), and a file already imported is refused, so importing the
same export twice never doubles a figure.

Errors read `file:line: column: reason`, where line is the physical line of
the file (the header is line 1); errors about a whole file read `file: reason`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.models import F
from django.db.models.fields import PositiveIntegerRelDbTypeMixin
from django.utils import timezone

from cases.models import Case, LegalCase
from cases.services import case_set_names
from outreach.models import ClinicVisit, Event, Meeting, OutreachVisit, Venue
from reintegration.models import FollowUpVisit, ReintegrationSupport
from reports.models import Disbursement, ImportedFile, ImportJob
from shelters.models import EducationRecord, Internship, Shelter, Stay, VocationalTraining
from smf.core.queue import enqueue_on_commit
from smf.staff.audit import audit_record_many
from smf.staff.models import AuditLog

# Rows per INSERT/UPDATE and keys per `IN (...)` lookup: the number of queries
# grows with the number of batches, never with the number of rows.
BATCH_SIZE = 500
# An archive larger than this once unpacked is refused (a "zip bomb" guard).
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
INTEGER_RE = re.compile(r"-?\d+")
BOOLEANS = {"yes": True, "no": False}

Progress = Callable[[int], None]


class ImportRejected(Exception):
    """Nothing was written; `errors` says why, one line per problem."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        shown = "\n".join(self.errors[:20])
        more = f"\n... and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        super().__init__(f"Import refused, nothing was written:\n{shown}{more}")


class CellError(ValueError):
    """A cell's value is not acceptable; the message is the reason shown."""


# --- the format ------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a file.

    `field` is the model field it fills (default: same name). `ref` names the
    kind of natural key the column holds ("case", "shelter", "venue"): the
    value must match a record in the database or in this import.
    """

    name: str
    field: str = ""
    ref: str = ""

    @property
    def field_name(self) -> str:
        return self.field or self.name


RowCheck = Callable[[dict[str, Any]], Iterable[tuple[str, str]]]


def not_before(earlier: str, later: str) -> RowCheck:
    """`later` may not be a date before `earlier` (both columns known)."""

    def check(values: dict[str, Any]) -> Iterator[tuple[str, str]]:
        first, second = values.get(earlier), values.get(later)
        if first is not None and second is not None and second < first:
            yield later, f"{second.isoformat()} is before {earlier} {first.isoformat()}"

    return check


def both_or_neither(a: str, b: str) -> RowCheck:
    """A stay that ended has an exit reason, and only a stay that ended has one."""

    def check(values: dict[str, Any]) -> Iterator[tuple[str, str]]:
        if a not in values or b not in values:
            return
        has_a, has_b = values[a] not in (None, ""), values[b] not in (None, "")
        if has_a and not has_b:
            yield b, f"required when {a} is given"
        if has_b and not has_a:
            yield a, f"required when {b} is given"

    return check


def at_least_one(*names: str) -> RowCheck:
    def check(values: dict[str, Any]) -> Iterator[tuple[str, str]]:
        if all(n in values for n in names) and all(values[n] in (None, "") for n in names):
            yield names[0], f"give at least one of {', '.join(names)}"

    return check


def plausible_year(name: str) -> RowCheck:
    def check(values: dict[str, Any]) -> Iterator[tuple[str, str]]:
        year = values.get(name)
        if year is not None and not 1900 <= year <= date.today().year:
            yield name, f"{year} is not a plausible year"

    return check


@dataclass(frozen=True)
class FileSpec:
    """One CSV file of the format, declared rather than programmed.

    `key` lists the columns of the natural key (empty: rows are appended) and
    `key_lookups` the ORM paths that find an existing record by that key, the
    first of which is filtered with `IN (...)`. `provides` is the kind of
    reference the key defines for other files.
    """

    filename: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    key_lookups: tuple[str, ...] = ()
    provides: str = ""
    checks: tuple[RowCheck, ...] = ()

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def model_field(self, column: Column) -> models.Field:
        return self.model._meta.get_field(column.field_name)

    def required(self, column: Column) -> bool:
        """Key columns, and model fields with neither a blank nor a default value."""
        if column.name in self.key:
            return True
        f = self.model_field(column)
        return not (f.null or f.blank or f.has_default())


# The kinds of natural key that link files: model, field, file defining them.
REFERENCES: dict[str, tuple[type[models.Model], str, str]] = {
    "case": (Case, "code", "cases.csv"),
    "shelter": (Shelter, "code", "shelters.csv"),
    "venue": (Venue, "code", "venues.csv"),
}
CASE = Column("case_code", "case", ref="case")

# In dependency order: the files that define keys come first.
FILES: tuple[FileSpec, ...] = (
    FileSpec(
        "shelters.csv",
        Shelter,
        (Column("code"), Column("name"), Column("province"), Column("capacity")),
        key=("code",),
        key_lookups=("code",),
        provides="shelter",
    ),
    FileSpec(
        "cases.csv",
        Case,
        (
            Column("case_code", "code"),
            Column("given_name"),
            Column("family_name"),
            Column("sex"),
            Column("birth_year"),
            Column("nationality"),
            Column("intake_date"),
            Column("referral_source"),
            Column("exploitation_type"),
        ),
        key=("case_code",),
        key_lookups=("code",),
        provides="case",
        checks=(plausible_year("birth_year"),),
    ),
    FileSpec(
        "venues.csv",
        Venue,
        (Column("code"), Column("name"), Column("kind"), Column("province")),
        key=("code",),
        key_lookups=("code",),
        provides="venue",
    ),
    FileSpec(
        "stays.csv",
        Stay,
        (
            CASE,
            Column("shelter_code", "shelter", ref="shelter"),
            Column("admitted_on"),
            Column("left_on"),
            Column("exit_reason"),
        ),
        # A stay is known by its case, center and admission date: re-importing
        # it with a `left_on` records the discharge.
        key=("case_code", "shelter_code", "admitted_on"),
        key_lookups=("case__code", "shelter__code", "admitted_on"),
        checks=(not_before("admitted_on", "left_on"), both_or_neither("left_on", "exit_reason")),
    ),
    FileSpec(
        "education.csv",
        EducationRecord,
        (CASE, Column("course"), Column("started_on"), Column("ended_on")),
        checks=(not_before("started_on", "ended_on"),),
    ),
    FileSpec(
        "vocational_training.csv",
        VocationalTraining,
        (
            CASE,
            Column("trade"),
            Column("started_on"),
            Column("completed_on"),
            Column("certified_on"),
        ),
        checks=(
            not_before("started_on", "completed_on"),
            not_before("started_on", "certified_on"),
        ),
    ),
    FileSpec(
        "internships.csv",
        Internship,
        (CASE, Column("employer"), Column("started_on"), Column("ended_on")),
        checks=(not_before("started_on", "ended_on"),),
    ),
    FileSpec(
        "reintegration_support.csv",
        ReintegrationSupport,
        (CASE, Column("kind"), Column("given_on"), Column("value_usd")),
    ),
    FileSpec(
        "followups.csv",
        FollowUpVisit,
        (
            CASE,
            Column("due_on"),
            Column("visited_on"),
            Column("visitor_role"),
            Column("outcome"),
        ),
        checks=(at_least_one("due_on", "visited_on"),),
    ),
    FileSpec(
        "legal_cases.csv",
        LegalCase,
        (
            Column("reference"),
            Column("case_code", "case", ref="case"),
            Column("opened_on"),
            Column("outcome"),
            Column("closed_on"),
        ),
        key=("reference",),
        key_lookups=("reference",),
        checks=(not_before("opened_on", "closed_on"),),
    ),
    FileSpec(
        "outreach_visits.csv",
        OutreachVisit,
        (
            Column("venue_code", "venue", ref="venue"),
            Column("visited_on"),
            Column("contacts"),
            Column("clients_educated"),
            Column("condoms"),
            Column("soaps"),
        ),
    ),
    FileSpec(
        "clinic_visits.csv",
        ClinicVisit,
        (
            Column("client_code"),
            Column("visited_on"),
            Column("service"),
            Column("std_test"),
            Column("enrolled_case_code", "enrolled_case", ref="case"),
        ),
    ),
    FileSpec(
        "meetings.csv",
        Meeting,
        (
            Column("held_on"),
            Column("counterpart"),
            Column("title"),
            Column("agreement_reached"),
        ),
    ),
    FileSpec(
        "events.csv",
        Event,
        (Column("held_on"), Column("title"), Column("participants")),
    ),
    FileSpec(
        "disbursements.csv",
        Disbursement,
        (Column("given_on"), Column("recipient"), Column("region"), Column("amount_usd")),
    ),
)
SPECS: dict[str, FileSpec] = {spec.filename: spec for spec in FILES}
FILE_NAMES: tuple[str, ...] = tuple(SPECS)


# --- cell parsers, derived from the model field ----------------------------


# A cell value is echoed in an error only when it holds no letters (a date
# typed another way, a number): a name or a note in the wrong column must not
# land in the import's errors, which are stored in clear (ImportJob.errors).
SHOWABLE_RE = re.compile(r"[\d\s.,:/+\-]*")


def _shown(raw: str) -> str:
    return repr(raw) if SHOWABLE_RE.fullmatch(raw) else "the value"


def _parse_date(raw: str) -> date:
    if not DATE_RE.fullmatch(raw):
        raise CellError(f"{_shown(raw)} is not a date in the form YYYY-MM-DD")
    try:
        value = date.fromisoformat(raw)
    except ValueError as error:
        raise CellError(f"{_shown(raw)} is not a valid date") from error
    if value.year < 1900:
        raise CellError(f"{_shown(raw)} is not a plausible date")
    return value


def _parse_bool(raw: str) -> bool:
    try:
        return BOOLEANS[raw.lower()]
    except KeyError:
        raise CellError(f"{_shown(raw)} is not yes or no") from None


def _integer_parser(f: models.Field) -> Callable[[str], int]:
    non_negative = isinstance(f, PositiveIntegerRelDbTypeMixin)

    def parse(raw: str) -> int:
        if not INTEGER_RE.fullmatch(raw):
            raise CellError(f"{_shown(raw)} is not a whole number")
        value = int(raw)
        if non_negative and value < 0:
            raise CellError(f"{value} is negative")
        if value > 2_000_000_000:
            raise CellError(f"{value} is too large")
        return value

    return parse


def _decimal_parser(f: models.DecimalField) -> Callable[[str], Decimal]:
    whole_digits = f.max_digits - f.decimal_places

    def parse(raw: str) -> Decimal:
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise CellError(f"{_shown(raw)} is not an amount like 1234.50") from None
        if not value.is_finite():
            raise CellError(f"{_shown(raw)} is not an amount like 1234.50")
        if value < 0:
            raise CellError(f"{raw} is negative")
        if value != value.quantize(Decimal(1).scaleb(-f.decimal_places)):
            raise CellError(f"{raw} has more than {f.decimal_places} decimals")
        if value.adjusted() >= whole_digits:
            raise CellError(f"{raw} is too large")
        return value

    return parse


def _choice_parser(f: models.Field) -> Callable[[str], str]:
    allowed = [str(value) for value, _label in f.choices]

    def parse(raw: str) -> str:
        value = raw.lower()
        if value not in allowed:
            raise CellError(f"{_shown(raw)} is not one of: {', '.join(allowed)}")
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


# The identifiers an import defines (a case code, a center or venue code, a
# clinic client code) are parts of addresses (/cases/<code>/): letters, digits,
# ".", "-" and "_" only, so that every imported record can be opened.
IDENTIFIER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


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


# --- reading files ---------------------------------------------------------


@dataclass
class Row:
    line: int
    values: dict[str, Any]
    key: tuple = ()


@dataclass
class ParsedFile:
    spec: FileSpec
    sha256: str
    header: list[str]
    rows: list[Row] = field(default_factory=list)
    # Natural keys named by the file, valid rows or not: a row naming a case of
    # an invalid cases.csv row is not reported a second time.
    named_keys: set[str] = field(default_factory=set)

    @property
    def present_fields(self) -> list[str]:
        return [self.spec.column(name).field_name for name in self.header]


class _Errors(list):
    def add(self, filename: str, line: int, column: str, reason: str) -> None:
        self.append(f"{filename}:{line}: {column}: {reason}")


def _decode(filename: str, data: bytes, errors: _Errors) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        errors.add(filename, line, "-", "not UTF-8 text (save the file as CSV UTF-8)")
        return None


def _parse_file(spec: FileSpec, data: bytes, errors: _Errors) -> ParsedFile | None:
    """Read one file: header, then every row, collecting every error."""
    name = spec.filename
    text = _decode(name, data, errors)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        errors.append(f"{name}: the file is empty (it needs at least a header row)")
        return None
    except csv.Error as error:
        errors.add(name, 1, "-", f"not readable as CSV ({error})")
        return None
    header_ok = True
    for position, column in enumerate(header):
        if spec.column(column) is None:
            known = ", ".join(c.name for c in spec.columns)
            errors.add(name, 1, column or "-", f"unknown column (this file's columns: {known})")
            header_ok = False
        elif column in header[:position]:
            errors.add(name, 1, column, "the column appears twice")
            header_ok = False
    for column in spec.columns:
        if column.name not in header and spec.required(column):
            errors.add(name, 1, column.name, "required column is missing")
            header_ok = False
    if not header_ok:
        return None

    parsed = ParsedFile(spec, hashlib.sha256(data).hexdigest(), header)
    rules = []
    for column_name in header:
        column = spec.column(column_name)
        f = spec.model_field(column)
        parse = cell_parser(f)
        if _is_identifier(spec, column):
            parse = _identifier_parser(parse)
        rules.append((column, parse, spec.required(column), empty_value(f)))
    end_of_last = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.add(name, end_of_last + 1, "-", f"not readable as CSV ({error})")
            return None
        line, end_of_last = end_of_last + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank lines are harmless
        if len(cells) != len(header):
            errors.add(name, line, "-", f"{len(cells)} cells, the header has {len(header)}")
            continue
        values, ok = {}, True
        for (column, parse, required, empty), raw in zip(rules, cells, strict=True):
            raw = raw.strip()
            if not raw:
                if required:
                    errors.add(name, line, column.name, "a value is required")
                    ok = False
                values[column.name] = None if column.ref else empty
                continue
            try:
                values[column.name] = parse(raw)
            except CellError as error:
                errors.add(name, line, column.name, str(error))
                ok = False
        if spec.key and values.get(spec.key[0]):
            parsed.named_keys.add(values[spec.key[0]])
        if not ok:
            continue
        for check in spec.checks:
            for column_name, reason in check(values):
                errors.add(name, line, column_name, reason)
                ok = False
        if ok:
            parsed.rows.append(Row(line, values, tuple(values[k] for k in spec.key)))
    return parsed


# --- the plan: everything checked, nothing written --------------------------


@dataclass
class ImportPlan:
    """The outcome of validation: errors, or what an import would do per file."""

    errors: list[str]
    counts: dict[str, dict[str, int]]
    files: dict[str, ParsedFile] = field(default_factory=dict, repr=False)
    existing: dict[str, dict[tuple, models.Model]] = field(default_factory=dict, repr=False)
    ref_ids: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> int:
        return sum(len(p.rows) for p in self.files.values())


@dataclass
class ImportResult:
    """What an import did (or, with dry_run, would do) per file."""

    counts: dict[str, dict[str, int]]
    rows: int
    dry_run: bool = False


def _chunks(items: list, size: int = BATCH_SIZE) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _load_existing(spec: FileSpec, keys: set[tuple]) -> dict[tuple, models.Model]:
    """The records a keyed file names, by key, in one query per BATCH_SIZE keys.

    The first key column is filtered with IN (...); for a composite key (stays)
    that loads every stay of the named cases, which the open-stay check needs.
    """
    first = sorted({key[0] for key in keys})
    found: dict[tuple, models.Model] = {}
    names = [f"_k{i}" for i in range(len(spec.key_lookups))]
    annotations = {n: F(lookup) for n, lookup in zip(names, spec.key_lookups, strict=True)}
    for chunk in _chunks(first):
        rows = spec.model.objects.filter(**{f"{spec.key_lookups[0]}__in": chunk}).annotate(
            **annotations
        )
        for obj in rows:
            found[tuple(getattr(obj, n) for n in names)] = obj
    return found


def _load_ref_ids(kind: str, codes: set[str]) -> dict[str, int]:
    model, code_field, _filename = REFERENCES[kind]
    ids: dict[str, int] = {}
    for chunk in _chunks(sorted(codes)):
        ids.update(
            model.objects.filter(**{f"{code_field}__in": chunk}).values_list(code_field, "pk")
        )
    return ids


def _check_open_stays(plan: ImportPlan, errors: _Errors) -> None:
    """A case has at most one open stay once the import is written."""
    stays = plan.files.get("stays.csv")
    if stays is None:
        return
    existing = plan.existing.get("stays.csv", {})
    imported_keys = {row.key for row in stays.rows}
    open_by_case: dict[str, list[str]] = defaultdict(list)
    for key, stay in existing.items():
        if stay.left_on is None and key not in imported_keys:
            open_by_case[key[0]].append(f"the stay admitted on {key[2].isoformat()}")
    for row in stays.rows:
        if row.values.get("left_on") is not None:
            continue
        code = row.values["case_code"]
        if open_by_case[code]:
            errors.add(
                "stays.csv",
                row.line,
                "left_on",
                f"case {code} would have a second open stay (besides {open_by_case[code][0]})",
            )
        open_by_case[code].append(f"the stay on line {row.line}")


def records_validate(*, files: dict[str, bytes], progress: Progress | None = None) -> ImportPlan:
    """Check every row of every file against the format and the database.

    Writes nothing. The plan lists every error, or the counts of records each
    file would create, update or append.
    """
    errors = _Errors()
    report = progress or (lambda percent: None)
    for name in sorted(set(files) - set(SPECS)):
        errors.append(
            f"{name}: unknown file name (the files of an import are: {', '.join(FILE_NAMES)})"
        )
    plan = ImportPlan(errors=errors, counts={})
    present = [spec for spec in FILES if spec.filename in files]
    for position, spec in enumerate(present, start=1):
        parsed = _parse_file(spec, files[spec.filename], errors)
        if parsed is not None:
            plan.files[spec.filename] = parsed
        report(int(30 * position / max(len(present), 1)))

    # Duplicate natural keys inside one file.
    for parsed in plan.files.values():
        if not parsed.spec.key:
            continue
        seen: dict[tuple, int] = {}
        for row in parsed.rows:
            if row.key in seen:
                errors.add(
                    parsed.spec.filename,
                    row.line,
                    parsed.spec.key[0],
                    f"the same record as line {seen[row.key]}",
                )
            seen.setdefault(row.key, row.line)

    # Records already in the database, by natural key.
    for parsed in plan.files.values():
        if parsed.spec.key:
            keys = {row.key for row in parsed.rows}
            plan.existing[parsed.spec.filename] = _load_existing(parsed.spec, keys)

    # References to cases, centers and venues: in the database or in this import.
    wanted: dict[str, set[str]] = defaultdict(set)
    for parsed in plan.files.values():
        for column in parsed.spec.columns:
            if column.ref and column.name in parsed.header:
                wanted[column.ref].update(
                    r.values[column.name] for r in parsed.rows if r.values[column.name]
                )
    for kind, (_model, _field, filename) in REFERENCES.items():
        defined = plan.files.get(filename)
        incoming = defined.named_keys if defined else set()
        known = {key[0]: obj.pk for key, obj in plan.existing.get(filename, {}).items()}
        plan.ref_ids[kind] = known | _load_ref_ids(kind, wanted[kind] - incoming - set(known))
        wanted[kind] -= incoming
    for parsed in plan.files.values():
        for column in parsed.spec.columns:
            if not column.ref or column.name not in parsed.header:
                continue
            ids, what = plan.ref_ids[column.ref], REFERENCES[column.ref][2]
            for row in parsed.rows:
                code = row.values[column.name]
                if code and code in wanted[column.ref] and code not in ids:
                    errors.add(
                        parsed.spec.filename,
                        row.line,
                        column.name,
                        f"{code!r} matches no record (neither saved nor in {what})",
                    )
    _check_open_stays(plan, errors)

    # Files imported before.
    # (A file with a header and no rows writes nothing, so it may come again.)
    by_sum = {p.sha256: name for name, p in plan.files.items() if p.rows}
    for sha256, filename, imported_at in ImportedFile.objects.filter(
        sha256__in=list(by_sum)
    ).values_list("sha256", "filename", "imported_at"):
        errors.append(
            f"{by_sum[sha256]}: this file was already imported "
            f"(as {filename} on {imported_at:%Y-%m-%d %H:%M}): "
            "it is refused so that no record is counted twice"
        )

    for name, parsed in plan.files.items():
        existing = plan.existing.get(name, {})
        counts = {"created": 0, "updated": 0, "appended": 0}
        for row in parsed.rows:
            if not parsed.spec.key:
                counts["appended"] += 1
            elif row.key in existing:
                counts["updated"] += 1
            else:
                counts["created"] += 1
        plan.counts[name] = counts
    errors.sort(key=_error_order)
    report(40)
    return plan


def _error_order(error: str) -> tuple:
    """Errors in file order, then line order."""
    name, _, rest = error.partition(":")
    line = rest.split(":", 1)[0].strip()
    return (FILE_NAMES.index(name) if name in SPECS else -1, int(line) if line.isdigit() else 0)


# --- writing ---------------------------------------------------------------


NAME_COLUMNS = ("given_name", "family_name")


def _assigner(parsed: ParsedFile, ref_ids: dict) -> Callable[[models.Model, Row], None]:
    """A function copying a row's values onto a record, planned once per file.

    References become foreign key ids; names go through case_set_names.
    """
    plain = []
    refs = []
    for column_name in parsed.header:
        column = parsed.spec.column(column_name)
        if column.ref:
            refs.append((column_name, f"{column.field_name}_id", ref_ids[column.ref]))
        elif column_name not in NAME_COLUMNS:
            plain.append((column_name, column.field_name))
    names = parsed.spec.model is Case and bool(set(NAME_COLUMNS) & set(parsed.header))

    def assign(obj: models.Model, row: Row) -> None:
        values = row.values
        for column_name, attname in plain:
            setattr(obj, attname, values[column_name])
        for column_name, attname, ids in refs:
            code = values[column_name]
            setattr(obj, attname, ids[code] if code else None)
        if names:
            case_set_names(
                obj,
                given_name=values.get("given_name", obj.given_name),
                family_name=values.get("family_name", obj.family_name),
            )

    return assign


def _append_rows(parsed: ParsedFile, ref_ids: dict, user) -> None:
    """INSERT the rows of a file without a natural key, straight from the parsed
    values: no model instance and no per-value SQL compilation, which are most
    of bulk_create's time on tens of thousands of rows.

    Every value still goes through its field's get_db_prep_save, and a column
    absent from the file gets the field's default, as bulk_create would do.
    """
    model = parsed.spec.model
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the proxy costs per access
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    by_field = {parsed.spec.column(name).field_name: name for name in parsed.header}
    now = timezone.now()  # created_at and updated_at: one instant for the import
    constant, per_row = {}, []
    for position, f in enumerate(fields):
        column_name = by_field.get(f.name)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            constant[position] = f.get_db_prep_save(now, db)
        elif f.name == "created_by":
            constant[position] = user.pk if user else None
        elif column_name is None:
            per_row.append((position, f, None, None))
        else:
            column = parsed.spec.column(column_name)
            per_row.append((position, f, column_name, ref_ids[column.ref] if column.ref else None))

    def values(row: Row) -> list:
        out = [None] * len(fields)
        for position, value in constant.items():
            out[position] = value
        for position, f, column_name, ids in per_row:
            if column_name is None:
                value = f.get_default()
            elif ids is not None:
                code = row.values[column_name]
                value = ids[code] if code else None
            else:
                value = row.values[column_name]
            out[position] = f.get_db_prep_save(value, db)
        return out

    quote = db.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
    # Under each database's limit on the parameters of one statement.
    per_statement = max(1, min(BATCH_SIZE * 4, 30_000 // len(fields)))
    if db.vendor == "sqlite":
        per_statement = max(1, db.features.max_query_params // len(fields))
    with db.cursor() as cursor:
        for chunk in _chunks(parsed.rows, per_statement):
            params = [value for row in chunk for value in values(row)]
            cursor.execute(sql + ", ".join([one_row] * len(chunk)), params)


def _write_file(
    parsed: ParsedFile, plan: ImportPlan, user, now
) -> tuple[list[models.Model], list[models.Model]]:
    """Create and update one file's records in batches; returns (created, updated)."""
    spec = parsed.spec
    if not spec.key:
        _append_rows(parsed, plan.ref_ids, user)
        return [], []
    existing = plan.existing.get(spec.filename, {})
    created, updated = [], []
    assign = _assigner(parsed, plan.ref_ids)
    for row in parsed.rows:
        obj = existing.get(row.key)
        if obj is None:
            obj = spec.model(created_by=user)
            created.append(obj)
        else:
            updated.append(obj)
            if hasattr(obj, "version"):
                obj.version += 1
            obj.updated_at = now
        assign(obj, row)
    # Updates first: a stay closed by this import makes room for the next open one.
    if updated:
        fields = set(parsed.present_fields) - {"given_name", "family_name"}
        if spec.model is Case and {"given_name", "family_name"} & set(parsed.header):
            fields |= {"given_name", "family_name", "name_index"}
        fields |= {"updated_at"} | ({"version"} if hasattr(updated[0], "version") else set())
        spec.model.objects.bulk_update(updated, sorted(fields), batch_size=BATCH_SIZE)
    spec.model.objects.bulk_create(created, batch_size=BATCH_SIZE)
    if spec.provides:
        new_ids = {row.key[0]: obj.pk for row, obj in _zip(parsed, existing, created)}
        plan.ref_ids[spec.provides].update(new_ids)
    return created, updated


def _zip(parsed: ParsedFile, existing: dict, created: list) -> Iterator[tuple[Row, models.Model]]:
    """Pair each created record with its row (rows without an existing record)."""
    new_rows = (row for row in parsed.rows if row.key not in existing)
    yield from zip(new_rows, created, strict=True)


def records_import(
    *,
    files: dict[str, bytes],
    user=None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate, then write every file in one transaction, or nothing at all.

    Raises ImportRejected (with every error) when a row is invalid or a file was
    imported before. `progress(percent)` is called as the work advances; with
    `dry_run` only the validation runs.
    """
    report = progress or (lambda percent: None)
    plan = records_validate(files=files, progress=report)
    if plan.errors:
        raise ImportRejected(plan.errors)
    result = ImportResult(counts=plan.counts, rows=plan.rows, dry_run=dry_run)
    if dry_run:
        report(100)
        return result
    user = user if user is not None and user.is_authenticated else None
    now = timezone.now()
    audit: list[AuditLog] = []
    try:
        with transaction.atomic():
            done = 0
            for spec in FILES:
                parsed = plan.files.get(spec.filename)
                if parsed is None:
                    continue
                created, updated = _write_file(parsed, plan, user, now)
                if spec.model is Case:
                    audit += [_audit(user, "case_imported", c.code) for c in created]
                    audit += [_audit(user, "case_updated_by_import", c.code) for c in updated]
                done += len(parsed.rows)
                report(40 + int(55 * done / max(plan.rows, 1)))
            ImportedFile.objects.bulk_create(
                [
                    ImportedFile(sha256=p.sha256, filename=name, rows=len(p.rows), imported_by=user)
                    for name, p in plan.files.items()
                    if p.rows
                ]
            )
            audit.append(
                AuditLog(
                    user=user,
                    action="records_imported",
                    details={"files": plan.counts, "rows": plan.rows},
                )
            )
            audit_record_many(audit, batch_size=BATCH_SIZE)
    except IntegrityError as error:
        # Another import committed the same file or key meanwhile.
        raise ImportRejected(
            [f"the database refused the import: {str(error).splitlines()[0][:200]}"]
        ) from error
    report(100)
    return result


def _audit(user, action: str, case_code: str) -> AuditLog:
    return AuditLog(user=user, action=action, case_code=case_code, details={"via": "import"})


# --- reading a folder or a zip archive --------------------------------------


def files_from_folder(folder: Path | str) -> dict[str, bytes]:
    """{file name: content} of a folder's files (hidden files are skipped)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportRejected([f"{folder}: not a folder"])
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }


def files_from_zip(archive: bytes | Path | str | io.IOBase) -> dict[str, bytes]:
    """{file name: content} of a zip archive's files.

    Files may sit in folders inside the archive (only their names count); an
    entry whose path climbs out ("..", absolute) is refused, as are two files
    of the same name and archives too large once unpacked. Mac resource
    folders (__MACOSX) and hidden files are skipped.
    """
    source = io.BytesIO(archive) if isinstance(archive, bytes) else archive
    try:
        bundle = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        raise ImportRejected(["the upload is not a zip archive"]) from None
    errors: list[str] = []
    files: dict[str, bytes] = {}
    with bundle:
        entries = [e for e in bundle.infolist() if not e.is_dir()]
        if sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
            raise ImportRejected(["the archive is too large once unpacked"])
        unpacked = 0
        for entry in entries:
            path = PurePosixPath(entry.filename.replace("\\", "/"))
            if path.is_absolute() or ".." in path.parts or re.match(r"[A-Za-z]:", entry.filename):
                errors.append(f"{entry.filename}: a path outside the archive is not allowed")
                continue
            if "__MACOSX" in path.parts or path.name.startswith("."):
                continue
            if path.name in files:
                errors.append(f"{entry.filename}: a second file named {path.name}")
                continue
            if entry.flag_bits & 0x1:
                errors.append(f"{entry.filename}: encrypted entries are not supported")
                continue
            try:
                files[path.name] = _unpacked(bundle, entry, MAX_UNPACKED_BYTES - unpacked)
            except ImportRejected:
                raise
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
                errors.append(f"{entry.filename}: damaged in the archive (it cannot be unpacked)")
                continue
            unpacked += len(files[path.name])
    if errors:
        raise ImportRejected(errors)
    return files


def _unpacked(bundle: zipfile.ZipFile, entry: zipfile.ZipInfo, room: int) -> bytes:
    """One entry's content, read no further than `room` bytes: the sizes an
    archive declares can lie, and what counts is what it unpacks to."""
    with bundle.open(entry) as stream:
        data = stream.read(room + 1)
    if len(data) > room:
        raise ImportRejected(["the archive is too large once unpacked"])
    return data


def files_from_path(path: Path | str) -> dict[str, bytes]:
    """A folder or a .zip file, read into {file name: content}."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".zip":
        return files_from_zip(path.read_bytes())
    if not path.exists():
        raise ImportRejected([f"{path}: no such folder or zip file"])
    return files_from_folder(path)


# --- browser imports: an ImportJob checked, then imported, by Celery tasks ---

# An error list longer than this is cut when stored on the job (the first ones
# are the useful ones: fix them and upload again).
MAX_STORED_ERRORS = 1000


def _errors_for_storage(errors: list[str]) -> list[str]:
    if len(errors) <= MAX_STORED_ERRORS:
        return errors
    return errors[:MAX_STORED_ERRORS] + [f"... and {len(errors) - MAX_STORED_ERRORS} more"]


def _job_progress(job_id: int, start: int, end: int) -> Progress:
    """A progress callback that stores the job's percentage, scaled to [start, end].

    Inside the import's transaction the row update is not visible to other
    connections until the commit, so the page shows the validation's progress
    and then the end; the write itself is the short part.
    """
    last = {"value": -1}

    def report(percent: int) -> None:
        value = start + (end - start) * percent // 100
        if value != last["value"]:
            last["value"] = value
            ImportJob.objects.filter(id=job_id).update(progress=value)

    return report


def _job_files(job: ImportJob) -> dict[str, bytes]:
    with job.archive.open("rb") as archive:
        return files_from_zip(archive.read())


def _job_finish(job: ImportJob, *, from_status: str, keep_archive: bool = False, **fields) -> bool:
    """Move a job out of `from_status`, once; drop the archive unless kept."""
    if not keep_archive and job.archive:
        job.archive.delete(save=False)
        fields["archive"] = ""
    fields.setdefault("finished_at", timezone.now())
    return bool(ImportJob.objects.filter(id=job.id, status=from_status).update(**fields))


def import_job_start(*, user, archive) -> ImportJob:
    """Store an uploaded zip as a new job and queue its check after the commit."""
    job = ImportJob(uploaded_by=user, status=ImportJob.Status.VALIDATING)
    # The stored name is the job's uuid: the uploaded name may say whose records these are.
    job.archive.save(f"{job.uuid}.zip", archive, save=False)
    job.save()
    enqueue_on_commit("reports.tasks_import.import_job_check_task", job.id)
    return job


def import_job_check(*, job_id: int) -> str:
    """Validate a job's archive (a dry run). Safe to run twice: only a job still
    being checked is touched. Returns the job's new status."""
    job = ImportJob.objects.filter(id=job_id, status=ImportJob.Status.VALIDATING).first()
    if job is None:
        return "skipped"
    try:
        plan = records_validate(files=_job_files(job), progress=_job_progress(job.id, 0, 100))
        errors = plan.errors
    except ImportRejected as rejected:
        plan, errors = None, rejected.errors
    if errors:
        _job_finish(
            job,
            from_status=ImportJob.Status.VALIDATING,
            status=ImportJob.Status.INVALID,
            errors=_errors_for_storage(errors),
            progress=100,
        )
        return ImportJob.Status.INVALID
    _job_finish(
        job,
        from_status=ImportJob.Status.VALIDATING,
        keep_archive=True,
        status=ImportJob.Status.VALID,
        summary={"counts": plan.counts, "rows": plan.rows},
        progress=100,
        finished_at=None,
    )
    return ImportJob.Status.VALID


def import_job_confirm(*, job: ImportJob) -> bool:
    """Start the import of a checked job, once; False when it was not ready."""
    claimed = ImportJob.objects.filter(id=job.id, status=ImportJob.Status.VALID).update(
        status=ImportJob.Status.IMPORTING, progress=0
    )
    if claimed:
        enqueue_on_commit("reports.tasks_import.import_job_run_task", job.id)
    return bool(claimed)


def import_job_run(*, job_id: int) -> str:
    """Import a confirmed job's archive. Safe to run twice: a job no longer
    importing is left alone, and a file already imported is refused."""
    job = ImportJob.objects.filter(id=job_id, status=ImportJob.Status.IMPORTING).first()
    if job is None:
        return "skipped"
    try:
        result = records_import(
            files=_job_files(job),
            user=job.uploaded_by,
            progress=_job_progress(job.id, 0, 100),
        )
    except ImportRejected as rejected:
        _job_finish(
            job,
            from_status=ImportJob.Status.IMPORTING,
            status=ImportJob.Status.FAILED,
            errors=_errors_for_storage(rejected.errors),
        )
        return ImportJob.Status.FAILED
    _job_finish(
        job,
        from_status=ImportJob.Status.IMPORTING,
        status=ImportJob.Status.DONE,
        summary={"counts": result.counts, "rows": result.rows},
        progress=100,
    )
    return ImportJob.Status.DONE


def import_job_fail(*, job_id: int, from_status: str, reason: str) -> None:
    """Give up on a job after an unexpected error: a visible status, no gap."""
    job = ImportJob.objects.filter(id=job_id, status=from_status).first()
    if job is not None:
        _job_finish(job, from_status=from_status, status=ImportJob.Status.FAILED, errors=[reason])


# Uploaded archives hold names: one checked but never confirmed is not kept.
UNCONFIRMED_DAYS = 2
# A check or an import still unfinished this long after it could start has
# lost its worker: it fails, and its archive goes.
UNFINISHED_HOURS = 24


def import_jobs_expire(*, now=None) -> int:
    """Fail the checked imports nobody confirmed within UNCONFIRMED_DAYS, and the
    checks and imports still unfinished UNFINISHED_HOURS after they could start,
    deleting their archives; delete any archive a finished job still holds.
    Returns how many jobs expired."""
    now = now or timezone.now()
    Status = ImportJob.Status
    unconfirmed = (
        f"Not confirmed within {UNCONFIRMED_DAYS} days: the uploaded archive was deleted. "
        "Upload it again to import it."
    )
    unfinished = (
        f"Not finished within {UNFINISHED_HOURS} hours (the worker stopped): the uploaded "
        "archive was deleted. Upload it again to import it."
    )
    rules = [
        # (status, created before, reason)
        (Status.VALID, now - timedelta(days=UNCONFIRMED_DAYS), unconfirmed),
        (Status.VALIDATING, now - timedelta(hours=UNFINISHED_HOURS), unfinished),
        # An import starts when it is confirmed, up to UNCONFIRMED_DAYS after the upload.
        (
            Status.IMPORTING,
            now - timedelta(days=UNCONFIRMED_DAYS, hours=UNFINISHED_HOURS),
            unfinished,
        ),
    ]
    expired = 0
    for status, before, reason in rules:
        for job in ImportJob.objects.filter(status=status, created_at__lt=before):
            expired += _job_finish(job, from_status=status, status=Status.FAILED, errors=[reason])
    finished = (Status.INVALID, Status.FAILED, Status.DONE)
    for job in ImportJob.objects.filter(status__in=finished).exclude(archive=""):
        job.archive.delete(save=False)
        ImportJob.objects.filter(id=job.id).update(archive="")
    return expired
