"""Test-only URLconf: the app's URLs plus probes that only tests need (a view that fails, an
upload sink, a page with inline scripts). Selected with ``@pytest.mark.urls("tests.urls")``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from healthcheck.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


class ProbeFailure(RuntimeError):
    """Raised by the failing view; its message carries no request data."""


@csrf_exempt
@login_not_required
def failing_view(request: HttpRequest) -> HttpResponse:
    raise ProbeFailure("the failing test view failed")


@csrf_exempt
@login_not_required
def failing_view_holding_values(request: HttpRequest) -> HttpResponse:
    """Fails while a local variable holds what was posted and uploaded, as a parser would."""
    reading = request.POST.get("bp", "")
    upload = request.FILES.get("report")
    content = upload.read().decode() if upload else ""
    raise ProbeFailure(f"the failing test view failed with {len(reading) + len(content)} chars")


@csrf_exempt
@login_not_required
def upload_sink(request: HttpRequest) -> JsonResponse:
    """Report what reached the view of an upload: file sizes, and whether one was cut off."""
    sizes = [upload.size for upload in request.FILES.getlist("file")]
    return JsonResponse(
        {"sizes": sizes, "too_large": bool(getattr(request, "upload_too_large", False))}
    )


@login_not_required
def inline_script_page(request: HttpRequest) -> HttpResponse:
    """A page with one inline script lacking the nonce and one carrying it."""
    return render(request, "tests/inline_scripts.html")


urlpatterns = [
    path("test/fail/", failing_view),
    path("test/fail-holding-values/", failing_view_holding_values),
    path("test/upload/", upload_sink),
    path("test/inline-scripts/", inline_script_page),
    *urlpatterns,
]
