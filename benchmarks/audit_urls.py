"""URLs for benchmarks/bench_audit.py: the project's, plus a health-data-like page.

The page does what a client health page does apart from decryption: session and permission
middleware, a scoped lookup, a query for 20 observation-like rows and the full site layout.
The audited variant adds exactly its one read event.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.models import Permission
from django.http import HttpRequest, HttpResponse
from django.template import RequestContext, Template
from django.urls import path

from healthcheck import urls as project_urls
from healthcheck.core import audit
from healthcheck.core.models import User

handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

PAGE = Template(
    """{% extends "base.html" %}{% block content %}<h2>{{ subject.username }}</h2>
<table class="table">{% for codename, name in rows %}<tr><td>{{ codename }}</td><td>{{ name }}</td>
<td>{{ forloop.counter }}</td></tr>{% endfor %}</table>{% endblock %}"""
)


def _page(request: HttpRequest, client_id: uuid.UUID, *, audited: bool) -> HttpResponse:
    subject = User.objects.filter(pk=request.user.pk).only("id", "username").get()
    rows = list(Permission.objects.order_by("id").values_list("codename", "name")[:20])
    if audited:
        audit.record_read(request.user, client_id, "observations", "benchmark")
    return HttpResponse(PAGE.render(RequestContext(request, {"subject": subject, "rows": rows})))


def plain(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    return _page(request, client_id, audited=False)


def audited(request: HttpRequest, client_id: uuid.UUID) -> HttpResponse:
    return _page(request, client_id, audited=True)


urlpatterns = [
    *project_urls.urlpatterns,
    path("bench/health/plain/<uuid:client_id>/", plain),
    path("bench/health/audited/<uuid:client_id>/", audited),
]
