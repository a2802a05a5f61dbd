"""Cases B08-B11 (tag ``encryption`` in shared/cases/cases.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from clients.admin import ClientAdmin
from clients.models import Client
from healthcheck.core import keys
from healthcheck.core.encrypted_admin import EncryptedModelAdmin
from healthcheck.core.fields import EncryptedFieldError, Unreadable, reveal, token_key_id
from healthcheck.core.keys import KeyConfigurationError
from tests.encryption.conftest import make_client, require_postgres
from tests.encryption.testapp.models import RingSecret, Sample

pytestmark = pytest.mark.django_db


def _raw(table: str, column: str, pk: int) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        value = cursor.fetchone()[0]
    return bytes(value) if isinstance(value, memoryview) else value


# -- B08 ----------------------------------------------------------------------------------------


@pytest.fixture
def zeller_adams_miller(clara: Any, ring_a: str) -> dict[str, Client]:
    return {
        "Zeller": make_client(clara, "Zeller"),
        "Adams": make_client(clara, "Adams", national_id="123456789"),
        "Miller": make_client(clara, "Miller"),
    }


def test_b08_sorting_by_encrypted_name_is_refused_and_not_offered(zeller_adams_miller, ada) -> None:
    with pytest.raises(EncryptedFieldError, match=r"clients\.Client\.name is encrypted"):
        Client.objects.order_by("name")
    with pytest.raises(EncryptedFieldError):
        list(Client.objects.all().order_by("-name"))
    # Through a relation from a model without encrypted fields, the column itself refuses.
    with pytest.raises(EncryptedFieldError):
        list(type(ada).objects.order_by("clients__name"))
    request = RequestFactory().get("/")
    request.user = ada
    model_admin = ClientAdmin(Client, admin.site)
    assert "name" not in model_admin.get_sortable_by(request)
    assert "national_id" not in model_admin.get_sortable_by(request)


def test_b08_exact_national_id_search_uses_the_blind_index_and_finds_adams_20_times(
    zeller_adams_miller, clara
) -> None:
    adams = zeller_adams_miller["Adams"]
    for _ in range(20):
        assert list(Client.objects.visible_to(clara).with_national_id("123456789")) == [adams]
    assert list(Client.objects.with_national_id(" 123-456-789 ")) == [adams]


def test_b08_admin_search_refuses_names_and_id_numbers_with_a_message_and_finds_ids(
    zeller_adams_miller, ada, admin_client
) -> None:
    # The admin's search is a GET: a name or ID number would sit in URLs and access logs, so it
    # is refused with a clear message (never a silent empty result); the client list's POST
    # search is where they are looked up (tests/clients/test_views.py).
    url = reverse("admin:clients_client_changelist")

    def warnings(response: Any) -> list[str]:
        return [m.message for m in response.context["messages"] if m.level == messages.WARNING]

    for term in ("123456789", "adams"):
        response = admin_client.get(url, {"q": term})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == []
        [warning] = warnings(response)
        assert warning in response.content.decode(), term  # shown, in the reader's language
    adams = zeller_adams_miller["Adams"]
    found = admin_client.get(url, {"q": str(adams.public_id)})
    assert list(found.context["cl"].result_list) == [adams] and not warnings(found)
    assert not warnings(admin_client.get(url))


def test_b08_filtering_an_encrypted_field_raises_a_clear_error_not_an_empty_result(
    zeller_adams_miller,
) -> None:
    for lookup in ({"national_id": "123456789"}, {"name__icontains": "adams"},
                   {"name__in": ["Adams"]}, {"name__startswith": "A"}):  # fmt: skip
        with pytest.raises(EncryptedFieldError, match="cannot work and is refused"):
            list(Client.objects.filter(**lookup))
    with pytest.raises(EncryptedFieldError, match=r"QuerySet\.matching"):
        Client.objects.exclude(national_id="123456789")


def test_b08_an_admin_configured_to_search_or_sort_encrypted_fields_fails_its_check() -> None:
    class BadAdmin(EncryptedModelAdmin):
        search_fields = ("name",)
        list_filter = ("national_id",)
        ordering = ("-name",)

    errors = BadAdmin(Client, admin.site).check()
    assert {e.id for e in errors} == {"core.E120"}
    assert len(errors) == 3
    assert ClientAdmin(Client, admin.site).check() == []


# -- B09 ----------------------------------------------------------------------------------------


def test_b09_rows_survive_primary_key_change_resave_and_secret_key_change(
    clara, settings, key_a, key_b
) -> None:
    settings.FIELD_ENCRYPTION_KEYS = key_a  # K1
    client = make_client(clara)
    record = Sample.objects.create(client=client, text="glucose note: fasting 5.4")
    secret = RingSecret.objects.create(label="lab", secret="fasting 5.4")

    settings.FIELD_ENCRYPTION_KEYS = f"{key_b},{key_a}"  # K2 primary, K1 fallback
    fresh = Sample.objects.get(pk=record.pk)
    assert fresh.text == "glucose note: fasting 5.4"
    owner = Client.objects.get(pk=client.pk)
    owner.save()  # a plain re-save rewraps the data key under K2
    fresh_secret = RingSecret.objects.get(pk=secret.pk)
    fresh_secret.secret  # noqa: B018 - read, then re-save: encrypted afresh under K2
    fresh_secret.save()
    assert Client.objects.get(pk=client.pk).data_key_id == "B"
    assert token_key_id(_raw("encryption_testapp_ringsecret", "secret", secret.pk)) == "B"

    settings.FIELD_ENCRYPTION_KEYS = key_b  # K1 removed
    assert Sample.objects.get(pk=record.pk).text == "glucose note: fasting 5.4"
    assert RingSecret.objects.get(pk=secret.pk).secret == "fasting 5.4"

    settings.SECRET_KEY = "a completely different django secret key for b09 " * 2
    assert Sample.objects.get(pk=record.pk).text == "glucose note: fasting 5.4"


def test_b09_without_a_valid_key_reads_fail_clearly_and_ciphertext_is_never_the_value(
    clara, settings, key_a
) -> None:
    settings.FIELD_ENCRYPTION_KEYS = key_a
    client = make_client(clara)
    record = Sample.objects.create(client=client, text="glucose note: fasting 5.4")
    raw_before = _raw("encryption_testapp_sample", "text", record.pk)

    settings.FIELD_ENCRYPTION_KEYS = "A:" + keys.base64.b64encode(b"\x07" * 32).decode()
    loaded = Sample.objects.get(pk=record.pk)
    with pytest.raises(KeyConfigurationError, match="'A' does not match its stored check value"):
        loaded.text  # noqa: B018
    loaded.save()  # the unread value is written back byte for byte, never re-encrypted
    settings.FIELD_ENCRYPTION_KEYS = key_a
    assert _raw("encryption_testapp_sample", "text", record.pk) == raw_before

    # A value that fails authentication shows a label, never the stored ciphertext, and saving
    # the row writes the stored bytes back untouched (no ciphertext encrypted as a value).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE encryption_testapp_sample SET text = %s WHERE id = %s",
            [raw_before[:-6] + b"AAAAAA", record.pk],
        )
    damaged = Sample.objects.get(pk=record.pk)
    shown = reveal(damaged, "text")
    assert isinstance(shown, Unreadable) and str(shown) == "cannot be decrypted"
    damaged.save()
    assert _raw("encryption_testapp_sample", "text", record.pk) == raw_before[:-6] + b"AAAAAA"


# -- B10 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["a" * 50, "ř" * 50, "𝄞" * 50, "健" * 50])
def test_b10_fifty_characters_of_any_width_fit_and_read_back_exactly(clara, ring_a, text) -> None:
    client = make_client(clara)
    sample = Sample(client=client, char=text)
    sample.full_clean()
    sample.save()
    assert Sample.objects.get(pk=sample.pk).char == text
    assert (
        len(_raw("encryption_testapp_sample", "char", sample.pk))
        <= Sample._meta.get_field("char").ciphertext_length
    )


def test_b10_fifty_one_characters_are_a_field_error_never_truncated(clara, ring_a) -> None:
    sample = Sample(client=make_client(clara), char="ř" * 51)
    with pytest.raises(ValidationError) as excinfo:
        sample.full_clean()
    assert "char" in excinfo.value.message_dict
    assert "ř" not in str(excinfo.value)  # the error never repeats the value


def test_b10_the_column_is_binary_with_no_length_to_overflow_on_postgresql(clara, ring_a) -> None:
    require_postgres(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type, character_maximum_length FROM information_schema.columns "
            "WHERE table_name = 'encryption_testapp_sample' AND column_name = 'char'"
        )
        assert cursor.fetchone() == ("bytea", None)
    sample = Sample.objects.create(client=make_client(clara), char="𝄞" * 50)  # no DataError
    assert Sample.objects.get(pk=sample.pk).char == "𝄞" * 50


# -- B11 ----------------------------------------------------------------------------------------


def test_b11_two_clients_without_national_id_store_null_and_read_back_none(clara, ring_a) -> None:
    first = make_client(clara, "First", national_id=None)
    second = make_client(clara, "Second", national_id=None)

    assert set(Client.objects.filter(national_id__isnull=True)) == {first, second}
    assert set(Client.objects.filter(national_id=None)) == {first, second}
    for client in (first, second):
        fresh = Client.objects.get(pk=client.pk)
        assert fresh.national_id is None
        assert _raw("clients_client", "national_id", client.pk) is None
        assert _raw("clients_client", "national_id_index", client.pk) is None
        assert fresh.phone == "" and _raw("clients_client", "phone", client.pk) == b""
        assert _raw("clients_client", "phone_index", client.pk) is None


def test_b11_empty_values_of_every_type_stay_empty(clara, ring_a) -> None:
    sample = Sample.objects.create(client=make_client(clara), text="")
    fresh = Sample.objects.get(pk=sample.pk)
    values = (fresh.text, fresh.char, fresh.data, fresh.day, fresh.amount)
    assert values == ("", None, None, None, None)
    for column in ("char", "data", "day", "amount"):
        assert _raw("encryption_testapp_sample", column, sample.pk) is None
    assert _raw("encryption_testapp_sample", "text", sample.pk) == b""  # empty, not encrypted
    fresh.save()
    assert _raw("encryption_testapp_sample", "char", sample.pk) is None
