"""The AI-system inventory: systems, their regulatory screening and model versions."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from governance.models.base import TimeStampedModel
from governance.models.organizations import Organization, Vendor

LABEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,39}$")
RESERVED_LABELS = frozenset({"flagged"})


class Modality(models.TextChoices):
    TEXT = "text", "Text"
    VOICE = "voice", "Voice"
    FACIAL = "facial", "Facial expressions"
    PHYSIOLOGICAL = "physiological", "Physiological signals"
    MULTIMODAL = "multimodal", "Multimodal"


class Subjects(models.TextChoices):
    CUSTOMERS = "customers", "Customers"
    EMPLOYEES = "employees", "Employees"
    JOB_APPLICANTS = "job_applicants", "Job applicants"
    STUDENTS = "students", "Students"
    PATIENTS = "patients", "Patients"
    PUBLIC = "public", "Members of the public"


class Context(models.TextChoices):
    CUSTOMER_SERVICE = "customer_service", "Customer service"
    MARKETING = "marketing", "Marketing"
    HR = "hr", "Human resources"
    EDUCATION = "education", "Education"
    HEALTHCARE = "healthcare", "Healthcare"
    OTHER = "other", "Other"


class SystemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    DEPLOYED = "deployed", "Deployed"
    SUSPENDED = "suspended", "Suspended"
    RETIRED = "retired", "Retired"


class ScreeningCategory(models.TextChoices):
    PROHIBITED = "prohibited", "Prohibited"
    HIGH_RISK = "high_risk", "High-risk"
    MINIMAL_RISK = "minimal_risk", "Minimal risk under the AI Act"


class AISystem(TimeStampedModel):
    """An AI system the organization uses, with its derived regulatory screening."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="systems")
    name = models.CharField(max_length=200)
    purpose = models.TextField()
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, null=True, blank=True, related_name="systems"
    )
    modality = models.CharField(max_length=16, choices=Modality)
    subjects = models.CharField(max_length=16, choices=Subjects)
    context = models.CharField(max_length=20, choices=Context)
    medical_or_safety_purpose = models.BooleanField(default=False)
    decides_about_people = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=SystemStatus, default=SystemStatus.DRAFT)
    owner_of_record = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_systems",
    )
    screening = models.JSONField(default=dict, blank=True)
    screening_category = models.CharField(
        max_length=16, choices=ScreeningCategory, default=ScreeningCategory.MINIMAL_RISK
    )
    screened_at = models.DateTimeField(null=True, blank=True)
    # A legal hold keeps the system's prediction rows past their retention (litigation, inquiry).
    legal_hold = models.BooleanField(default=False)
    legal_hold_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="%(app_label)s_%(class)s_name_unique_in_org"
            ),
            models.CheckConstraint(
                condition=Q(modality__in=Modality.values),
                name="%(app_label)s_%(class)s_modality_valid",
            ),
            models.CheckConstraint(
                condition=Q(subjects__in=Subjects.values),
                name="%(app_label)s_%(class)s_subjects_valid",
            ),
            models.CheckConstraint(
                condition=Q(context__in=Context.values),
                name="%(app_label)s_%(class)s_context_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SystemStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(screening_category__in=ScreeningCategory.values),
                name="%(app_label)s_%(class)s_screening_category_valid",
            ),
            # The AI Act's prohibition is a hard stop: no approval or deployment (Art. 5(1)(f)).
            models.CheckConstraint(
                condition=~Q(screening_category=ScreeningCategory.PROHIBITED)
                | ~Q(status__in=[SystemStatus.APPROVED, SystemStatus.DEPLOYED]),
                name="%(app_label)s_%(class)s_prohibited_never_deployed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.vendor_id and self.vendor.organization_id != self.organization_id:
            raise ValidationError({"vendor": "The vendor belongs to another organization."})


class VersionStatus(models.TextChoices):
    REGISTERED = "registered", "Registered"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    DEPLOYED = "deployed", "Deployed"
    SUSPENDED = "suspended", "Suspended"
    RETIRED = "retired", "Retired"


class ModelVersion(TimeStampedModel):
    """One version of a system's model, with its output labels and the labels that flag a person."""

    system = models.ForeignKey(AISystem, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(max_length=64)
    labels = models.JSONField()
    flagged_labels = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)
    artifact_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=16, choices=VersionStatus, default=VersionStatus.REGISTERED
    )
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["system__name", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "version"], name="%(app_label)s_%(class)s_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=VersionStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system} {self.version}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        labels = self.labels
        if not isinstance(labels, list) or not labels:
            errors["labels"] = "Give at least one output label."
        else:
            bad = [
                str(lab)
                for lab in labels
                if not isinstance(lab, str)
                or not LABEL_PATTERN.match(lab)
                or lab in RESERVED_LABELS
            ]
            if bad:
                errors["labels"] = (
                    f"Labels must be lowercase letters, digits, '_' or '-' (at most 40), and not "
                    f"'flagged': {', '.join(bad)}."
                )
            elif len(set(labels)) != len(labels):
                errors["labels"] = "Labels must be unique."
            elif len(labels) < 2:
                errors["labels"] = "A classifier needs at least two output labels."
        flagged = self.flagged_labels
        if not isinstance(flagged, list) or not all(isinstance(f, str) for f in flagged):
            errors["flagged_labels"] = "Flagged labels must be a list of label names."
        elif isinstance(labels, list) and "labels" not in errors:
            unknown = [f for f in flagged if f not in labels]
            if unknown:
                errors["flagged_labels"] = (
                    f"Flagged labels must be among the labels: {', '.join(unknown)}."
                )
            elif len(set(flagged)) != len(flagged):
                errors["flagged_labels"] = "Flagged labels must be unique."
        if self.artifact_sha256 and not re.fullmatch(r"[0-9a-f]{64}", self.artifact_sha256):
            errors["artifact_sha256"] = "artifact_sha256 must be 64 lowercase hex digits."
        if errors:
            raise ValidationError(errors)
