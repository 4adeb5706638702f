"""Audit routes under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from audits.api import views

router = SimpleRouter()
router.register("batches", views.BatchViewSet, basename="batch")
router.register("audits", views.AuditViewSet, basename="audit")

urlpatterns = [
    path("versions/<uuid:pk>/batches/", views.BatchUploadView.as_view(), name="version-batches"),
    path("audits/<uuid:pk>/report.pdf", views.AuditReportView.as_view(), name="audit-report"),
    path("audits/<uuid:pk>/results.csv", views.AuditResultsCsvView.as_view(), name="audit-csv"),
    *router.urls,
]
