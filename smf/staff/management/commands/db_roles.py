"""Create or update the PostgreSQL role the application connects as.

Run it as the tables' owner (the role that runs `migrate`), after every
`migrate`: docker-compose's one-shot `migrate` service does both. The
application role (settings.DATABASE_APP_ROLE, default `smf_app`, password
DATABASE_APP_PASSWORD) then

- reads and writes (SELECT, INSERT, UPDATE, DELETE) every table of the schema,
  and uses its sequences;
- on the audit log only reads and appends (SELECT, INSERT, and USAGE on its id
  sequence): no UPDATE, DELETE, TRUNCATE, TRIGGER or REFERENCES;
- only reads django_migrations (migrations are the owner's business);
- owns nothing and is a member of no role that does, so it can neither ALTER
  TABLE ... DISABLE TRIGGER, drop the append-only trigger, nor TRUNCATE.

Every privilege on the schema's tables is revoked and granted again in one
transaction, so running it twice is harmless and a table added by a later
migration is covered. The command checks the result through PostgreSQL's own
`has_table_privilege` and fails if the role could still change the audit log
(for instance because it was made a member of pg_write_all_data). On SQLite
there are no roles: it does nothing.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from smf.staff.models import AuditLog

ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
READ_ONLY = ("django_migrations",)
FORBIDDEN_ON_AUDIT = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")


class Command(BaseCommand):
    help = (
        "Create or update the application's PostgreSQL role: read and write the "
        "product's tables, only read and append to the audit log, own nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--role",
            default=None,
            help="Role name (default: settings.DATABASE_APP_ROLE).",
        )

    def handle(self, *args, role=None, **options):
        if connection.vendor != "postgresql":
            self.stdout.write(f"No database roles on {connection.vendor}: nothing to do.")
            return
        role = role or settings.DATABASE_APP_ROLE
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
            raise CommandError(f"Not a plain role name: {role!r} (lower case, digits, _).")
        password = settings.DATABASE_APP_PASSWORD
        audit_table = AuditLog._meta.db_table
        name = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_schema(), current_database()")
            me, schema, database = cursor.fetchone()
            if role == me:
                raise CommandError(
                    f"Connected as {role}, the application role itself: run db_roles as "
                    "the owner of the tables (the DATABASE_URL of migrate)."
                )
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            created = cursor.fetchone() is None
            verb = "CREATE" if created else "ALTER"
            cursor.execute(f"{verb} ROLE {name(role)} {ATTRIBUTES}")
            if password:
                # On the driver's own cursor: Django's debug cursor would keep
                # the statement, password included, in connection.queries.
                cursor.cursor.execute(f"ALTER ROLE {name(role)} PASSWORD %s", [password])
            elif created:
                self.stderr.write(
                    f"Role {role} has no password (DATABASE_APP_PASSWORD is empty): it can "
                    "only log in where PostgreSQL trusts local connections."
                )
            self._refuse_owner(cursor, role, schema)

            cursor.execute(f"GRANT CONNECT ON DATABASE {name(database)} TO {name(role)}")
            cursor.execute(f"GRANT USAGE ON SCHEMA {name(schema)} TO {name(role)}")
            for kind in ("TABLES", "SEQUENCES"):
                cursor.execute(
                    f"REVOKE ALL ON ALL {kind} IN SCHEMA {name(schema)} FROM {name(role)}"
                )
            cursor.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {name(schema)}"
                f" TO {name(role)}"
            )
            cursor.execute(
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {name(schema)} TO {name(role)}"
            )
            cursor.execute(f"REVOKE UPDATE, DELETE ON {name(audit_table)} FROM {name(role)}")
            for table in READ_ONLY:
                cursor.execute("SELECT to_regclass(%s)", [table])
                if cursor.fetchone()[0] is not None:
                    cursor.execute(
                        f"REVOKE INSERT, UPDATE, DELETE ON {name(table)} FROM {name(role)}"
                    )
            self._check(cursor, role, audit_table)
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s", [schema])
            (tables,) = cursor.fetchone()
        self.stdout.write(
            f"Role {role} {'created' if created else 'updated'}: reads and writes the "
            f"{tables} tables of {database}.{schema}, except {audit_table} (SELECT and "
            "INSERT only) and django_migrations (SELECT only); owns none of them."
        )

    @staticmethod
    def _refuse_owner(cursor, role: str, schema: str) -> None:
        """The role must not own, nor be able to act as the owner of, any relation."""
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND pg_has_role(%s, c.relowner, 'MEMBER')"
            " ORDER BY c.relname LIMIT 5",
            [schema, role],
        )
        owned = [row[0] for row in cursor.fetchall()]
        if owned:
            raise CommandError(
                f"Role {role} owns (or is a member of the owner of) {', '.join(owned)}: it "
                "could disable the audit log's trigger. Run the migrations as another role "
                f"and give the objects to it (REASSIGN OWNED BY {role} TO <owner>)."
            )

    @staticmethod
    def _check(cursor, role: str, audit_table: str) -> None:
        """Ask PostgreSQL what the role may do to the audit log, whatever the reason."""
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone()[0]:
            raise CommandError(f"Role {role} is a superuser.")
        for privilege in ("SELECT", "INSERT"):
            cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, audit_table, privilege])
            if not cursor.fetchone()[0]:
                raise CommandError(f"Role {role} lacks {privilege} on {audit_table}.")
        for privilege in FORBIDDEN_ON_AUDIT:
            cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, audit_table, privilege])
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"Role {role} still has {privilege} on {audit_table} (through PUBLIC or "
                    "a role it belongs to, such as pg_write_all_data): revoke it."
                )
        cursor.execute(
            "SELECT has_sequence_privilege(%s, pg_get_serial_sequence(%s, 'id'), 'UPDATE')",
            [role, audit_table],
        )
        if cursor.fetchone()[0]:
            raise CommandError(f"Role {role} may set the audit log's id sequence: revoke it.")
