"""Make the audit tables append-only: triggers refuse UPDATE and DELETE (PostgreSQL, SQLite)."""

from django.db import migrations

from healthcheck.core.audit import triggers as audit_triggers


def create_triggers(apps, schema_editor):
    audit_triggers.create(schema_editor.connection)


def drop_triggers(apps, schema_editor):
    audit_triggers.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_create_audit_tables")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
