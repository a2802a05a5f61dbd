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
    path(
        "referrals/<uuid:public_id>/letter.pdf",
        views.referral_letter_pdf,
        name="referral-letter-pdf",
    ),
    path("referrals/<uuid:public_id>/<slug:move>/", views.referral_move, name="referral-move"),
    path("review/", views.review_queue, name="review-queue"),
    # Issue 8: decide, emergencies, health file, follow-ups.
    path("cases/<uuid:public_id>/decision/", views.decision_propose, name="decision-propose"),
    path("cases/<uuid:public_id>/product/", views.case_product, name="case-product"),
    path("decisions/<uuid:public_id>/", views.decision_detail, name="decision-detail"),
    path("decisions/<uuid:public_id>/approve/", views.decision_approve, name="decision-approve"),
    path(
        "decisions/<uuid:public_id>/send-back/",
        views.decision_send_back,
        name="decision-send-back",
    ),
    path("decisions/<uuid:public_id>/review/", views.decision_review, name="decision-review"),
    path(
        "decisions/<uuid:public_id>/explanation/",
        views.decision_explanation,
        name="decision-explanation",
    ),
    path(
        "decisions/<uuid:public_id>/explanation.pdf",
        views.decision_explanation_pdf,
        name="decision-explanation-pdf",
    ),
    path("emergencies/", views.emergency_list, name="emergency-list"),
    path("emergencies/<uuid:public_id>/", views.emergency_detail, name="emergency-detail"),
    path(
        "emergencies/<uuid:public_id>/steps/<int:step_id>/",
        views.emergency_step,
        name="emergency-step",
    ),
    path("emergencies/<uuid:public_id>/close/", views.emergency_close, name="emergency-close"),
    path("clients/<uuid:client_id>/health-file/", views.health_file, name="health-file"),
    path("follow-ups/", views.follow_up_inbox, name="follow-up-inbox"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow-up-done"),
]
