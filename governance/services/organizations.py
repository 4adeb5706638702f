"""Organizations, members, vendors and tokens: every write with its ledger event."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.exceptions import DomainError
from governance.ledger import event_record
from governance.models import ApiToken, Membership, Organization, Role, Vendor
from governance.permissions import OWNER, require_role
from governance.tokens import IssuedToken, hash_token, new_secret

TOKEN_ALREADY_REVOKED = "This token was already revoked."
EXPIRY_IN_PAST = "expires_at must be in the future."
LAST_OWNER = "An organization must keep at least one owner."

User = get_user_model()


def _user_for_email(email: str) -> "User":
    email = User.objects.normalize_email(email).strip()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(username=email.lower(), email=email)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    return user


def _issue(
    *, user=None, vendor: Vendor | None = None, label: str, expires_at: datetime | None
) -> IssuedToken:
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": EXPIRY_IN_PAST})
    secret = new_secret()
    token = ApiToken(
        user=user,
        vendor=vendor,
        label=label,
        prefix=secret[:12],
        token_hash=hash_token(secret),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def organization_create(*, name: str, owner_email: str) -> tuple[Organization, IssuedToken]:
    """A new tenant with its first owner (created if needed) and a personal token for them."""
    organization = Organization(name=name.strip())
    organization.full_clean()
    organization.save()
    owner = _user_for_email(owner_email)
    membership = Membership(user=owner, organization=organization, role=Role.OWNER)
    membership.full_clean()
    membership.save()
    event_record(
        organization=organization, actor=owner, verb="organization.created", target=organization
    )
    event_record(
        organization=organization,
        actor=owner,
        verb="membership.created",
        target=membership,
        payload={"role": membership.role},
    )
    issued = _issue(user=owner, label="bootstrap", expires_at=None)
    event_record(organization=organization, actor=owner, verb="token.issued", target=issued.token)
    return organization, issued


@transaction.atomic
def membership_add(
    *, actor, organization: Organization, email: str, role: str, vendor: Vendor | None = None
) -> Membership:
    """Add a person to the organization (owners only); the user is created if new."""
    require_role(actor=actor, organization=organization, roles=OWNER)
    user = _user_for_email(email)
    if vendor is not None and vendor.organization_id != organization.pk:
        raise ValidationError({"vendor_affiliation": "The vendor belongs to another organization."})
    if Membership.objects.filter(user=user, organization=organization).exists():
        raise DomainError(
            "This person is already a member of the organization.", code="already_member"
        )
    membership = Membership(
        user=user, organization=organization, role=role, vendor_affiliation=vendor
    )
    membership.full_clean()
    membership.save()
    event_record(
        organization=organization,
        actor=actor,
        verb="membership.created",
        target=membership,
        payload={"role": role, "vendor_affiliation": str(vendor.pk) if vendor else None},
    )
    return membership


@transaction.atomic
def membership_change_role(*, actor, membership: Membership, role: str) -> Membership:
    """Change a member's role (owners only); the last owner cannot be demoted."""
    require_role(actor=actor, organization=membership.organization, roles=OWNER)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if (
        membership.role == Role.OWNER
        and role != Role.OWNER
        and not Membership.objects.filter(organization=membership.organization, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise DomainError(LAST_OWNER, code="last_owner")
    previous = membership.role
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role", "updated_at"])
    event_record(
        organization=membership.organization,
        actor=actor,
        verb="membership.role_changed",
        target=membership,
        payload={"from": previous, "to": role},
    )
    return membership


@transaction.atomic
def vendor_create(
    *, actor, organization: Organization, name: str, contact_email: str = ""
) -> Vendor:
    """Register a model supplier (owners only)."""
    require_role(actor=actor, organization=organization, roles=OWNER)
    vendor = Vendor(organization=organization, name=name.strip(), contact_email=contact_email)
    vendor.full_clean()
    vendor.save()
    event_record(organization=organization, actor=actor, verb="vendor.created", target=vendor)
    return vendor


@transaction.atomic
def vendor_token_issue(
    *, actor, vendor: Vendor, label: str = "", expires_at: datetime | None = None
) -> IssuedToken:
    """A new token for the vendor (owners only); the secret is returned once."""
    require_role(actor=actor, organization=vendor.organization, roles=OWNER)
    issued = _issue(vendor=vendor, label=label, expires_at=expires_at)
    event_record(
        organization=vendor.organization,
        actor=actor,
        verb="token.issued",
        target=issued.token,
        payload={"vendor": str(vendor.pk)},
    )
    return issued


@transaction.atomic
def personal_token_issue(
    *, user, label: str = "", expires_at: datetime | None = None
) -> IssuedToken:
    """A new personal token for the signed-in user; recorded in each of their organizations."""
    issued = _issue(user=user, label=label, expires_at=expires_at)
    for organization in Organization.objects.filter(memberships__user=user):
        event_record(
            organization=organization, actor=user, verb="token.issued", target=issued.token
        )
    return issued


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token: a personal one by its user, a vendor one by an owner of the organization."""
    token = (
        ApiToken.objects.select_for_update(of=("self",))
        .select_related("vendor__organization")
        .get(pk=token.pk)
    )
    if token.vendor_id is not None:
        require_role(actor=actor, organization=token.vendor.organization, roles=OWNER)
        organizations = [token.vendor.organization]
    else:
        organizations = list(Organization.objects.filter(memberships__user=token.user))
    if token.revoked_at is not None:
        raise DomainError(TOKEN_ALREADY_REVOKED, code="already_revoked")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    for organization in organizations:
        event_record(organization=organization, actor=actor, verb="token.revoked", target=token)
    return token
