"""Client services: every write of the clients app, each in a transaction with its audit event.

Split by concern (``clients``, ``consent``, ``health``) and re-exported here, so callers write
``from clients import services; services.consent_withdraw(...)``.
"""

from clients.gate import ConsentRequired
from clients.services.clients import client_create, client_reassign, client_shred, document_store
from clients.services.consent import (
    consent_record,
    consent_withdraw,
    current_notice,
    notice_publish,
)
from clients.services.health import (
    DeclarationInput,
    ObservationInput,
    declaration_save,
    health_recheck,
    observation_record,
    observations_mark_critical,
)

__all__ = [
    "ConsentRequired",
    "DeclarationInput",
    "ObservationInput",
    "client_create",
    "client_reassign",
    "client_shred",
    "consent_record",
    "consent_withdraw",
    "current_notice",
    "declaration_save",
    "document_store",
    "health_recheck",
    "notice_publish",
    "observation_record",
    "observations_mark_critical",
]
