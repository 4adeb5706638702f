"""Versioned questionnaires and the impact assessments scored against them (DESIGN.md §4)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from governance.models.base import FrozenAfterStatusMixin, ImmutableModel, TimeStampedModel
from governance.models.systems import AISystem

SUBMITTED_IMMUTABLE = "A submitted assessment revision is frozen: a change makes a new revision."


class Questionnaire(ImmutableModel):
    """One version of an impact-assessment questionnaire; its questions never change."""

    key = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    data = models.JSONField()
    content_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "version"], name="%(app_label)s_%(class)s_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class ImpactAssessment(FrozenAfterStatusMixin, TimeStampedModel):
    """One revision of a system's impact assessment; answers and score freeze at submission."""

    frozen_statuses = frozenset({AssessmentStatus.SUBMITTED})
    frozen_message = SUBMITTED_IMMUTABLE

    system = models.ForeignKey(AISystem, on_delete=models.PROTECT, related_name="assessments")
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="assessments"
    )
    revision = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=AssessmentStatus, default=AssessmentStatus.DRAFT
    )
    answers = models.JSONField(default=dict, blank=True)
    score = models.JSONField(null=True, blank=True)
    answers_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments_created"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments_submitted",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["system__name", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "revision"], name="%(app_label)s_%(class)s_revision_unique"
            ),
            # At most one open draft per system: edits go to it, or to a new revision.
            models.UniqueConstraint(
                fields=["system"],
                condition=Q(status=AssessmentStatus.DRAFT),
                name="%(app_label)s_%(class)s_one_draft_per_system",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssessmentStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status=AssessmentStatus.DRAFT)
                | (Q(submitted_at__isnull=False) & Q(score__isnull=False) & ~Q(answers_sha256="")),
                name="%(app_label)s_%(class)s_frozen_once_submitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system} assessment r{self.revision} ({self.status})"
