"""Request-level middleware: context, input guards, language, second factor, cache headers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import structlog
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django_otp import user_has_device

from healthcheck.core import context
from healthcheck.core.security import client_ip

Handler = Callable[[HttpRequest], HttpResponse]
_ALLOWED_METHODS = frozenset({"GET", "HEAD", "POST"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Give every request an id and resolve its client IP once, for logs and audit."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        # Only a trusted proxy may name the request id; otherwise we mint one.
        trusted = settings.TRUSTED_PROXY_COUNT > 0 and _REQUEST_ID.match(incoming)
        request_id = incoming if trusted else uuid.uuid4().hex
        ctx = context.RequestContext(
            request_id=request_id,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )
        token = context.set_current(ctx)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestGuardMiddleware:
    """Refuse what no view should see: unused methods (405), NUL bytes in the address (400),
    oversize bodies (413).

    Runs before any view so that a malformed request is answered 4xx instead of surfacing as a
    database error (PostgreSQL refuses NUL in text) and a 500. A NUL in a POSTed form field is
    not refused here: the form re-renders with a field error and keeps the rest of the input
    (every Django ``CharField`` carries ``ProhibitNullCharactersValidator``); views that read a
    POST value without a form discard values with a NUL themselves.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in _ALLOWED_METHODS:
            response = HttpResponse(status=405)
            response["Allow"] = ", ".join(sorted(_ALLOWED_METHODS))
            return response
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit():
            return _bad_request(request)
        if int(length) > settings.MAX_REQUEST_BYTES:
            return HttpResponse("Request too large", status=413, content_type="text/plain")
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return _bad_request(request)
        if _has_nul(request.GET):
            return _bad_request(request)
        return self.get_response(request)


def _bad_request(request: HttpRequest) -> HttpResponse:
    """The styled, translated 400 page (the guard runs before the session and language)."""
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        response = render(request, "400.html", status=400)
    response["Content-Language"] = language
    return response


def _static_prefix() -> str:
    return "/" + settings.STATIC_URL.lstrip("/")


def _has_nul(data) -> bool:  # type: ignore[no-untyped-def]
    for key, values in data.lists():
        if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values):
            return True
    return False


class LanguageMiddleware:
    """Pick the UI language: the user's saved choice, else the cookie, else Simplified Chinese.

    The browser's Accept-Language is deliberately ignored: bank staff get the bank's language
    unless they choose otherwise, and a choice sticks to the user across browsers.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supported = {code for code, _ in settings.LANGUAGES}
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        if language not in supported:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in supported:
            language = settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        # override, not activate: the language must not outlive the request on this thread.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class SecondFactorMiddleware:
    """A logged-in user must pass the second factor before anything but the OTP pages: every
    user where OTP_REQUIRED (production), and everywhere a user who has a device (a password
    alone must not open an account that has a second factor)."""

    _open_names = ("otp-verify", "logout", "healthz", "set-language")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_static_prefix())
            and request.path not in {reverse(name) for name in self._open_names}
            and (settings.OTP_REQUIRED or user_has_device(user))
        ):
            return redirect("otp-verify")
        return self.get_response(request)


class NoStoreMiddleware:
    """Client data must never sit in a browser or proxy cache: no-store on every dynamic page."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(_static_prefix()):
            response["Cache-Control"] = "no-store"
            response.headers.setdefault("Pragma", "no-cache")
        return response


class NonceCSPMiddleware(ContentSecurityPolicyMiddleware):
    """Django's CSP middleware, with the nonce always minted so every response's policy names
    one (Django leaves it out when no template asked for it)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        str(request._csp_nonce)  # type: ignore[attr-defined]


class NotFoundPageMiddleware:
    """Answer a view's 404 with the application's own page, also in the embedded profile.

    With DEBUG on, Django would render its technical 404 page, which lists the site's URL
    patterns; the demo runs with DEBUG on, so an out-of-portfolio lookup would show it to staff.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, Http404):
            return None
        from healthcheck.core.views import page_not_found

        return page_not_found(request, exception)
