"""Role checks. Visibility (404) is the selectors' job; these raise 403 for a missing role."""

from collections.abc import Iterable

from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied

from governance.actors import is_vendor
from governance.models import AISystem, Membership, Organization, Role
from governance.selectors import membership_get

VENDOR_FORBIDDEN = "A vendor token cannot do this; sign in as a member of the organization."
ROLE_REQUIRED = "This needs the {roles} role in {organization}."
OWNER = frozenset({Role.OWNER})
BOARD = frozenset({Role.OWNER, Role.REVIEWER})
ANY_MEMBER = frozenset({Role.OWNER, Role.REVIEWER, Role.VIEWER})


def require_role(*, actor, organization: Organization, roles: Iterable[str]) -> Membership:
    """The actor's membership if its role is allowed; 403 otherwise."""
    roles = frozenset(roles)
    if is_vendor(actor):
        raise PermissionDenied(VENDOR_FORBIDDEN)
    membership = membership_get(actor=actor, organization=organization)
    if membership is None or membership.role not in roles:
        names = " or ".join(sorted(Role(r).label.lower() for r in roles))
        raise PermissionDenied(ROLE_REQUIRED.format(roles=names, organization=organization.name))
    return membership


def require_owner_or_system_vendor(*, actor, system: AISystem) -> None:
    """Owners of the system's organization, or the vendor that supplies it."""
    if is_vendor(actor):
        if system.vendor_id != actor.vendor.pk:
            raise PermissionDenied(VENDOR_FORBIDDEN)
        return
    require_role(actor=actor, organization=system.organization, roles=OWNER)


class NotVendor(permissions.BasePermission):
    """Endpoints only people use (board, governance records, tokens)."""

    message = VENDOR_FORBIDDEN

    def has_permission(self, request, view) -> bool:
        return not is_vendor(request.user)
