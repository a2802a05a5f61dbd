"""Models that exercise every encrypted field type (tables created by syncdb in tests)."""

from django.db import models

from healthcheck.core import fields as enc


class Sample(enc.EncryptedModel):
    """Client-scoped values of every type (encrypted with the client's data key)."""

    encryption_owner = "client"

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    text = enc.EncryptedTextField(blank=True)
    char = enc.EncryptedCharField(max_length=50, null=True, blank=True)
    data = enc.EncryptedJSONField(null=True, blank=True)
    day = enc.EncryptedDateField(null=True, blank=True)
    amount = enc.EncryptedDecimalField(max_digits=12, decimal_places=4, null=True, blank=True)


class RingSecret(enc.EncryptedModel):
    """Non-client secrets encrypted with the master ring directly (e.g. an API credential)."""

    label = models.CharField(max_length=50)
    secret = enc.EncryptedTextField(scope="ring")
    settings = enc.EncryptedJSONField(scope="ring", null=True, blank=True)
