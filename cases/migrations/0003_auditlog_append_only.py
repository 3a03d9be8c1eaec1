"""On PostgreSQL, the database itself refuses to change or delete audit lines."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION cases_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_auditlog_no_update BEFORE UPDATE OR DELETE ON cases_auditlog
    FOR EACH ROW EXECUTE FUNCTION cases_auditlog_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS cases_auditlog_no_update ON cases_auditlog;
DROP FUNCTION IF EXISTS cases_auditlog_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
