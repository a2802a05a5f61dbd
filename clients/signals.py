"""Signals other apps listen to, so the clients app needs no import of them."""

from django.dispatch import Signal

# Sent inside the withdrawal's transaction with ``client``, ``consent`` and ``actor``:
# listeners stop or flag whatever was based on the consent (B31).
consent_withdrawn = Signal()
