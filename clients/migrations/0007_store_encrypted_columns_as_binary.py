"""Encrypted columns move from base64 text to binary (bytea / BLOB); values are re-framed only."""

from django.db import migrations

from healthcheck.core.migration_ops import EncryptedColumnsToBinary


class Migration(migrations.Migration):
    dependencies = [("clients", "0006_add_observation_is_critical")]

    operations = [EncryptedColumnsToBinary()]
