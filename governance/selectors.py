"""Reads scoped to the caller: a user sees their organizations, a vendor token its own systems."""

from django.db.models import QuerySet

from governance.actors import is_vendor
from governance.models import (
    AISystem,
    ApiToken,
    LedgerEvent,
    Membership,
    ModelVersion,
    Organization,
    Vendor,
)


def organization_list(*, actor) -> QuerySet[Organization]:
    """Organizations the user is a member of; none for a vendor token."""
    if is_vendor(actor):
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=actor).distinct()


def membership_get(*, actor, organization: Organization) -> Membership | None:
    """The user's membership in the organization, or None (vendor tokens have none)."""
    if is_vendor(actor) or not getattr(actor, "is_authenticated", False):
        return None
    return Membership.objects.filter(user=actor, organization=organization).first()


def membership_list(*, actor) -> QuerySet[Membership]:
    """Members of the organizations the user belongs to."""
    return (
        Membership.objects.filter(organization__in=organization_list(actor=actor))
        .select_related("user", "organization")
        .order_by("organization__name", "user__email")
    )


def vendor_list(*, actor) -> QuerySet[Vendor]:
    """Vendors of the user's organizations; a vendor token sees only itself."""
    if is_vendor(actor):
        return Vendor.objects.filter(pk=actor.vendor.pk).select_related("organization")
    return Vendor.objects.filter(organization__memberships__user=actor).select_related(
        "organization"
    )


def system_list(*, actor) -> QuerySet[AISystem]:
    """Systems of the user's organizations, or the systems a vendor supplies."""
    qs = AISystem.objects.select_related("organization", "vendor")
    if is_vendor(actor):
        return qs.filter(vendor=actor.vendor)
    return qs.filter(organization__memberships__user=actor)


def version_list(*, actor, system: AISystem | None = None) -> QuerySet[ModelVersion]:
    """Model versions of the systems the caller can see."""
    qs = ModelVersion.objects.filter(system__in=system_list(actor=actor)).select_related(
        "system__organization", "system__vendor"
    )
    if system is not None:
        qs = qs.filter(system=system)
    return qs


def token_list(*, actor) -> QuerySet[ApiToken]:
    """The user's own personal tokens."""
    if is_vendor(actor):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=actor)


def vendor_token_list(*, vendor: Vendor) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(vendor=vendor)


def ledger_event_list(*, actor) -> QuerySet[LedgerEvent]:
    """Ledger events of the user's organizations."""
    return LedgerEvent.objects.filter(organization__in=organization_list(actor=actor)).order_by(
        "organization_id", "seq"
    )
