"""GDPR records: the Art. 30 record of processing, consent policies and consent records."""

from django.db import models
from django.db.models import Q

from governance.models.base import FrozenAfterStatusMixin, ImmutableModel, TimeStampedModel
from governance.models.organizations import Organization
from governance.models.systems import AISystem

PUBLISHED_IMMUTABLE = "A published consent policy version is immutable: a change is a new version."


class LegalBasis(models.TextChoices):
    """GDPR Art. 6(1)."""

    NONE = "", "Not recorded"
    CONSENT = "consent", "Consent (Art. 6(1)(a))"
    CONTRACT = "contract", "Contract (Art. 6(1)(b))"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (Art. 6(1)(c))"
    VITAL_INTERESTS = "vital_interests", "Vital interests (Art. 6(1)(d))"
    PUBLIC_TASK = "public_task", "Public task (Art. 6(1)(e))"
    LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests (Art. 6(1)(f))"


class SpecialCategoryBasis(models.TextChoices):
    """GDPR Art. 9(2)."""

    NONE = "", "None recorded"
    EXPLICIT_CONSENT = "explicit_consent", "Explicit consent (Art. 9(2)(a))"
    EMPLOYMENT = "employment", "Employment and social security law (Art. 9(2)(b))"
    VITAL_INTERESTS = "vital_interests", "Vital interests (Art. 9(2)(c))"
    MADE_PUBLIC = "made_public", "Made public by the person (Art. 9(2)(e))"
    LEGAL_CLAIMS = "legal_claims", "Legal claims (Art. 9(2)(f))"
    PUBLIC_INTEREST = "substantial_public_interest", "Substantial public interest (Art. 9(2)(g))"
    HEALTH_CARE = "health_care", "Health or social care (Art. 9(2)(h))"
    PUBLIC_HEALTH = "public_health", "Public health (Art. 9(2)(i))"
    RESEARCH = "research", "Archiving, research or statistics (Art. 9(2)(j))"


class ProcessingActivity(TimeStampedModel):
    """One entry of the organization's record of processing activities (GDPR Art. 30(1))."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="processing_activities"
    )
    name = models.CharField(max_length=200)
    controller_name = models.CharField(max_length=200)
    controller_contact = models.CharField(max_length=300)
    dpo_contact = models.CharField(max_length=300, blank=True)
    purposes = models.JSONField(default=list, blank=True)
    legal_basis = models.CharField(max_length=24, choices=LegalBasis, blank=True)
    special_category_basis = models.CharField(
        max_length=32, choices=SpecialCategoryBasis, blank=True
    )
    special_category_necessity = models.TextField(blank=True)
    data_subject_categories = models.JSONField(default=list, blank=True)
    personal_data_categories = models.JSONField(default=list, blank=True)
    processes_inferred_emotions = models.BooleanField(default=True)
    recipients = models.JSONField(default=list, blank=True)
    third_country_transfers = models.JSONField(default=list, blank=True)
    transfer_safeguards = models.TextField(blank=True)
    retention = models.TextField(blank=True)
    security_measures = models.TextField(blank=True)
    automated_decision_making = models.BooleanField(default=False)
    systems = models.ManyToManyField(AISystem, blank=True, related_name="processing_activities")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="%(app_label)s_%(class)s_name_unique_in_org"
            ),
            models.CheckConstraint(
                condition=Q(legal_basis__in=LegalBasis.values),
                name="%(app_label)s_%(class)s_legal_basis_valid",
            ),
            models.CheckConstraint(
                condition=Q(special_category_basis__in=SpecialCategoryBasis.values),
                name="%(app_label)s_%(class)s_special_category_basis_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def relies_on_consent(self) -> bool:
        return (
            self.legal_basis == LegalBasis.CONSENT
            or self.special_category_basis == SpecialCategoryBasis.EXPLICIT_CONSENT
        )


class ConsentPolicyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class ConsentPolicy(FrozenAfterStatusMixin, TimeStampedModel):
    """One version of a consent text shown to people; immutable once published."""

    frozen_statuses = frozenset({ConsentPolicyStatus.PUBLISHED})
    frozen_message = PUBLISHED_IMMUTABLE

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="consent_policies"
    )
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    text = models.TextField()
    purposes = models.JSONField(default=list, blank=True)
    explicit = models.BooleanField(
        default=True, help_text="Explicit consent for special-category data (GDPR Art. 9(2)(a))."
    )
    systems = models.ManyToManyField(AISystem, blank=True, related_name="consent_policies")
    effective_from = models.DateField()
    status = models.CharField(
        max_length=16, choices=ConsentPolicyStatus, default=ConsentPolicyStatus.DRAFT
    )
    text_sha256 = models.CharField(max_length=64)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name", "version"],
                name="%(app_label)s_%(class)s_version_unique",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ConsentPolicyStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status=ConsentPolicyStatus.DRAFT) | Q(published_at__isnull=False),
                name="%(app_label)s_%(class)s_published_at_once_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ConsentAction(models.TextChoices):
    GRANTED = "granted", "Granted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ConsentRecord(ImmutableModel):
    """A person's grant or withdrawal under one policy version; append-only (GDPR Art. 7(1))."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="consent_records"
    )
    policy = models.ForeignKey(ConsentPolicy, on_delete=models.PROTECT, related_name="records")
    # Keyed HMAC of the person's reference; the raw reference is never stored.
    subject_ref = models.CharField(max_length=64, db_index=True)
    action = models.CharField(max_length=16, choices=ConsentAction)
    at = models.DateTimeField()
    channel = models.CharField(max_length=100)
    evidence = models.TextField(blank=True)
    recorded_by = models.CharField(max_length=80)

    class Meta:
        ordering = ["-at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=ConsentAction.values),
                name="%(app_label)s_%(class)s_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.policy} at {self.at:%Y-%m-%d %H:%M}"
