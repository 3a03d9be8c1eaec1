"""Yearly totals of outreach and clinic visits, kept by the database itself.

The outcome figures count a year's outreach visits (460,000 at 100 times the
demo volume) and their distinct venues, and a year's clinic visits and their
distinct client codes. Summing and de-duplicating those rows on every request
costs seconds. Two levels of totals answer instead:

- per key and year (`VenueYear`, `ClinicClientYear`): one row per venue or
  client code seen in the year, with its visits and sums;
- per year (`OutreachYear`, `ClinicYear`): the sums, and how many rows of the
  first level have a positive count (venues visited, clients seen, clients
  referred to a center). The figures read this one row.

These tables are derived data, like an index, and the database keeps them:
triggers on the visit tables add every inserted row, subtract every deleted
row and do both for an update, whatever wrote it (the forms' services, the
bulk import's raw inserts, the admin, a `QuerySet.update`). On PostgreSQL they
are statement triggers over transition tables, so a bulk insert costs a few
grouped statements; the first level is changed first and its RETURNING rows,
taken under the row locks, say which keys appeared or went, so concurrent
writers cannot count a venue twice. On SQLite (one writer at a time) they are
row triggers.

`install` runs after every `migrate` (see `reports.apps`): it creates the
triggers where they are missing or differ from the definitions below (an
SQLite table rebuilt by a migration loses its triggers) and then recounts that
rollup from the visits, so the totals are never left behind. The
`figure_rollups` command checks the totals against the visits and recounts
them on demand.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, transaction


@dataclass(frozen=True)
class Rollup:
    table: str  # first level: one row per (year, key)
    year_table: str  # second level: one row per year
    source: str  # the visits table
    key: str  # the column grouped on, besides the year
    date: str  # the date column whose year is the other key
    # Column -> SQL of one visit's share, `{row}` standing for the row. The
    # first column counts visits: a first-level row whose count reaches zero goes.
    sums: dict[str, str]
    # Second-level column -> the first-level column whose positive rows it counts.
    counts: dict[str, str]

    @property
    def columns(self) -> list[str]:
        return list(self.sums)

    @property
    def visits(self) -> str:
        return self.columns[0]

    def trigger_name(self, op: str) -> str:
        return f"{self.table}_on_{op}"


ROLLUPS: tuple[Rollup, ...] = (
    Rollup(
        table="reports_venueyear",
        year_table="reports_outreachyear",
        source="outreach_outreachvisit",
        key="venue_id",
        date="visited_on",
        sums={
            "visits": "1",
            "contacts": "{row}.contacts",
            "clients_educated": "{row}.clients_educated",
            "condoms": "{row}.condoms",
            "soaps": "{row}.soaps",
        },
        counts={"venues": "visits"},
    ),
    Rollup(
        table="reports_clinicclientyear",
        year_table="reports_clinicyear",
        source="outreach_clinicvisit",
        key="client_code",
        date="visited_on",
        sums={
            "visits": "1",
            "std_tests": "CASE WHEN {row}.std_test THEN 1 ELSE 0 END",
            "referred_visits": "CASE WHEN {row}.enrolled_case_id IS NULL THEN 0 ELSE 1 END",
        },
        counts={"clients": "visits", "referred_clients": "referred_visits"},
    ),
)
OPS = ("insert", "update", "delete")


def _year(vendor: str, expr: str) -> str:
    if vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {expr}) AS integer)"
    return f"CAST(strftime('%Y', {expr}) AS integer)"


def _positive(expr: str) -> str:
    return f"CASE WHEN {expr} > 0 THEN 1 ELSE 0 END"


def _shares(rollup: Rollup, vendor: str, rows: str, sign: str = "") -> str:
    """One row per visit of `rows`: its year, key and (signed) shares."""
    shares = ", ".join(
        f"{sign}({sql.format(row='r')}) AS {column}" for column, sql in rollup.sums.items()
    )
    return (
        f"SELECT {_year(vendor, f'r.{rollup.date}')} AS year, r.{rollup.key} AS {rollup.key}, "
        f"{shares} FROM {rows} r"
    )


def _grouped(rollup: Rollup, shares: str) -> str:
    """First-level rows: the shares summed per (year, key)."""
    sums = ", ".join(f"SUM({c}) AS {c}" for c in rollup.columns)
    return f"SELECT year, {rollup.key}, {sums} FROM ({shares}) s GROUP BY year, {rollup.key}"


def _year_rows(rollup: Rollup, first_level: str) -> str:
    """Second-level rows: first-level rows counted and summed per year."""
    counts = ", ".join(
        f"SUM({_positive(column)}) AS {name}" for name, column in rollup.counts.items()
    )
    sums = ", ".join(f"SUM({c}) AS {c}" for c in rollup.columns)
    return f"SELECT year, {counts}, {sums} FROM ({first_level}) f GROUP BY year"


def _year_columns(rollup: Rollup) -> list[str]:
    return list(rollup.counts) + rollup.columns


# --- PostgreSQL: one function per statement kind, over its transition tables


def _pg_function_body(rollup: Rollup, op: str) -> str:
    parts = []
    if op in ("insert", "update"):
        parts.append(_shares(rollup, "postgresql", "new_rows"))
    if op in ("update", "delete"):
        parts.append(_shares(rollup, "postgresql", "old_rows", sign="-"))
    delta = _grouped(rollup, " UNION ALL ".join(parts))
    cols = rollup.columns
    key = rollup.key
    changed_cols = ", ".join(f"t.{c}" for c in cols)
    # A count moves by (after > 0) - (before > 0), before = after - delta.
    count_deltas = ", ".join(
        f"SUM({_positive(f'c.{column}')} - {_positive(f'c.{column} - d.{column}')}) AS {name}"
        for name, column in rollup.counts.items()
    )
    sum_deltas = ", ".join(f"SUM(d.{c}) AS {c}" for c in cols)
    year_cols = _year_columns(rollup)
    return f"""
BEGIN
WITH d AS ({delta}),
changed AS (
    INSERT INTO {rollup.table} AS t (year, {key}, {", ".join(cols)})
    SELECT year, {key}, {", ".join(cols)} FROM d ORDER BY year, {key}
    ON CONFLICT (year, {key}) DO UPDATE SET {", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in cols)}
    RETURNING t.year, t.{key}, {changed_cols}
)
INSERT INTO {rollup.year_table} AS y (year, {", ".join(year_cols)})
SELECT d.year, {count_deltas}, {sum_deltas}
FROM changed c JOIN d ON c.year = d.year AND c.{key} = d.{key}
GROUP BY d.year ORDER BY d.year
ON CONFLICT (year) DO UPDATE SET {", ".join(f"{c} = y.{c} + EXCLUDED.{c}" for c in year_cols)};
DELETE FROM {rollup.table} AS t USING ({delta}) d
WHERE t.year = d.year AND t.{key} = d.{key} AND t.{rollup.visits} <= 0;
RETURN NULL;
END;
"""


def _pg_statements(rollup: Rollup, op: str) -> list[str]:
    name = rollup.trigger_name(op)
    referencing = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }[op]
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$body${_pg_function_body(rollup, op)}$body$",
        f"DROP TRIGGER IF EXISTS {name} ON {rollup.source}",
        f"CREATE TRIGGER {name} AFTER {op.upper()} ON {rollup.source} "
        f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]


def _pg_installed(cursor, rollup: Rollup, op: str) -> bool:
    cursor.execute(
        "SELECT p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE t.tgname = %s AND t.tgrelid = %s::regclass AND NOT t.tgisinternal",
        [rollup.trigger_name(op), rollup.source],
    )
    row = cursor.fetchone()
    return row is not None and row[0] == _pg_function_body(rollup, op)


# --- SQLite: row triggers (SQLite has one writer at a time)


def _sqlite_steps_add(rollup: Rollup) -> list[str]:
    year = _year("sqlite", f"NEW.{rollup.date}")
    cols = rollup.columns
    shares = {c: f"({sql.format(row='NEW')})" for c, sql in rollup.sums.items()}
    this = f"FROM {rollup.table} WHERE year = {year} AND {rollup.key} = NEW.{rollup.key}"
    # After the first level took the share: a count moves by (now > 0) - (before > 0).
    moves = ", ".join(
        f"(SELECT {_positive(column)} - {_positive(f'{column} - {shares[column]}')} {this})"
        for column in rollup.counts.values()
    )
    year_cols = _year_columns(rollup)
    return [
        f"INSERT INTO {rollup.table} (year, {rollup.key}, {', '.join(cols)}) "
        f"VALUES ({year}, NEW.{rollup.key}, {', '.join(shares.values())}) "
        f"ON CONFLICT (year, {rollup.key}) DO UPDATE SET "
        + ", ".join(f"{c} = {c} + excluded.{c}" for c in cols)
        + ";",
        f"INSERT INTO {rollup.year_table} (year, {', '.join(year_cols)}) "
        f"VALUES ({year}, {moves}, {', '.join(shares.values())}) "
        f"ON CONFLICT (year) DO UPDATE SET "
        + ", ".join(f"{c} = {c} + excluded.{c}" for c in year_cols)
        + ";",
    ]


def _sqlite_steps_subtract(rollup: Rollup) -> list[str]:
    year = _year("sqlite", f"OLD.{rollup.date}")
    shares = {c: f"({sql.format(row='OLD')})" for c, sql in rollup.sums.items()}
    where = f"year = {year} AND {rollup.key} = OLD.{rollup.key}"
    this = f"FROM {rollup.table} WHERE {where}"
    # UPDATEs, not upserts: totals already emptied (a flush) stay empty.
    return [
        f"UPDATE {rollup.table} SET "
        + ", ".join(f"{c} = {c} - {shares[c]}" for c in rollup.columns)
        + f" WHERE {where};",
        f"UPDATE {rollup.year_table} SET "
        + ", ".join(
            f"{name} = {name} + COALESCE((SELECT {_positive(column)} - "
            f"{_positive(f'{column} + {shares[column]}')} {this}), 0)"
            for name, column in rollup.counts.items()
        )
        + ", "
        + ", ".join(f"{c} = {c} - {shares[c]}" for c in rollup.columns)
        + f" WHERE year = {year};",
        f"DELETE {this} AND {rollup.visits} <= 0;",
    ]


def _sqlite_trigger(rollup: Rollup, op: str) -> str:
    steps = []
    if op in ("update", "delete"):
        steps += _sqlite_steps_subtract(rollup)
    if op in ("insert", "update"):
        steps += _sqlite_steps_add(rollup)
    body = "\n".join(steps)
    return (
        f"CREATE TRIGGER {rollup.trigger_name(op)} AFTER {op.upper()} ON {rollup.source} "
        f"FOR EACH ROW BEGIN\n{body}\nEND"
    )


def _sqlite_installed(cursor, rollup: Rollup, op: str) -> bool:
    cursor.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s AND tbl_name = %s",
        [rollup.trigger_name(op), rollup.source],
    )
    row = cursor.fetchone()
    return row is not None and row[0] == _sqlite_trigger(rollup, op)


def _sqlite_statements(rollup: Rollup, op: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {rollup.trigger_name(op)}", _sqlite_trigger(rollup, op)]


# --- what the rest of the product calls


def _vendor(connection) -> str:
    if connection.vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"no figure rollups for {connection.vendor}")
    return connection.vendor


def _recount(cursor, rollup: Rollup, vendor: str) -> None:
    first_level = _grouped(rollup, _shares(rollup, vendor, rollup.source))
    cursor.execute(f"DELETE FROM {rollup.table}")
    cursor.execute(f"DELETE FROM {rollup.year_table}")
    cursor.execute(
        f"INSERT INTO {rollup.table} (year, {rollup.key}, {', '.join(rollup.columns)}) "
        f"{first_level}"
    )
    cursor.execute(
        f"INSERT INTO {rollup.year_table} (year, {', '.join(_year_columns(rollup))}) "
        f"{_year_rows(rollup, f'SELECT * FROM {rollup.table}')}"
    )


def install(using: str = "default") -> list[str]:
    """Create any missing or outdated trigger, then recount that rollup.

    Returns the first-level tables recounted (empty when all was in place).
    Safe to run any number of times; `migrate` runs it every time.
    """
    connection = connections[using]
    vendor = _vendor(connection)
    installed = _pg_installed if vendor == "postgresql" else _sqlite_installed
    statements = _pg_statements if vendor == "postgresql" else _sqlite_statements
    recounted = []
    tables = set(connection.introspection.table_names())
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for rollup in ROLLUPS:
            if not {rollup.source, rollup.table, rollup.year_table} <= tables:
                # Migrated back before the totals existed: no trigger may
                # write to a table that is not there.
                _uninstall(cursor, rollup, vendor, tables)
                continue
            if all(installed(cursor, rollup, op) for op in OPS):
                continue
            if vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {rollup.source} IN SHARE ROW EXCLUSIVE MODE")
            for op in OPS:
                for sql in statements(rollup, op):
                    cursor.execute(sql)
            _recount(cursor, rollup, vendor)
            recounted.append(rollup.table)
    return recounted


def _uninstall(cursor, rollup: Rollup, vendor: str, tables: set[str]) -> None:
    for op in OPS:
        name = rollup.trigger_name(op)
        if vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            continue
        if rollup.source in tables:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {rollup.source}")
        cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


def uninstall(using: str = "default") -> None:
    """Drop every trigger and function of the totals (the totals' migration, backwards)."""
    connection = connections[using]
    vendor = _vendor(connection)
    tables = set(connection.introspection.table_names())
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for rollup in ROLLUPS:
            _uninstall(cursor, rollup, vendor, tables)


def recount(using: str = "default") -> None:
    """Recount every total from the visits; writes to the visits wait meanwhile."""
    connection = connections[using]
    vendor = _vendor(connection)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for rollup in ROLLUPS:
            if vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {rollup.source} IN SHARE ROW EXCLUSIVE MODE")
            _recount(cursor, rollup, vendor)


def drift(using: str = "default") -> dict[str, int]:
    """Per totals table, how many rows differ from a recount of the visits (0: in step)."""
    connection = connections[using]
    vendor = _vendor(connection)
    found = {}
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for rollup in ROLLUPS:
            fresh_first = _grouped(rollup, _shares(rollup, vendor, rollup.source))
            year_cols = ", ".join(_year_columns(rollup))
            pairs = {
                rollup.table: (
                    f"SELECT year, {rollup.key}, {', '.join(rollup.columns)} FROM {rollup.table}",
                    fresh_first,
                ),
                rollup.year_table: (
                    # A year whose visits all went keeps a row of zeros: not a difference.
                    f"SELECT year, {year_cols} FROM {rollup.year_table} WHERE "
                    + " OR ".join(f"{c} <> 0" for c in _year_columns(rollup)),
                    _year_rows(rollup, fresh_first),
                ),
            }
            for table, (stored, fresh) in pairs.items():
                cursor.execute(
                    f"SELECT COUNT(*) FROM ({stored} EXCEPT {fresh}) a "
                    f"UNION ALL SELECT COUNT(*) FROM ({fresh} EXCEPT {stored}) b"
                )
                found[table] = sum(n for (n,) in cursor.fetchall())
    return found
