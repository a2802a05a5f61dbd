"""Models of the clients app: clients and documents, consent, and health data."""

from clients.models.client import Client, ClientQuerySet, Document, DocumentQuerySet
from clients.models.consent import (
    NOTICE_LANGUAGES,
    NOTICE_SECTIONS,
    Consent,
    ConsentQuerySet,
    Institution,
    Notice,
    Purpose,
)
from clients.models.health import Declaration, FollowUp, HealthQuerySet, Observation

__all__ = [
    "NOTICE_LANGUAGES",
    "NOTICE_SECTIONS",
    "Client",
    "ClientQuerySet",
    "Consent",
    "ConsentQuerySet",
    "Declaration",
    "Document",
    "DocumentQuerySet",
    "FollowUp",
    "HealthQuerySet",
    "Institution",
    "Notice",
    "Observation",
    "Purpose",
]
