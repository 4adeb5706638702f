"""Database triggers that refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) of ledger events."""

from django.db import migrations


def forward(apps, schema_editor):
    from governance.ledger_triggers import install

    install(schema_editor.connection, ("governance_ledgerevent",))


def reverse(apps, schema_editor):
    from governance.ledger_triggers import uninstall

    uninstall(schema_editor.connection, ("governance_ledgerevent",))


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]
