"""Encrypted columns move from base64 text to binary (bytea / BLOB); values are re-framed only."""

from django.db import migrations

from healthcheck.core.migration_ops import EncryptedColumnsToBinary


class Migration(migrations.Migration):
    dependencies = [("assessments", "0004_add_decision_needs_review")]

    operations = [EncryptedColumnsToBinary()]
