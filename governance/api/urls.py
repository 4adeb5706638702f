"""Governance routes under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from governance.api import views

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("vendors", views.VendorViewSet, basename="vendor")
router.register("tokens", views.PersonalTokenViewSet, basename="token")
router.register("systems", views.SystemViewSet, basename="system")
router.register("versions", views.VersionViewSet, basename="version")
router.register("ledger/events", views.LedgerEventViewSet, basename="ledger-event")

urlpatterns = [
    path("", include("governance.api.records_urls")),
    path("", include("governance.api.board_urls")),
    path("ledger/verify/", views.LedgerVerifyView.as_view(), name="ledger-verify"),
    *router.urls,
]
