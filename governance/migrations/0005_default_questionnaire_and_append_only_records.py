"""Ship the default emotion-AI questionnaire and make sign-offs and consent records append-only."""

import hashlib
import json

from django.db import migrations


def load_questionnaire(apps, schema_editor):
    from governance.questionnaires import default_questionnaire_data

    Questionnaire = apps.get_model("governance", "Questionnaire")
    data = default_questionnaire_data()
    digest = hashlib.sha256(
        json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")
    ).hexdigest()
    Questionnaire.objects.get_or_create(
        key=data["key"],
        version=data["version"],
        defaults={"title": data["title"], "data": data, "content_sha256": digest},
    )


def install_triggers(apps, schema_editor):
    from governance.ledger_triggers import install

    install(
        schema_editor.connection,
        ("governance_signoff", "governance_recusal", "governance_consentrecord"),
    )


def uninstall_triggers(apps, schema_editor):
    from governance.ledger_triggers import uninstall

    uninstall(
        schema_editor.connection,
        ("governance_signoff", "governance_recusal", "governance_consentrecord"),
    )


class Migration(migrations.Migration):
    dependencies = [("governance", "0004_governance_records_and_board")]

    operations = [
        migrations.RunPython(load_questionnaire, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, uninstall_triggers),
    ]
