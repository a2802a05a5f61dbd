"""Acceptance 2: a ciphertext is bound to its model, field and row. Moved anywhere else (another
row, another field of the same row, another client's row, another document's file) it fails."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from django.db import connection

from clients import services
from clients.models import Client, Document
from healthcheck.core import files
from healthcheck.core.fields import reveal
from healthcheck.core.keys import DecryptionError
from tests.encryption.conftest import make_client
from tests.encryption.testapp.models import RingSecret, Sample

pytestmark = pytest.mark.django_db


def _copy_column(model: Any, source_pk: int, target_pk: int, src: str, dst: str) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {src} FROM {table} WHERE id = %s", [source_pk])
        (value,) = cursor.fetchone()
        cursor.execute(f"UPDATE {table} SET {dst} = %s WHERE id = %s", [value, target_pk])


def test_ciphertext_moved_to_another_clients_row_fails_to_decrypt(clara, ring_a) -> None:
    adams = make_client(clara, "Adams", national_id="E12345678")
    miller = make_client(clara, "Miller", national_id="E87654321")
    _copy_column(Client, adams.pk, miller.pk, "national_id", "national_id")

    with pytest.raises(DecryptionError):
        Client.objects.get(pk=miller.pk).national_id  # noqa: B018
    assert Client.objects.get(pk=adams.pk).national_id == "E12345678"


def test_ciphertext_moved_to_another_field_of_the_same_row_fails_to_decrypt(clara, ring_a) -> None:
    adams = make_client(clara, "Adams", address="1 Nanjing Road")
    _copy_column(Client, adams.pk, adams.pk, "name", "address")

    fresh = Client.objects.get(pk=adams.pk)
    with pytest.raises(DecryptionError):
        fresh.address  # noqa: B018
    assert fresh.name == "Adams"
    assert str(reveal(fresh, "address")) == "cannot be decrypted"


def test_ciphertext_moved_between_rows_under_the_same_key_fails(clara, ring_a) -> None:
    """Same client (same data key) and ring secrets (same master key): only the associated
    data tells the rows apart, and it does."""
    client = make_client(clara)
    one = Sample.objects.create(client=client, text="first")
    two = Sample.objects.create(client=client, text="second")
    _copy_column(Sample, one.pk, two.pk, "text", "text")
    with pytest.raises(DecryptionError):
        Sample.objects.get(pk=two.pk).text  # noqa: B018

    a = RingSecret.objects.create(label="a", secret="token-a")
    b = RingSecret.objects.create(label="b", secret="token-b")
    _copy_column(RingSecret, a.pk, b.pk, "secret", "secret")
    with pytest.raises(DecryptionError):
        RingSecret.objects.get(pk=b.pk).secret  # noqa: B018


def test_encrypted_file_copied_over_another_documents_file_fails(clara, ring_a, media_root) -> None:
    client = make_client(clara)
    first = services.document_store(
        actor=clara, client=client, kind="checkup_report", name="a.pdf", data=b"%PDF-1.4\nA\n"
    )
    second = services.document_store(
        actor=clara, client=client, kind="checkup_report", name="b.pdf", data=b"%PDF-1.4\nB\n"
    )
    shutil.copyfile(files._path_for(first.stored_name), files._path_for(second.stored_name))

    with pytest.raises(DecryptionError):
        files.read_decrypted(Document.objects.get(pk=second.pk), second.stored_name)
    assert files.read_decrypted(first, first.stored_name) == b"%PDF-1.4\nA\n"


def test_wrapped_data_key_moved_to_another_client_does_not_unwrap(clara, ring_a) -> None:
    adams = make_client(clara, "Adams")
    miller = make_client(clara, "Miller")
    _copy_column(Client, adams.pk, miller.pk, "data_key_wrapped", "data_key_wrapped")

    with pytest.raises(DecryptionError):
        Client.objects.get(pk=miller.pk).name  # noqa: B018


def test_a_copied_instance_is_re_encrypted_for_its_new_row(clara, ring_a) -> None:
    """Copying a loaded row in Python (new public_id) must not save ciphertext bound to the old
    row: the value is decrypted and encrypted afresh for the new identity."""
    client = make_client(clara)
    original = Sample.objects.create(client=client, text="carried over")
    copy = Sample.objects.get(pk=original.pk)
    copy.pk = copy.id = None
    copy.public_id = __import__("uuid").uuid4()
    copy._state.adding = True
    copy.save()

    assert Sample.objects.get(pk=copy.pk).text == "carried over"
