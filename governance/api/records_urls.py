"""Routes of the records API under /api/v1/ (included from governance/api/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from governance.api import records_views as views

router = SimpleRouter()
router.register("questionnaires", views.QuestionnaireViewSet, basename="questionnaire")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register(
    "processing-activities", views.ProcessingActivityViewSet, basename="processing-activity"
)
router.register("consent-policies", views.ConsentPolicyViewSet, basename="consent-policy")
router.register("consent-records", views.ConsentRecordViewSet, basename="consent-record")

# The export paths are pinned without a trailing slash, so they come before the router's.
urlpatterns = [
    path(
        "processing-activities/export.csv",
        views.RegisterCsvView.as_view(),
        name="processing-activity-export-csv",
    ),
    path(
        "processing-activities/export.pdf",
        views.RegisterPdfView.as_view(),
        name="processing-activity-export-pdf",
    ),
    *router.urls,
]
