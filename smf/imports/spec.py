"""The import format, declared by the apps that own its files.

The format is the "Import format" section of shared/spec/outcome-figures.md:
one CSV file per kind of record, UTF-8 with a header row, any file absent,
columns in any order, dates `YYYY-MM-DD`, booleans `yes` / `no`, an empty cell
meaning "unknown" / "not yet".

Each app declares the files of its models in its `import_files` module
(`declare(FileSpec(...))`), found when the app registry is ready: this module
knows no domain. Types, enum values, lengths and whether a value is required
come from the model fields themselves, so the importer and the database never
disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models


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
# Copies the values of `FileSpec.assigned` columns onto a record (e.g. names,
# which are encrypted and indexed together).
Assign = Callable[[models.Model, dict[str, Any]], None]


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
    reference the key defines for other files. `one_open` names a date column
    that may be empty on at most one record per first key column (a case has
    one open stay). `assigned` columns are written by `assign` instead of
    being copied, and `assigned_fields` are the model fields it sets.
    `audited` records get an audit line each (action when created, when
    updated), with the key's value as the case code.
    """

    filename: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    key_lookups: tuple[str, ...] = ()
    provides: str = ""
    checks: tuple[RowCheck, ...] = ()
    one_open: str = ""
    assigned: tuple[str, ...] = ()
    assigned_fields: tuple[str, ...] = ()
    assign: Assign | None = None
    audited: tuple[str, str] = ()

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

    @property
    def code_field(self) -> str:
        """The model field holding the reference this file provides."""
        return self.column(self.key[0]).field_name


_declared: list[FileSpec] = []


def declare(*specs: FileSpec) -> None:
    """Add files to the format (from an app's `import_files` module)."""
    for spec in specs:
        if any(s.filename == spec.filename for s in _declared):
            raise ValueError(f"{spec.filename} is declared twice")
        _declared.append(spec)


def files() -> tuple[FileSpec, ...]:
    """Every file, in the order they are written: the files defining a kind of
    reference first, then the rest, each in the order the apps declared them."""
    return tuple(sorted(_declared, key=lambda spec: not spec.provides))


def spec_for(filename: str) -> FileSpec | None:
    return next((s for s in _declared if s.filename == filename), None)


def file_names() -> tuple[str, ...]:
    return tuple(spec.filename for spec in files())


def reference(kind: str) -> FileSpec:
    """The file that defines a kind of reference ("case": cases.csv)."""
    return next(spec for spec in _declared if spec.provides == kind)
