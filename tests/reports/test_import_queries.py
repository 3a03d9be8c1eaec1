"""The import's queries grow with batches, never with rows."""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smf.imports.validate import BATCH_SIZE
from smf.imports.write import records_import
from tests.conftest import audit_write_queries
from tests.reports.import_support import scaled_folder

pytestmark = pytest.mark.django_db


# 5 lookups of saved records by natural key (centers, cases, venues, stays,
# legal cases), 1 lookup of the files' checksums, SAVEPOINT, 15 INSERTs (one per
# file), 1 INSERT of the checksums, the audit log's lines (their chain's
# queries, then 1 INSERT) for the cases (one batch) and for the import,
# RELEASE SAVEPOINT.
def queries() -> int:
    # On PostgreSQL new records are written by COPY, which returns no ids: the
    # new cases, centers and venues, which other files name, are then looked up
    # once per batch.
    # Foreign keys are checked as each COPY loads (SET CONSTRAINTS ALL
    # IMMEDIATE), and deferred again after the last one.
    postgresql = connection.vendor == "postgresql"
    learnt, constraints = (3, 2) if postgresql else (0, 0)
    return 24 + learnt + constraints + 2 * audit_write_queries()


def test_import_of_10_rows_per_file_costs_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    with django_assert_num_queries(queries()):
        records_import(files=scaled_folder(10))


def test_import_of_200_rows_per_file_costs_no_query_per_row(django_assert_max_num_queries):
    if connection.features.max_query_params is None:  # PostgreSQL: one INSERT per file
        with django_assert_max_num_queries(queries()):
            records_import(files=scaled_folder(200))
        return
    # SQLite allows 999 parameters a query, so Django splits a long INSERT in
    # batches: allow exactly those extra INSERTs, and nothing else.
    with CaptureQueriesContext(connection) as captured:
        records_import(files=scaled_folder(200))
    inserts: Counter[str] = Counter()
    columns: dict[str, int] = {}
    others = 0
    for query in captured.captured_queries:
        match = re.match(r'INSERT INTO "(\w+)" \(([^)]*)\)', query["sql"])
        if match:
            inserts[match[1]] += 1
            columns[match[1]] = match[2].count(",") + 1
        else:
            others += 1
    assert others == queries() - 18
    assert len(inserts) == 17  # 15 files, the checksums, the audit log
    for table, count in inserts.items():
        rows_per_insert = min(BATCH_SIZE, connection.features.max_query_params // columns[table])
        if table == "cases_auditlog":
            # One line per case (one batch), then one line for the import.
            assert count == math.ceil(200 / rows_per_insert) + 1
            continue
        rows = {"imports_importedfile": 15}.get(table, 200)
        assert count == math.ceil(rows / rows_per_insert), table
