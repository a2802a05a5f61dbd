"""Views of the core app: login and second factor, role home pages, language, health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, permission_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from healthcheck.core import audit
from healthcheck.core.forms import VerifyTokenForm
from healthcheck.core.roles import HOME_URL_NAMES, roles_of


class LoginView(auth_views.LoginView):
    """Password step. A user with a TOTP device (or any user where OTP is required) continues
    to the code step before reaching any page."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        user = form.get_user()
        if user.language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        if user_has_device(user) or settings.OTP_REQUIRED:
            query = urlencode({"next": self.get_success_url()})
            return redirect(f"{reverse('otp-verify')}?{query}")
        return response


@never_cache
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Second step of login: check a TOTP or backup code on the device the user chose.

    A TOTP code is refused when its time step is not after the last accepted one (django-otp's
    ``last_t``), so a code cannot be replayed (case B24); a backup code works once.
    """
    if not user_has_device(request.user):
        messages.error(
            request, _("A second factor is required. Ask an administrator to enrol one.")
        )
        return render(request, "registration/otp_missing.html", status=403)
    form = VerifyTokenForm(request.user, request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.get_user().otp_device)
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
            target = reverse("home")
        return redirect(target)
    return render(request, "registration/otp_verify.html", {"form": form})


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to their role's home page."""
    held = roles_of(request.user)
    for role, url_name in HOME_URL_NAMES:
        if role in held:
            return redirect(url_name)
    return render(request, "core/no_role.html", status=403)


def _dashboard(template: str, title: str):  # type: ignore[no-untyped-def]
    def view(request: HttpRequest) -> HttpResponse:
        return render(request, template, {"title": title})

    return view


# The other roles' home pages are the dashboards of ``assessments/dashboards.py`` (routed in
# ``healthcheck/urls.py``: the core app never imports the apps above it).
home_admin = permission_required("core.view_admin_dashboard", raise_exception=True)(
    _dashboard("core/home_admin.html", "admin")
)


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; the choice is saved on the user so that it sticks."""
    language = request.POST.get("language", "")
    target = request.POST.get("next", "")
    if "\x00" in target or not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("home")
    response = redirect(target)
    if language not in {code for code, _name in settings.LANGUAGES}:
        return response
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Load-balancer probe: 200 when the database and the broker answer, else 503."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    status = 200 if all(value in {"ok", "eager"} for value in checks.values()) else 503
    return JsonResponse(checks, status=status)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def _check_broker() -> str:
    from healthcheck.celery import app

    if app.conf.task_always_eager:
        return "eager"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403 page; the refusal is audited (and survives the view's rolled-back transaction).

    A missing consent (``clients.gate.ConsentRequired``, already audited by the gate) gets the
    consent page with its clear message and a link to record consent.
    """
    from clients.gate import ConsentRequired

    if isinstance(exception, ConsentRequired):
        return render(
            request, "clients/consent_required.html", {"client": exception.client}, status=403
        )
    match = getattr(request, "resolver_match", None)
    audit.record_denied(
        actor=getattr(request, "user", None) or audit.SystemActor.ANONYMOUS,
        action=audit.AuditAction.ACCESS_DENIED,
        view=match.view_name[:200] if match and match.view_name else "",
        path=request.path[:200],
        method=request.method or "",
    )
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without context processors: they may need the database that just failed.
    body = loader.get_template("500.html").render(
        {"request_id": getattr(request, "request_id", "")}
    )
    return HttpResponseServerError(body)
