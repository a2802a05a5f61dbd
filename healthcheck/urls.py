"""Top-level URLs: admin, authentication, role home pages, the apps, and the health probe."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from assessments import dashboards
from healthcheck.core import views as core_views

handler400 = "healthcheck.core.views.bad_request"
handler403 = "healthcheck.core.views.permission_denied"
handler404 = "healthcheck.core.views.page_not_found"
handler500 = "healthcheck.core.views.server_error"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("home/manager/", dashboards.manager_home, name="home-manager"),
    path("home/advisor/", dashboards.advisor_home, name="home-advisor"),
    path("home/approver/", dashboards.approver_home, name="home-approver"),
    path("home/compliance/", dashboards.compliance_home, name="home-compliance"),
    path("home/admin/", core_views.home_admin, name="home-admin"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/verify/", core_views.otp_verify, name="otp-verify"),
    path("language/", core_views.set_language, name="set-language"),
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("compliance/", include("healthcheck.core.compliance")),
    path("clients/", include("clients.urls")),
    path("health-check/", include("assessments.urls")),
]
