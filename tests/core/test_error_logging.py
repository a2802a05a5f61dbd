"""Every 500 is one JSON line on stdout with its traceback, DEBUG off, and no request body."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.urls("tests.urls")

MARKER = "systolic-187-confidential"


@pytest.fixture
def stdout_log() -> Iterator[io.StringIO]:
    """What the configured stdout handler writes, captured at the handler itself."""
    handler = logging.getLogger("django.request").handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    original = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(original)


def test_the_request_logger_writes_to_stdout():
    config = settings.LOGGING
    assert config["handlers"]["stdout"]["stream"] == "ext://sys.stdout"
    assert config["loggers"]["django.request"]["handlers"] == ["stdout"]


def test_a_500_is_logged_as_json_with_its_traceback_and_without_the_body(db, stdout_log):
    assert settings.DEBUG is False
    client = Client(raise_request_exception=False)

    response = client.post("/test/fail/", {"note": MARKER, "bp": "187/95"})

    assert response.status_code == 500
    assert response["X-Request-ID"] in response.content.decode()
    lines = [json.loads(line) for line in stdout_log.getvalue().splitlines() if line.strip()]
    errors = [line for line in lines if line.get("logger") == "django.request"]
    assert len(errors) == 1
    error = errors[0]
    assert error["level"] == "error"
    assert "Traceback" in error["exception"]
    assert "ProbeFailure: the failing test view failed" in error["exception"]
    assert error["request_id"] == response["X-Request-ID"]
    assert MARKER not in stdout_log.getvalue()
    assert "187/95" not in stdout_log.getvalue()


@pytest.mark.parametrize("debug", [True, False])
def test_error_reports_show_no_local_value_post_value_or_upload_name(db, settings, debug):
    """Django's debug page (the embedded profile serves it) and the text report e-mailed to
    admins keep the traceback but mask every frame's variables, POST values and file names."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import RequestFactory
    from django.views.debug import ExceptionReporter, get_exception_reporter_class

    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    upload = SimpleUploadedFile(f"{MARKER}-report.json", b'{"glucose": "12.9-mmol"}')
    response = client.post(
        "/test/fail-holding-values/", {"bp": "187/95", "report": upload}, HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 500
    page = response.content.decode()
    if debug:  # the technical page, with the traceback but no value
        assert "failing_view_holding_values" in page and "reading" in page
    for secret in (MARKER, "187/95", "12.9-mmol"):
        assert secret not in page

    # The plain-text report (what AdminEmailHandler sends), built from a live traceback.
    request = RequestFactory().post("/x/", {"bp": "187/95"})
    reading = request.POST["bp"]  # noqa: F841  (a local of the failing frame)
    try:
        raise ValueError("probe")
    except ValueError as exc:
        reporter_class = get_exception_reporter_class(request)
        assert issubclass(reporter_class, ExceptionReporter)
        text = reporter_class(request, type(exc), exc, exc.__traceback__).get_traceback_text()
    assert "ValueError" in text and "187/95" not in text
