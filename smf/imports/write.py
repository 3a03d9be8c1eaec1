"""Writing an import: every file checked and written in one pass and one
transaction, or nothing at all.

Files are read as streams, batch by batch, so memory holds one batch, never a
file. An appended file (visits, training, support) is written while it is
checked: each checked batch goes straight to the database, until an error is
found; then the check goes on to list every error, and the transaction is
rolled back. A keyed file (cases, centers, venues, stays, legal cases) is
checked whole first (its keys against each other and the saved records), then
read again to update the record its key names or create it, updates first (a
stay closed by the import makes room for the next open one).

On PostgreSQL new rows go by COPY (psycopg2's copy_expert) in blocks of
COPY_ROWS, sent from a thread of their own (`_Sender`) so that the database
loads one block while Python reads and checks the next; any other query waits
until the block in flight is loaded, so the connection is never used by two
threads at once. Elsewhere rows go by multi-row INSERTs. Every value still goes
through its field's get_db_prep_save (encryption included), and a column absent
from the file gets the field's default, as bulk_create would do.
"""

from __future__ import annotations

import io
import json
import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.models import F
from django.utils import timezone

from smf.staff.audit import audit_record_many
from smf.staff.models import AuditLog

from .archive import ImportRejected, Source, as_source
from .models import ImportedFile
from .parse import Errors, FileReader, Row
from .spec import FileSpec, reference
from .validate import (
    BATCH_SIZE,
    ImportPlan,
    Progress,
    References,
    check_file_safely,
    chunks,
    plan_add,
    plan_close,
    plan_open,
    records_validate,
)

# Rows per COPY statement: a few megabytes of text.
COPY_ROWS = 10_000


@dataclass
class ImportResult:
    """What an import did (or, with dry_run, would do) per file."""

    counts: dict[str, dict[str, int]]
    rows: int
    dry_run: bool = False


class RefIds:
    """code -> id of cases, centers and venues: learnt as records are created,
    looked up in batches for the rest, each code once."""

    def __init__(self):
        self._ids: dict[str, dict[str, int]] = {}

    def learn(self, kind: str, ids: dict[str, int]) -> None:
        self._ids.setdefault(kind, {}).update(ids)

    def ids(self, kind: str, codes: set) -> dict[str, int]:
        known = self._ids.setdefault(kind, {})
        # Not `codes - known.keys()`: that walks every known code, each batch.
        unknown = sorted(c for c in codes if c and c not in known)
        if unknown:
            provider = reference(kind)
            for chunk in chunks(unknown):
                known.update(
                    provider.model.objects.filter(
                        **{f"{provider.code_field}__in": chunk}
                    ).values_list(provider.code_field, "pk")
                )
        return known


def _valid_rows(reader: FileReader, errors: Errors):
    """The rows again, all valid since the check; a row that no longer is (the
    archive changed under us) stops the import."""
    for batch in chunks(reader.rows()):
        if errors or not all(row.ok for row in batch):
            raise ImportRejected(list(errors) or ["the files changed during the import"])
        yield batch


def _references(spec: FileSpec, header: list[str]) -> list[tuple[str, str, str]]:
    """(column, attname, kind) of the reference columns present."""
    return [
        (c.name, f"{c.field_name}_id", c.ref) for c in spec.columns if c.ref and c.name in header
    ]


def _ref_maps(spec, header, batch: list[Row], refs: RefIds) -> dict[str, dict[str, int]]:
    maps = {}
    for column_name, _attname, kind in _references(spec, header):
        maps[column_name] = refs.ids(kind, {row.values[column_name] for row in batch})
    return maps


# --- keyed files: update or create, in batches --------------------------------


def _saved(spec: FileSpec, first_keys: set) -> dict[tuple, models.Model]:
    names = [f"_k{i}" for i in range(len(spec.key_lookups))]
    annotations = {n: F(lookup) for n, lookup in zip(names, spec.key_lookups, strict=True)}
    found = {}
    for chunk in chunks(sorted(first_keys)):
        for obj in spec.model.objects.filter(**{f"{spec.key_lookups[0]}__in": chunk}).annotate(
            **annotations
        ):
            found[tuple(getattr(obj, n) for n in names)] = obj
    return found


def _assigner(spec: FileSpec, header: list[str]) -> Callable[[models.Model, Row, dict], None]:
    plain = [
        (name, spec.column(name).field_name)
        for name in header
        if not spec.column(name).ref and name not in spec.assigned
    ]
    references = _references(spec, header)
    assign = spec.assign if set(spec.assigned) & set(header) else None

    def apply(obj: models.Model, row: Row, maps: dict) -> None:
        values = row.values
        for column_name, attname in plain:
            setattr(obj, attname, values[column_name])
        for column_name, attname, _kind in references:
            code = values[column_name]
            setattr(obj, attname, maps[column_name][code] if code else None)
        if assign is not None:
            assign(obj, values)

    return apply


def _write_keyed(spec: FileSpec, source: Source, run: _Run, counts: dict) -> None:
    """Updates first, then creates, each a pass over the file; a file the check
    found only new (or only saved) records in takes one pass, and without a
    lookup when nothing it names is saved."""
    user, now, refs = run.user, run.now, run.refs
    has_created_by = any(f.name == "created_by" for f in spec.model._meta.fields)
    phases = [p for p, n in (("update", counts["updated"]), ("create", counts["created"])) if n]
    for phase in phases:
        errors = Errors()
        with source[spec.filename].open() as stream:
            reader = FileReader(spec, stream, errors)
            reader.read_header()
            apply = _assigner(spec, reader.header)
            fields = set(reader.present_fields) - set(spec.assigned)
            if set(spec.assigned) & set(reader.header):
                fields |= set(spec.assigned_fields)
            for batch in _valid_rows(reader, errors):
                maps = _ref_maps(spec, reader.header, batch, refs)
                saved = (
                    _saved(spec, {row.key(spec)[0] for row in batch}) if counts["updated"] else {}
                )
                if phase == "update":
                    records = []
                    for row in batch:
                        obj = saved.get(row.key(spec))
                        if obj is None:
                            continue
                        if hasattr(obj, "version"):
                            obj.version += 1
                        obj.updated_at = now
                        apply(obj, row, maps)
                        records.append(obj)
                    if records:
                        extra = {"updated_at"} | (
                            {"version"} if hasattr(records[0], "version") else set()
                        )
                        spec.model.objects.bulk_update(records, sorted(fields | extra))
                else:
                    rows = [row for row in batch if row.key(spec) not in saved]
                    records = [
                        spec.model(created_by=user) if has_created_by else spec.model()
                        for _ in rows
                    ]
                    for obj, row in zip(records, rows, strict=True):
                        apply(obj, row, maps)
                    _create(spec, records, run)
                if spec.audited and records:
                    action = spec.audited[0] if phase == "create" else spec.audited[1]
                    codes = [getattr(obj, spec.code_field) for obj in records]
                    audit_record_many(
                        [
                            AuditLog(
                                user=user, action=action, case_code=code, details={"via": "import"}
                            )
                            for code in codes
                        ],
                        batch_size=BATCH_SIZE,
                    )


def _create(spec: FileSpec, records: list[models.Model], run: _Run) -> None:
    """INSERT new keyed records: by COPY on PostgreSQL, which returns no ids, so
    a file other files refer to learns its new ids in one query per batch."""
    if not records:
        return
    db, refs = connections[DEFAULT_DB_ALIAS], run.refs
    if run.sender is None:
        spec.model.objects.bulk_create(records)
        if spec.provides:
            refs.learn(spec.provides, {getattr(obj, spec.code_field): obj.pk for obj in records})
        return
    fields = [f for f in spec.model._meta.concrete_fields if not f.primary_key]
    converters = [_text_converter(f, db) for f in fields]
    copier = _Copier(run.sender, spec.model, fields)
    copier.add([_instance_line(fields, converters, obj) for obj in records])
    copier.flush()
    if spec.provides:
        codes = [getattr(obj, spec.code_field) for obj in records]
        refs.learn(
            spec.provides,
            dict(
                spec.model.objects.filter(**{f"{spec.code_field}__in": codes}).values_list(
                    spec.code_field, "pk"
                )
            ),
        )


# --- appended files: COPY or multi-row INSERT ---------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value) -> str:
    """A database value as a field of PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if kind is bool:
        return "t" if value else "f"
    if kind is int or kind is Decimal:
        return str(value)
    if isinstance(value, str):  # a choice (TextChoices member)
        return str.translate(value, _COPY_ESCAPES)
    if isinstance(value, int):  # an IntegerChoices member
        return str(int(value))
    if kind is date or kind is datetime:
        return value.isoformat()
    if kind is UUID:
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value).translate(_COPY_ESCAPES)
    if hasattr(value, "adapted"):  # psycopg2's Json adapter of a JSONField
        return json.dumps(value.adapted).translate(_COPY_ESCAPES)
    raise TypeError(f"no COPY text for {kind.__name__}")


# Field types whose parsed value is already what the database stores: their
# COPY text is written straight from it, by a converter of the field's type
# (a call per cell, no dispatch on the value). Any other field (encrypted
# text, a JSON document, a timestamp) goes through its get_db_prep_save.
def _text(value) -> str:
    return "\\N" if value is None else value.translate(_COPY_ESCAPES)


def _number(value) -> str:
    return "\\N" if value is None else str(value)


def _day(value) -> str:
    return "\\N" if value is None else value.isoformat()


def _yes_no(value) -> str:
    return "\\N" if value is None else ("t" if value else "f")


_PLAIN = {
    models.CharField: _text,
    models.TextField: _text,
    models.IntegerField: _number,
    models.SmallIntegerField: _number,
    models.BigIntegerField: _number,
    models.PositiveIntegerField: _number,
    models.PositiveSmallIntegerField: _number,
    models.PositiveBigIntegerField: _number,
    models.DecimalField: _number,
    models.ForeignKey: _number,
    models.BooleanField: _yes_no,
    models.DateField: _day,
}


def _text_converter(f: models.Field, db) -> Callable[[object], str]:
    plain = _PLAIN.get(type(f))
    if plain is not None:
        return plain
    return lambda value: copy_text(f.get_db_prep_save(value, db))


def _copy_row_builder(spec: FileSpec, header: list[str], user, now, db):
    """The concrete fields written, and a function turning a row of an appended
    file into its line of COPY text, planned once per file."""
    fields = [f for f in spec.model._meta.concrete_fields if not f.primary_key]
    by_field = {spec.column(name).field_name: name for name in header}
    template: list[str | None] = [None] * len(fields)
    per_row = []
    for position, f in enumerate(fields):
        column_name = by_field.get(f.name)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            template[position] = copy_text(f.get_db_prep_save(now, db))
        elif f.name == "created_by":
            template[position] = copy_text(user.pk if user else None)
        elif column_name is None:
            # A callable default is drawn per row (a uuid), unless it only makes
            # an empty container (a JSON list), whose text is the same each time.
            if f.has_default() and callable(f.default) and f.default not in (dict, list):
                per_row.append((position, None, False, f.get_default, _text_converter(f, db)))
            else:
                template[position] = copy_text(f.get_db_prep_save(f.get_default(), db))
        else:
            is_ref = bool(spec.column(column_name).ref)
            per_row.append((position, column_name, is_ref, None, _text_converter(f, db)))

    def line(row: Row, maps: dict) -> str:
        out = template.copy()
        values = row.values
        for position, column_name, is_ref, default, convert in per_row:
            if column_name is None:
                out[position] = convert(default())
            elif is_ref:
                code = values[column_name]
                out[position] = convert(maps[column_name][code] if code else None)
            else:
                out[position] = convert(values[column_name])
        return "\t".join(out) + "\n"

    return fields, line


def _instance_line(fields: list[models.Field], converters: list, obj: models.Model) -> str:
    """A new record's line of COPY text, from the instance (pre_save fills
    auto_now fields, as bulk_create would)."""
    return (
        "\t".join(
            convert(f.pre_save(obj, add=True))
            for f, convert in zip(fields, converters, strict=True)
        )
        + "\n"
    )


def _insert_builder(spec: FileSpec, header: list[str], user, now, db):
    """For databases without COPY: the fields, and a row's database values."""
    fields = [f for f in spec.model._meta.concrete_fields if not f.primary_key]
    by_field = {spec.column(name).field_name: name for name in header}
    constant: dict[int, object] = {}
    per_row = []
    for position, f in enumerate(fields):
        column_name = by_field.get(f.name)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            constant[position] = f.get_db_prep_save(now, db)
        elif f.name == "created_by":
            constant[position] = user.pk if user else None
        elif column_name is None:
            per_row.append((position, f, None, False))
        else:
            per_row.append((position, f, column_name, bool(spec.column(column_name).ref)))
    template = [None] * len(fields)
    for position, value in constant.items():
        template[position] = value

    def build(row: Row, maps: dict) -> list:
        out = template.copy()
        values = row.values
        for position, f, column_name, is_ref in per_row:
            if column_name is None:
                value = f.get_default()
            elif is_ref:
                code = values[column_name]
                value = maps[column_name][code] if code else None
            else:
                value = values[column_name]
            out[position] = f.get_db_prep_save(value, db)
        return out

    return fields, build


class _Sender:
    """COPY blocks sent from a thread of their own, one at a time, in order.

    psycopg2 lets go of the GIL while libpq talks to the server, so the
    database loads a block while the import's thread reads the next. The
    queue holds two blocks (a few megabytes each): memory stays bounded. A
    failed block stops the sending; its error is raised in the import's
    thread at the next `send` or `idle`, as Django's own error class.
    """

    def __init__(self, db):
        self.db = db
        self._blocks: queue.Queue = queue.Queue(maxsize=2)
        self._failure: BaseException | None = None
        # The raw psycopg2 connection: Django's wrapper belongs to one thread.
        self._cursor = db.connection.cursor()
        self._thread = threading.Thread(target=self._send_all, name="import-copy", daemon=True)
        self._thread.start()

    def _send_all(self) -> None:
        while True:
            block = self._blocks.get()
            try:
                if block is None:
                    return
                if self._failure is None:
                    sql, buffer, size = block
                    # One read of the whole block: a read per 8 kB would wait
                    # for the GIL each time, which the import's thread holds.
                    self._cursor.copy_expert(sql, buffer, size=size)
            except BaseException as failure:  # raised again in the import's thread
                self._failure = failure
            finally:
                self._blocks.task_done()

    def send(self, sql: str, buffer: io.StringIO) -> None:
        """Queue a block of COPY text (waiting while two are queued)."""
        size = buffer.tell() + 1
        buffer.seek(0)
        self._raise()
        if self.db.queries_logged:  # tests count statements, COPY included
            self.db.queries_log.append({"sql": sql, "time": "0.000"})
        self._blocks.put((sql, buffer, size))

    def idle(self) -> None:
        """Wait until every block sent is loaded."""
        self._blocks.join()
        self._raise()

    def close(self) -> None:
        self._blocks.put(None)
        self._thread.join()
        self._cursor.close()

    def _raise(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            with self.db.wrap_database_errors:
                raise failure


@contextmanager
def _sending(db) -> Iterator[_Sender | None]:
    """A sender for the writes of an import on PostgreSQL (None elsewhere).

    While it runs, foreign keys are checked as each block is loaded (in the
    sender's time, not all at the commit), and every other query first waits
    for the blocks in flight.
    """
    if db.vendor != "postgresql":
        yield None
        return
    with db.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    sender = _Sender(db)

    def after_copies(execute, sql, params, many, context):
        sender.idle()
        return execute(sql, params, many, context)

    try:
        with db.execute_wrapper(after_copies):
            yield sender
            sender.idle()
    finally:
        sender.close()
    with db.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class _Copier:
    """COPY of lines into one table, in blocks of COPY_ROWS."""

    def __init__(self, sender: _Sender, model: type[models.Model], fields: list[models.Field]):
        quote = sender.db.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        self.sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        self.sender, self.buffer, self.rows = sender, io.StringIO(), 0

    def add(self, lines: list[str]) -> None:
        self.buffer.writelines(lines)
        self.rows += len(lines)
        if self.rows >= COPY_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.sender.send(self.sql, self.buffer)
        self.buffer, self.rows = io.StringIO(), 0


@dataclass
class _Run:
    """What every write of one import shares."""

    user: object
    now: datetime
    refs: RefIds = field(default_factory=RefIds)
    sender: _Sender | None = None


class _Appender:
    """The sink of an appended file while it is checked: each batch of valid
    rows is written at once, by COPY or by multi-row INSERTs; nothing once an
    error is found."""

    def __init__(self, spec: FileSpec, run: _Run):
        self.spec, self.run = spec, run
        self.db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the proxy costs per access
        self._add: Callable[[list[Row], dict], None] | None = None
        self._copier: _Copier | None = None

    def start(self, header: list[str]) -> None:
        spec, run, db = self.spec, self.run, self.db
        self.header = header
        if run.sender is not None:
            fields, line = _copy_row_builder(spec, header, run.user, run.now, db)
            self._copier = copier = _Copier(run.sender, spec.model, fields)
            self._add = lambda batch, maps: copier.add([line(row, maps) for row in batch])
            return
        fields, build = _insert_builder(spec, header, run.user, run.now, db)
        quote = db.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = f"INSERT INTO {quote(spec.model._meta.db_table)} ({columns}) VALUES "
        per_statement = max(1, min(BATCH_SIZE, db.features.max_query_params // len(fields)))

        def insert(batch: list[Row], maps: dict) -> None:
            with db.cursor() as cursor:
                for part in chunks(batch, per_statement):
                    params = [value for row in part for value in build(row, maps)]
                    cursor.execute(sql + ", ".join([one_row] * len(part)), params)

        self._add = insert

    def add(self, batch: list[Row]) -> None:
        maps = _ref_maps(self.spec, self.header, batch, self.run.refs)
        self._add(batch, maps)

    def finish(self) -> None:
        if self._copier is not None:
            self._copier.flush()


# --- the import ------------------------------------------------------------------


def records_import(
    *,
    files: Mapping[str, bytes] | Source,
    user=None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check and write every file in one transaction, or nothing at all.

    Raises ImportRejected (with every error) when a row is invalid or a file was
    imported before. `progress(percent)` is called as the work advances; with
    `dry_run` only the check runs.
    """
    source = as_source(files)
    report = progress or (lambda percent: None)
    if dry_run:
        plan = records_validate(files=source, progress=report)
        if plan.errors:
            raise ImportRejected(plan.errors)
        return ImportResult(counts=plan.counts, rows=plan.rows, dry_run=True)
    plan = _check_and_write(source, user, report)
    report(100)
    return ImportResult(counts=plan.counts, rows=plan.rows)


def _check_and_write(source: Source, user, report: Progress) -> ImportPlan:
    user = user if user is not None and user.is_authenticated else None
    plan, present = plan_open(source)
    errors, checked_refs = plan.errors, References()
    db = connections[DEFAULT_DB_ALIAS]
    try:
        with transaction.atomic():
            with _sending(db) as sender:
                run = _Run(user=user, now=timezone.now(), sender=sender)
                for position, spec in enumerate(present, start=1):
                    if spec.key:
                        checked = check_file_safely(spec, source, errors, checked_refs)
                        if checked is not None and not errors:
                            _write_keyed(spec, source, run, checked.counts)
                    else:
                        appender = _Appender(spec, run)
                        checked = check_file_safely(spec, source, errors, checked_refs, appender)
                        if not errors:
                            appender.finish()
                    plan_add(plan, spec, checked)
                    report(int(95 * position / max(len(present), 1)))
            plan_close(plan)
            if errors:
                raise ImportRejected(errors)
            ImportedFile.objects.bulk_create(
                [
                    ImportedFile(sha256=p.sha256, filename=name, rows=p.rows, imported_by=user)
                    for name, p in plan.files.items()
                    if p.rows
                ]
            )
            audit_record_many(
                [
                    AuditLog(
                        user=user,
                        action="records_imported",
                        details={"files": plan.counts, "rows": plan.rows},
                    )
                ]
            )
    except IntegrityError as error:
        # Another import committed the same file or key meanwhile.
        raise ImportRejected(
            [f"the database refused the import: {str(error).splitlines()[0][:200]}"]
        ) from error
    return plan
