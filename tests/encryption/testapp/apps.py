"""A test-only app with one model per encrypted field type, including ring-scoped secrets."""

from django.apps import AppConfig


class EncryptionTestAppConfig(AppConfig):
    name = "tests.encryption.testapp"
    label = "encryption_testapp"
    default_auto_field = "django.db.models.BigAutoField"
