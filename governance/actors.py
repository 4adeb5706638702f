"""Who is acting: a signed-in user, or a vendor acting through a vendor token."""

from dataclasses import dataclass

from governance.models import ApiToken, Organization, Vendor


@dataclass(frozen=True, eq=False)
class VendorActor:
    """The principal of a request made with a vendor token.

    It quacks like an authenticated user for DRF's permission checks, but it is never a member of
    any organization: it acts only for its vendor, on the systems that vendor supplies.
    """

    vendor: Vendor
    token: ApiToken

    is_vendor = True
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    @property
    def pk(self):
        return self.vendor.pk

    @property
    def organization(self) -> Organization:
        return self.vendor.organization

    def __str__(self) -> str:
        return f"vendor {self.vendor.name}"


def is_vendor(actor: object) -> bool:
    return bool(getattr(actor, "is_vendor", False))
