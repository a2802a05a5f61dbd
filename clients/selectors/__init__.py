"""Client selectors: scoped, consent-checked, audited reads (``clients`` and ``health``)."""

from clients.selectors.clients import (
    PAGE_SIZE,
    client_find_by_national_id,
    client_get,
    client_list,
    client_page,
    consent_list,
    document_content,
    document_get,
    team_client_page,
)
from clients.selectors.health import (
    HealthFile,
    ObservationView,
    health_export_rows,
    health_file_get,
    observation_list,
)

__all__ = [
    "PAGE_SIZE",
    "HealthFile",
    "ObservationView",
    "client_find_by_national_id",
    "client_get",
    "client_list",
    "client_page",
    "consent_list",
    "document_content",
    "document_get",
    "health_export_rows",
    "health_file_get",
    "observation_list",
    "team_client_page",
]
