"""Routes of the board API under /api/v1/ (included from governance/api/urls.py).

Included before the governance router, so `versions/{id}/suspend/` and `versions/{id}/deploy/`
sit beside the router's `versions/{id}/` without touching its viewset.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from governance.api import board_views as views

router = SimpleRouter()
router.register(
    "deployment-requests", views.DeploymentRequestViewSet, basename="deployment-request"
)

urlpatterns = [
    path(
        "deployment-requests/<uuid:pk>/certificate.pdf",
        views.CertificateView.as_view(),
        name="deployment-request-certificate",
    ),
    path("versions/<uuid:pk>/suspend/", views.VersionSuspendView.as_view(), name="version-suspend"),
    path("versions/<uuid:pk>/deploy/", views.VersionDeployView.as_view(), name="version-deploy"),
    *router.urls,
]
