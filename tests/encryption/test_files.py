"""Encrypted documents: content-type detection (B19), the download view, and the admin mask."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients import services
from clients.models import Client, Document
from healthcheck.core import files
from healthcheck.core.models import AuditEvent
from tests.clients.conftest import grant, publish_notice
from tests.encryption.conftest import make_client

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
FHIR = b'{"resourceType": "Bundle", "type": "collection", "entry": []}'


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("report.pdf", HTML, "type"),  # (a) HTML sent as application/pdf
        ("report.pdf", PNG, "extension"),  # (b) a PNG named .pdf
        ("bundle.pdf", FHIR, "type"),  # (d) a FHIR bundle named .pdf
        ("report.pdf", b"", "empty"),
    ],
)
def test_b19_uploads_are_typed_by_content_and_mismatches_refused(name, data, code) -> None:
    with pytest.raises(ValidationError) as excinfo:
        files.validate_upload(name, data)
    assert excinfo.value.code == code


@pytest.mark.parametrize(
    ("name", "data", "content_type", "stored_as"),
    [
        ("report.pdf", PDF, "application/pdf", "report.pdf"),  # (c)
        ("photo.JPG", JPEG, "image/jpeg", "photo.jpg"),  # (e)
        ("scan.png", PNG, "image/png", "scan.png"),
        ("lead-space.pdf", b" " + PDF, "application/pdf", "lead-space.pdf"),
        (
            '<img src=x onerror="alert(1)">.pdf',
            PDF,
            "application/pdf",
            "_img src=x onerror=_alert(1)__.pdf",
        ),
        ("../../etc/passwd", PNG, "image/png", "passwd.png"),
    ],
)
def test_b19_genuine_files_are_accepted_with_the_detected_type(
    name, data, content_type, stored_as
) -> None:
    assert files.validate_upload(name, data) == (content_type, stored_as)


@pytest.mark.django_db
def test_download_is_access_checked_audited_and_an_attachment(
    client, clara, carl, ring_a, media_root
) -> None:
    owner = make_client(clara, "Adams")
    # A check-up report is health content: its download needs the health-check consent (B31).
    grant(owner, clara, publish_notice(clara))
    document = services.document_store(
        actor=clara, client=owner, kind="checkup_report", name="报告.png", data=PNG
    )
    url = reverse("clients:document-download", args=[document.public_id])

    client.force_login(clara)
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    read = AuditEvent.objects.get(action="report.downloaded")
    assert (read.actor_label, read.client_public_id, read.fields) == ("clara", owner.public_id,
                                                                      ["content"])  # fmt: skip

    client.force_login(carl)
    assert client.get(url).status_code == 404
    denied = AuditEvent.objects.get(action="access.out_of_scope")
    assert (denied.actor_label, denied.outcome) == ("carl", "denied")


@pytest.mark.django_db
def test_stored_files_hold_only_ciphertext_under_generated_names(clara, ring_a, media_root) -> None:
    owner = make_client(clara)
    document = services.document_store(
        actor=clara, client=owner, kind="consent_evidence", name="signed-form.pdf", data=PDF
    )
    stored = files._path_for(document.stored_name)
    assert stored.name == document.stored_name and "signed" not in str(stored)
    assert b"%PDF" not in stored.read_bytes()
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    assert Document.objects.get(pk=document.pk).original_name == "signed-form.pdf"


@pytest.mark.django_db
def test_admin_shows_encrypted_fields_masked_and_never_decrypts(client, clara, ring_a) -> None:
    owner = make_client(clara, "Adams Canary", national_id="E99887766", phone="13800138000")
    superuser = get_user_model().objects.create_superuser("root", password="pw-root-12345")
    client.force_login(superuser)

    listing = client.get(reverse("admin:clients_client_changelist"))
    detail = client.get(reverse("admin:clients_client_change", args=[owner.pk]))
    for response in (listing, detail):
        assert response.status_code == 200
        html = response.content.decode()
        assert "•••" in html
        assert "Adams Canary" not in html and "E99887766" not in html
    sorted_by_name = client.get(reverse("admin:clients_client_changelist") + "?o=2")
    assert sorted_by_name.status_code == 200
    assert Client.objects.count() == 1
