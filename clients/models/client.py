"""Client models: the client (owner of a data key) and its encrypted documents.

Direct identifiers (name, national ID, date of birth, phone, address) are encrypted with the
client's own data key; exact-match search uses blind-index columns. Metadata that queries need
(branch, manager, sex, occupation and its risk class, timestamps) stays plaintext.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients import validators
from healthcheck.core import fields as enc
from healthcheck.core.fields import blind_index_field_for
from healthcheck.core.keys import DataKeyOwner


class ClientQuerySet(enc.EncryptedQuerySet):
    def visible_to(self, user: Any) -> ClientQuerySet:
        """Scope predicate: a client manager sees their own portfolio; everyone else nothing."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(manager=user)

    def reassignable_by(self, user: Any) -> ClientQuerySet:
        """Clients of the managers whom ``user`` supervises (the reassignment scope)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(manager__supervisor=user)

    def with_national_id(self, value: str) -> ClientQuerySet:
        """Exact national-ID match through the blind index (any ID type)."""
        return self.matching("national_id", value)

    def searched(self, term: str) -> ClientQuerySet:
        """Exact match of ``term`` on the normalised full name OR the national ID (blind indexes).

        Names are encrypted, so there is no partial match: the UI says so (never a silent miss).
        """
        name = blind_index_field_for(Client, "name")
        national_id = blind_index_field_for(Client, "national_id")
        return self.filter(
            models.Q(name_index=name.index_for(term))
            | models.Q(national_id_index=national_id.index_for(term))
        )


class Client(DataKeyOwner, enc.EncryptedModel):
    """A bank client under the health-check procedure.

    Invariants: ``public_id`` is the only id in URLs; encrypted values never appear in
    ``__str__``; once ``data_key_shredded_at`` is set every encrypted value and file of the
    client is erased for good and its blind indexes are NULL.
    """

    shred_service = "clients.services.client_shred"

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("Mainland resident ID card")
        PASSPORT = "passport", _("Passport")
        HK_MACAO_PERMIT = "hk_macao_permit", _("Mainland travel permit for Hong Kong and Macao")
        TAIWAN_PERMIT = "taiwan_permit", _("Mainland travel permit for Taiwan residents")
        FOREIGN_PERMANENT = "foreign_permanent", _("Foreign permanent resident ID card")
        OTHER = "other", _("Other")

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    class OccupationRisk(models.IntegerChoices):
        # The six occupational classes used by mainland insurers (1 = office work ... 6 = highest).
        CLASS_1 = 1, _("Class 1")
        CLASS_2 = 2, _("Class 2")
        CLASS_3 = 3, _("Class 3")
        CLASS_4 = 4, _("Class 4")
        CLASS_5 = 5, _("Class 5")
        CLASS_6 = 6, _("Class 6")

    name = enc.EncryptedCharField(_("name"), max_length=100)
    name_index = enc.BlindIndexField(source="name", normaliser=validators.normalise_name)
    id_type = models.CharField(
        _("ID type"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    national_id = enc.EncryptedCharField(_("ID number"), max_length=40, null=True, blank=True)
    national_id_index = enc.BlindIndexField(
        source="national_id", normaliser=validators.normalise_national_id
    )
    date_of_birth = enc.EncryptedDateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    occupation_risk = models.PositiveSmallIntegerField(
        _("occupational risk class"), choices=OccupationRisk.choices, null=True, blank=True
    )
    phone = enc.EncryptedCharField(_("phone"), max_length=32, blank=True)
    phone_index = enc.BlindIndexField(source="phone", normaliser=validators.normalise_phone)
    address = enc.EncryptedCharField(_("address"), max_length=300, blank=True)
    branch = models.CharField(_("branch"), max_length=100, blank=True)
    # Set by the re-check task from the latest declaration (PRODUCT step 5); plaintext metadata.
    next_review_on = models.DateField(_("next review on"), null=True, blank=True, editable=False)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("client manager"),
        on_delete=models.PROTECT,
        related_name="clients",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [
            models.UniqueConstraint(
                fields=["id_type", "national_id_index"],
                condition=models.Q(national_id_index__isnull=False),
                name="client_unique_national_id",
            )
        ]
        indexes = [models.Index(fields=["manager", "-created_at"], name="client_portfolio_idx")]
        permissions = [
            ("view_healthdata", "Can read the health data of own clients (consent-gated)"),
            (
                "view_restricted_healthdata",
                "Can read the restricted class (mental health, HIV, hepatitis, pregnancy, genetic)",
            ),
            ("reassign_client", "Can reassign clients of supervised managers"),
        ]

    def __str__(self) -> str:
        # Never the name or any other encrypted value (STYLE.md §6).
        return str(_("Client %(id)s") % {"id": str(self.public_id)[:8]})

    def clean(self) -> None:
        super().clean()
        national_id = self.__dict__.get("national_id")
        if isinstance(national_id, str) and national_id and self.id_type == self.IdType.RESIDENT_ID:
            try:
                validators.validate_resident_id(national_id)
            except ValidationError as exc:
                raise ValidationError({"national_id": exc.messages}) from None
        birth = self.__dict__.get("date_of_birth")
        if isinstance(birth, datetime.date):
            try:
                validators.validate_adult_birth_date(birth)
            except ValidationError as exc:
                raise ValidationError({"date_of_birth": exc.messages}) from None


class DocumentQuerySet(enc.EncryptedQuerySet):
    def visible_to(self, user: Any) -> DocumentQuerySet:
        """Documents of the clients the user may see (same predicate as the clients)."""
        return self.filter(client__in=Client.objects.visible_to(user))


class Document(enc.EncryptedModel):
    """An uploaded file (consent evidence, check-up report), stored encrypted with the client's
    data key under a generated name.

    Invariants: ``content_type`` was detected from the content, never taken from the upload;
    ``stored_name`` is generated (no user input reaches the file system); the original name is
    encrypted like any identifier and only ever offered as a download file name.
    """

    encryption_owner = "client"

    class Kind(models.TextChoices):
        CONSENT_EVIDENCE = "consent_evidence", _("Consent evidence")
        CHECKUP_REPORT = "checkup_report", _("Check-up report")

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    original_name = enc.EncryptedCharField(_("original file name"), max_length=150)
    content_type = models.CharField(_("detected content type"), max_length=100, editable=False)
    size = models.PositiveBigIntegerField(_("size in bytes"), editable=False)
    stored_name = models.CharField(max_length=100, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["client", "-uploaded_at"], name="document_client_idx")]

    def __str__(self) -> str:
        return str(_("Document %(id)s") % {"id": str(self.public_id)[:8]})
