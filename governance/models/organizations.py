"""Tenants, their members and vendors, and the API tokens that act for them."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from governance.models.base import TimeStampedModel


class Organization(TimeStampedModel):
    """A tenant: one small business and everything it records in Attune."""

    name = models.CharField(max_length=200, unique=True)
    quorum = models.PositiveSmallIntegerField(default=2)
    reaudit_interval_days = models.PositiveIntegerField(default=180)
    retention_days = models.PositiveIntegerField(default=90)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum__gte=1), name="%(app_label)s_%(class)s_quorum_positive"
            ),
            models.CheckConstraint(
                condition=Q(reaudit_interval_days__gte=1),
                name="%(app_label)s_%(class)s_reaudit_interval_positive",
            ),
            models.CheckConstraint(
                condition=Q(retention_days__gte=1),
                name="%(app_label)s_%(class)s_retention_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    REVIEWER = "reviewer", "Review board member"
    VIEWER = "viewer", "Viewer / auditor"


class Membership(TimeStampedModel):
    """A user's role in one organization."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role, default=Role.VIEWER)
    # A member affiliated with a vendor may not sign off that vendor's models (DESIGN.md §8).
    vendor_affiliation = models.ForeignKey(
        "governance.Vendor",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="affiliated_members",
    )

    class Meta:
        ordering = ["organization__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="%(app_label)s_%(class)s_one_per_org"
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="%(app_label)s_%(class)s_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.organization}"


class Vendor(TimeStampedModel):
    """A supplier of AI models to an organization; acts through vendor tokens."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="vendors")
    name = models.CharField(max_length=200)
    contact_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="%(app_label)s_%(class)s_name_unique_in_org"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(TimeStampedModel):
    """A bearer token for a user or a vendor; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, null=True, blank=True, related_name="tokens"
    )
    label = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(vendor__isnull=True))
                | (Q(user__isnull=True) & Q(vendor__isnull=False)),
                name="%(app_label)s_%(class)s_user_xor_vendor",
            ),
        ]

    def __str__(self) -> str:
        owner = f"vendor {self.vendor_id}" if self.vendor_id else f"user {self.user_id}"
        return f"{self.prefix}… ({owner})"
