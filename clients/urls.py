"""URLs of the clients app (namespace ``clients``)."""

from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path(
        "documents/<uuid:public_id>/download/",
        views.document_download,
        name="document-download",
    ),
]
