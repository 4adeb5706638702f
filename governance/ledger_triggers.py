"""Database triggers that make ledger tables append-only (REGULATORY.md §5.4, §6(b) item 31).

Installed by a migration on SQLite and PostgreSQL. `uninstall` exists for tests that simulate an
attacker with table-owner rights (who can drop triggers): verification must still catch them.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper

APPEND_ONLY_TABLES = (
    "governance_ledgerevent",
    "governance_signoff",
    "governance_recusal",
    "governance_consentrecord",
)
REFUSAL = "append-only table: UPDATE, DELETE and TRUNCATE are refused"


def _sqlite_statements(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table}: {REFUSAL}'); END;",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table}: {REFUSAL}'); END;",
    ]


def _postgres_statements(table: str) -> list[str]:
    return [
        "CREATE OR REPLACE FUNCTION attune_refuse_change() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '%: {REFUSAL}', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql;",
        f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};",
        f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION attune_refuse_change();",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION attune_refuse_change();",
    ]


def install(connection: BaseDatabaseWrapper, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    """Create the refusal triggers on each table (idempotent)."""
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "sqlite":
                statements = _sqlite_statements(table)
            elif connection.vendor == "postgresql":
                statements = _postgres_statements(table)
            else:
                raise ImproperlyConfigured(f"No append-only triggers for {connection.vendor}")
            for statement in statements:
                cursor.execute(statement)


def uninstall(
    connection: BaseDatabaseWrapper, tables: tuple[str, ...] = APPEND_ONLY_TABLES
) -> None:
    """Drop the refusal triggers (tests and maintenance only)."""
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            elif connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
