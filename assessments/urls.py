"""URLs of the assessments app (namespace ``assessments``)."""

from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("clients/<uuid:client_id>/cases/", views.case_list, name="case-list"),
    path("cases/<uuid:public_id>/", views.case_detail, name="case-detail"),
    path("cases/<uuid:public_id>/action/", views.case_action, name="case-action"),
    path("cases/<uuid:public_id>/refer/", views.referral_create, name="referral-create"),
    path("cases/<uuid:public_id>/results/", views.results_entry, name="results"),
    path("cases/<uuid:public_id>/results/fhir/", views.results_fhir, name="results-fhir"),
    path("cases/<uuid:public_id>/results/files/", views.results_files, name="results-files"),
    path("cases/<uuid:public_id>/client-report/", views.client_report, name="client-report"),
    path("cases/<uuid:public_id>/review/", views.review_detail, name="review-detail"),
    path("assessments/<uuid:public_id>/", views.assessment_detail, name="assessment-detail"),
    path("referrals/<uuid:public_id>/", views.referral_detail, name="referral-detail"),
    path("referrals/<uuid:public_id>/letter/", views.referral_letter, name="referral-letter"),
    path("referrals/<uuid:public_id>/<slug:move>/", views.referral_move, name="referral-move"),
    path("review/", views.review_queue, name="review-queue"),
]
