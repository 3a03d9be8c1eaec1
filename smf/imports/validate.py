"""Checking an import: every row of every file, against the format and the
database, writing nothing.

The files are read as streams, in the order they are written (the files that
define cases, centers and venues first). What is kept while reading grows
with the records that have a natural key (a case code, a stay's case, center
and date: tens of bytes each), never with the appended rows (visits, training,
support), which are counted and forgotten: memory stays bounded by the
number of cases, not by the size of the folder. References to cases, centers
and venues are looked up in batches of BATCH_SIZE codes, each code once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import F

from .archive import ImportRejected, Source, as_source
from .models import ImportedFile
from .parse import Errors, FileReader, Row
from .spec import FileSpec, file_names, reference
from .spec import files as declared_files

# Rows per batch and keys per `IN (...)` lookup: the number of queries grows
# with the number of batches, never with the number of rows.
BATCH_SIZE = 500

Progress = Callable[[int], None]


@dataclass
class FilePlan:
    """What the check learnt about one file."""

    spec: FileSpec
    sha256: str = ""
    rows: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "appended": 0}
    )


@dataclass
class ImportPlan:
    """The outcome of the check: errors, or what an import would do per file."""

    errors: list[str]
    counts: dict[str, dict[str, int]]
    files: dict[str, FilePlan] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.files.values())


def chunks(items: Iterable, size: int = BATCH_SIZE) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def existing_keys(spec: FileSpec, first_keys: Iterable, *extra: str) -> Iterator[tuple]:
    """(key..., extra...) of the saved records whose first key column is one of
    `first_keys`, in one query per BATCH_SIZE keys."""
    names = [f"_k{i}" for i in range(len(spec.key_lookups))]
    annotations = {n: F(lookup) for n, lookup in zip(names, spec.key_lookups, strict=True)}
    for chunk in chunks(sorted(first_keys)):
        yield from (
            spec.model.objects.filter(**{f"{spec.key_lookups[0]}__in": chunk})
            .annotate(**annotations)
            .values_list(*names, *extra)
            .order_by()
        )


class References:
    """Which codes of a kind exist: defined by this import, or saved."""

    def __init__(self):
        self.incoming: dict[str, set] = defaultdict(set)
        self._saved: dict[str, set] = defaultdict(set)
        self._missing: dict[str, set] = defaultdict(set)

    def missing(self, kind: str, codes: set) -> set:
        """The codes of `codes` that match no record, saved or incoming."""
        unknown = codes - self.incoming[kind] - self._saved[kind] - self._missing[kind]
        if unknown:
            provider = reference(kind)
            found = set(
                provider.model.objects.filter(
                    **{f"{provider.code_field}__in": sorted(unknown)}
                ).values_list(provider.code_field, flat=True)
            )
            self._saved[kind] |= found
            self._missing[kind] |= unknown - found
        return codes & self._missing[kind]


def _check_references(spec: FileSpec, header: list[str], batch: list[Row], refs, errors) -> None:
    for column in spec.columns:
        if not column.ref or column.name not in header:
            continue
        codes = {row.values.get(column.name) for row in batch} - {None, ""}
        missing = refs.missing(column.ref, codes)
        if not missing:
            continue
        what = reference(column.ref).filename
        for row in batch:
            code = row.values.get(column.name)
            if code in missing:
                errors.add(
                    spec.filename,
                    row.line,
                    column.name,
                    f"{code!r} matches no record (neither saved nor in {what})",
                )
                row.ok = False


@dataclass
class _Keyed:
    """A keyed file's keys while it is read: line of each key, and the lines of
    the rows leaving `one_open` empty, by first key column."""

    lines: dict[tuple, int] = field(default_factory=dict)
    open_lines: dict = field(default_factory=lambda: defaultdict(list))


def _check_one_open(spec: FileSpec, keyed: _Keyed, saved: dict, errors: Errors) -> None:
    """A case has at most one open stay once the import is written. `saved` maps
    the saved records' keys to their `one_open` value."""
    saved_open: dict = defaultdict(list)
    for key, left in saved.items():
        if left is None and key not in keyed.lines:
            saved_open[key[0]].append(f"the stay admitted on {key[-1].isoformat()}")
    for first, lines in keyed.open_lines.items():
        besides = saved_open[first] + [f"the stay on line {line}" for line in lines]
        for position, line in enumerate(lines):
            earlier = besides[: len(saved_open[first]) + position]
            if earlier:
                errors.add(
                    spec.filename,
                    line,
                    spec.one_open,
                    f"case {first} would have a second open stay (besides {earlier[0]})",
                )


class Sink(Protocol):
    """Where the valid rows of an appended file go while it is checked (the
    import writes them in the same pass): `start` with the header, then
    batches; a sink writes nothing once `errors` holds one."""

    def start(self, header: list[str]) -> None: ...

    def add(self, batch: list[Row]) -> None: ...


def check_file(
    spec: FileSpec, source: Source, errors: Errors, refs: References, sink: Sink | None = None
) -> FilePlan | None:
    """Check one file; with a `sink`, hand it each checked batch of valid rows
    as long as no error is found (in this file or an earlier one)."""
    plan = FilePlan(spec)
    keyed = _Keyed() if spec.key else None
    with source[spec.filename].open() as stream:
        reader = FileReader(spec, stream, errors)
        if not reader.read_header():
            return None
        if sink is not None:
            sink.start(reader.header)
        for batch in chunks(reader.rows()):
            _check_references(spec, reader.header, batch, refs, errors)
            if sink is not None and not errors:
                sink.add(batch)
            for row in batch:
                if spec.provides and row.values.get(spec.key[0]):
                    refs.incoming[spec.provides].add(row.values[spec.key[0]])
                if not row.ok:
                    continue
                plan.rows += 1
                if keyed is None:
                    continue
                key = row.key(spec)
                if key in keyed.lines:
                    errors.add(
                        spec.filename,
                        row.line,
                        spec.key[0],
                        f"the same record as line {keyed.lines[key]}",
                    )
                    continue
                keyed.lines[key] = row.line
                if spec.one_open and row.values.get(spec.one_open) is None:
                    keyed.open_lines[key[0]].append(row.line)
        if reader.unreadable:
            return None
        plan.sha256 = reader.sha256
    if keyed is None:
        plan.counts["appended"] = plan.rows
        return plan
    first_keys = {k[0] for k in keyed.lines}
    if spec.one_open:
        saved = {tuple(k[:-1]): k[-1] for k in existing_keys(spec, first_keys, spec.one_open)}
        _check_one_open(spec, keyed, saved, errors)
    else:
        saved = dict.fromkeys(existing_keys(spec, first_keys))
    plan.counts["updated"] = len(saved.keys() & keyed.lines.keys())
    plan.counts["created"] = len(keyed.lines) - plan.counts["updated"]
    return plan


def error_order(error: str) -> tuple:
    """Errors in file order, then line order."""
    names = file_names()
    name, _, rest = error.partition(":")
    line = rest.split(":", 1)[0].strip()
    return (names.index(name) if name in names else -1, int(line) if line.isdigit() else 0)


def records_validate(
    *, files: Mapping[str, bytes] | Source, progress: Progress | None = None
) -> ImportPlan:
    """Check every row of every file against the format and the database.

    Writes nothing. The plan lists every error, or the counts of records each
    file would create, update or append.
    """
    source = as_source(files)
    report = progress or (lambda percent: None)
    plan, present = plan_open(source)
    refs = References()
    for position, spec in enumerate(present, start=1):
        plan_add(plan, spec, check_file_safely(spec, source, plan.errors, refs))
        report(int(100 * position / max(len(present), 1)))
    return plan_close(plan)


def plan_open(source: Source) -> tuple[ImportPlan, list[FileSpec]]:
    """An empty plan (with the errors about unknown files), and the declared
    files present, in the order they are checked and written."""
    errors = Errors()
    names = file_names()
    for name in sorted(set(source) - set(names)):
        errors.append(f"{name}: unknown file name (the files of an import are: {', '.join(names)})")
    present = [spec for spec in declared_files() if spec.filename in source]
    return ImportPlan(errors=errors, counts={}), present


def check_file_safely(spec: FileSpec, source: Source, errors: Errors, refs, sink=None):
    """check_file, with an archive-level refusal added to the errors."""
    try:
        return check_file(spec, source, errors, refs, sink)
    except ImportRejected as rejected:
        errors.extend(rejected.errors)
        return None


def plan_add(plan: ImportPlan, spec: FileSpec, checked: FilePlan | None) -> None:
    if checked is not None:
        plan.files[spec.filename] = checked


def plan_close(plan: ImportPlan) -> ImportPlan:
    """Add the files imported before to the errors, and sort them.

    (A file with a header and no rows writes nothing, so it may come again.)
    """
    by_sum = {p.sha256: name for name, p in plan.files.items() if p.rows}
    for sha256, filename, imported_at in ImportedFile.objects.filter(
        sha256__in=list(by_sum)
    ).values_list("sha256", "filename", "imported_at"):
        plan.errors.append(
            f"{by_sum[sha256]}: this file was already imported "
            f"(as {filename} on {imported_at:%Y-%m-%d %H:%M}): "
            "it is refused so that no record is counted twice"
        )
    plan.counts = {name: p.counts for name, p in plan.files.items()}
    plan.errors.sort(key=error_order)
    return plan
