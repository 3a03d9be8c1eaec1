"""The audit log becomes a hash chain (smf/staff/chain.py).

Each line gets `prev_hash` (the hash of the line before it) and `hash` (its own
HMAC, keyed with AUDIT_CHAIN_KEY). The lines already written are chained here,
in id order, from the genesis value: so `audit_verify` checks the whole log,
from its first line. What this certifies for those old lines is that they have
not changed since this migration ran; what happened to them before cannot be
proven by anyone.

Filling the two columns is an UPDATE, which the append-only trigger refuses
(cases/migrations/0003). Migrations run as the tables' owner, so the trigger is
disabled for the backfill and enabled again in the same transaction: PostgreSQL
runs the whole migration atomically and ALTER TABLE holds an exclusive lock on
the table until it commits, so no other session ever sees the table without its
trigger, nor writes a line meanwhile. The application's role could not do this
(it owns no table: see `manage.py db_roles`).

The time of a line is now set by the writer before it computes the hash
(`default=timezone.now` instead of `auto_now_add`, which would overwrite it at
insert): no change in the database.
"""

import django.utils.timezone
from django.db import migrations, models

from smf.staff.chain import GENESIS, chain_key, line_hash

TABLE = "cases_auditlog"
TRIGGER = "cases_auditlog_no_update"
BATCH = 2000


def chain_existing_lines(apps, schema_editor):
    AuditLog = apps.get_model("staff", "AuditLog")
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    if not AuditLog.objects.exists():
        return
    key = chain_key()
    with connection.cursor() as cursor:
        trigger = False
        if postgres:
            cursor.execute(
                "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
                [TRIGGER, TABLE],
            )
            trigger = cursor.fetchone() is not None
            if trigger:
                cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
        prev, last = GENESIS, 0
        while True:
            lines = list(
                AuditLog.objects.filter(id__gt=last)
                .order_by("id")
                .values_list("id", "at", "user_id", "action", "case_code", "details")[:BATCH]
            )
            if not lines:
                break
            rows = []
            for id, at, user_id, action, case_code, details in lines:
                digest = line_hash(
                    key,
                    id=id,
                    at=at,
                    user_id=user_id,
                    action=action,
                    case_code=case_code,
                    details=details,
                    prev_hash=prev,
                )
                rows.append((id, prev, digest))
                prev = digest
            last = lines[-1][0]
            if postgres:
                values = ", ".join(["(%s, %s, %s)"] * len(rows))
                cursor.execute(
                    f"UPDATE {TABLE} AS t SET prev_hash = v.prev, hash = v.hash"
                    f" FROM (VALUES {values}) AS v(id, prev, hash) WHERE t.id = v.id",
                    [value for row in rows for value in row],
                )
            else:
                cursor.executemany(
                    f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE id = %s",
                    [(p, h, i) for i, p, h in rows],
                )
        if trigger:
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_initial"),
        ("cases", "0003_auditlog_append_only"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False
            ),
        ),
        migrations.AddField(
            model_name="auditlog",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditlog",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_lines, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="auditlog",
            constraint=models.UniqueConstraint(
                fields=("prev_hash",), name="cases_auditlog_one_successor"
            ),
        ),
    ]
