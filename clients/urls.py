"""URLs of the clients app (namespace ``clients``)."""

from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("team/", views.team_client_list, name="team"),
    path("icd10/", views.icd10_search, name="icd10-search"),
    path("<uuid:public_id>/", views.client_detail, name="detail"),
    path("<uuid:public_id>/reassign/", views.client_reassign, name="reassign"),
    path("<uuid:public_id>/consents/new/", views.consent_create, name="consent-create"),
    path(
        "<uuid:public_id>/consents/<uuid:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent-withdraw",
    ),
    path("<uuid:public_id>/declarations/new/", views.declaration_create, name="declaration-create"),
    path("<uuid:public_id>/health/", views.health_file, name="health-file"),
    path("<uuid:public_id>/health/export.csv", views.health_export, name="health-export"),
    path(
        "documents/<uuid:public_id>/download/",
        views.document_download,
        name="document-download",
    ),
]
