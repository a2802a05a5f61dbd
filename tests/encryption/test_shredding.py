"""Acceptance 4: shred_client erases one client's values and files ("erased" in the UI), leaves
every other client intact and the audit trail readable."""

from __future__ import annotations

import io
import uuid
from typing import Any
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.template import Context, Template
from django.urls import reverse

from clients import services
from clients.models import Client, Document
from healthcheck.core import files, keys
from healthcheck.core.fields import Unreadable, encrypted_fields, reveal
from healthcheck.core.keys import ErasedError
from healthcheck.core.models import AuditEvent
from tests.clients.conftest import grant, publish_notice
from tests.encryption.conftest import make_client, sample_values
from tests.encryption.testapp.models import Sample

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x01" * 20


def _client_with_data(user: Any, name: str) -> tuple[Client, Sample, Document]:
    client = make_client(user, name, national_id=f"{name}-ID", phone="13800138000",
                         address="1 Bund")  # fmt: skip
    sample = Sample.objects.create(client=client, **sample_values(name))
    document = services.document_store(
        actor=user, client=client, kind="checkup_report", name="scan.png", data=PNG
    )
    return client, sample, document


def _shred(public_id: uuid.UUID, *extra: str) -> str:
    out = io.StringIO()
    call_command("shred_client", str(public_id), *extra, stdout=out)
    return out.getvalue()


def test_shred_client_erases_values_and_files_and_leaves_others_and_the_audit_trail(
    clara, client, ring_a, media_root, django_capture_on_commit_callbacks
) -> None:
    victim, victim_sample, victim_doc = _client_with_data(clara, "Victim")
    other, other_sample, other_doc = _client_with_data(clara, "Other")
    events_before = list(AuditEvent.objects.filter(client_public_id=victim.public_id))

    with django_capture_on_commit_callbacks(execute=True):
        output = _shred(victim.public_id, "--yes")

    assert "erased" in output
    erased = Client.objects.get(pk=victim.pk)
    assert erased.is_shredded and erased.data_key_wrapped is None
    assert (erased.name_index, erased.national_id_index, erased.phone_index) == (None, None, None)
    for instance in (erased, Sample.objects.get(pk=victim_sample.pk),
                     Document.objects.get(pk=victim_doc.pk)):  # fmt: skip
        for field in encrypted_fields(type(instance)):
            value = reveal(instance, field.name)
            if value is not None and value != "":
                assert isinstance(value, Unreadable) and value.erased, field.name
    reloaded_doc = Document.objects.select_related("client").get(pk=victim_doc.pk)
    with pytest.raises(ErasedError):
        files.read_decrypted(reloaded_doc, reloaded_doc.stored_name)
    assert not files._path_for(victim_doc.stored_name).exists()

    # Others intact.
    assert Client.objects.get(pk=other.pk).national_id == "Other-ID"
    assert Sample.objects.get(pk=other_sample.pk).data == sample_values("Other")["data"]
    assert files.read_decrypted(other_doc, other_doc.stored_name) == PNG

    # Audit trail readable: the earlier events are unchanged and the erasure is recorded.
    trail = list(AuditEvent.objects.filter(client_public_id=victim.public_id).order_by("id"))
    assert trail[: len(events_before)] == events_before
    assert [e.action for e in trail[len(events_before) :]] == ["client.shredded"]
    assert trail[-1].actor_label == "command:shred-client"


def test_erased_state_is_shown_in_pages_and_downloads(clara, client, ring_a, media_root) -> None:
    victim, _sample, document = _client_with_data(clara, "Victim")
    # The download passes the consent gate first, so the erased state is what it then meets.
    grant(victim, clara, publish_notice(clara))
    services.client_shred(actor=clara, client=victim)
    erased = Client.objects.get(pk=victim.pk)

    html = Template('{% load encryption %}{{ c|decrypted:"name" }}').render(Context({"c": erased}))
    assert 'data-encrypted-state="erased"' in html
    assert "erased" in html

    client.force_login(clara)
    response = client.get(reverse("clients:document-download", args=[document.public_id]))
    assert response.status_code == 410
    assert b'data-state="erased"' in response.content


def test_shred_client_asks_for_confirmation_and_changes_nothing_without_it(clara, ring_a) -> None:
    victim = make_client(clara, "Victim")
    with (
        mock.patch("builtins.input", return_value="no"),
        pytest.raises(CommandError, match="nothing was changed"),
    ):
        _shred(victim.public_id)
    assert Client.objects.get(pk=victim.pk).name == "Victim"

    with mock.patch("builtins.input", return_value="yes"):
        _shred(victim.public_id)
    assert Client.objects.get(pk=victim.pk).is_shredded


def test_shred_client_refuses_an_unknown_id_and_is_idempotent(clara, ring_a) -> None:
    with pytest.raises(CommandError, match="No client"):
        _shred(uuid.uuid4(), "--yes")
    victim = make_client(clara, "Victim")
    _shred(victim.public_id, "--yes")
    assert "already erased" in _shred(victim.public_id, "--yes")
    assert AuditEvent.objects.filter(action="client.shredded").count() == 1


def test_shredding_drops_the_cached_data_key_at_once(clara, ring_a) -> None:
    victim = make_client(clara, "Victim")
    loaded = Client.objects.get(pk=victim.pk)
    assert loaded.name == "Victim"  # key now cached
    wrapped = bytes(loaded.data_key_wrapped)
    assert keys.data_key_cache.get(wrapped) is not None

    services.client_shred(actor=clara, client=victim)

    assert keys.data_key_cache.get(wrapped) is None
    with pytest.raises(ErasedError):
        Client.objects.get(pk=victim.pk).name  # noqa: B018


def test_no_new_data_can_be_written_for_an_erased_client(clara, ring_a) -> None:
    victim = make_client(clara, "Victim")
    services.client_shred(actor=clara, client=victim)
    with pytest.raises(ErasedError):
        Sample.objects.create(client=Client.objects.get(pk=victim.pk), text="new")
