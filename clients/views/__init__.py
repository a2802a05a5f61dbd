"""Views of the clients app (function-based): clients, consent, health data and documents."""

from clients.views.clients import (
    client_create,
    client_detail,
    client_list,
    client_reassign,
    team_client_list,
)
from clients.views.consent import consent_create, consent_withdraw
from clients.views.documents import document_download
from clients.views.health import declaration_create, health_export, health_file, icd10_search

__all__ = [
    "client_create",
    "client_detail",
    "client_list",
    "client_reassign",
    "consent_create",
    "consent_withdraw",
    "declaration_create",
    "document_download",
    "health_export",
    "health_file",
    "icd10_search",
    "team_client_list",
]
