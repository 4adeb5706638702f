"""Deployment requests and the review board's sign-offs (DESIGN.md §8)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from governance.models.assessments import ImpactAssessment
from governance.models.base import ImmutableModel, TimeStampedModel
from governance.models.systems import ModelVersion


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"
    EXPIRED = "expired", "Expired"


class DeploymentRequest(TimeStampedModel):
    """An owner's request to deploy one model version, bound to the evidence it rests on."""

    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="deployment_requests"
    )
    assessment = models.ForeignKey(
        ImpactAssessment, on_delete=models.PROTECT, related_name="deployment_requests"
    )
    # The audit run lives in the audits app, which may import governance but not the reverse.
    audit_run_id = models.UUIDField()
    audit_result_sha256 = models.CharField(max_length=64)
    screening = models.JSONField()
    evidence = models.JSONField()
    evidence_sha256 = models.CharField(max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deployment_requests"
    )
    status = models.CharField(max_length=16, choices=RequestStatus, default=RequestStatus.OPEN)
    decided_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.APPROVED)
                | (Q(decided_at__isnull=False) & Q(valid_until__isnull=False)),
                name="%(app_label)s_%(class)s_approval_has_validity",
            ),
            # One open request per model version at a time.
            models.UniqueConstraint(
                fields=["model_version"],
                condition=Q(status=RequestStatus.OPEN),
                name="%(app_label)s_%(class)s_one_open_per_version",
            ),
        ]

    def __str__(self) -> str:
        return f"deploy {self.model_version} ({self.status})"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    ABSTAIN = "abstain", "Abstain"


class SignOff(ImmutableModel):
    """One board member's signed decision on a request, bound to the evidence digest they saw."""

    request = models.ForeignKey(
        DeploymentRequest, on_delete=models.PROTECT, related_name="signoffs"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signoffs"
    )
    role = models.CharField(max_length=16)
    decision = models.CharField(max_length=16, choices=Decision)
    reasons = models.TextField(blank=True)
    conditions = models.TextField(blank=True)
    conditions_expire_at = models.DateTimeField(null=True, blank=True)
    evidence_sha256 = models.CharField(max_length=64)
    at = models.DateTimeField()
    reauthenticated = models.BooleanField(default=False)

    class Meta:
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "member"], name="%(app_label)s_%(class)s_one_per_member"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=Decision.values),
                name="%(app_label)s_%(class)s_decision_valid",
            ),
            models.CheckConstraint(
                condition=~Q(decision=Decision.REJECT) | ~Q(reasons=""),
                name="%(app_label)s_%(class)s_reject_has_reasons",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.decision} {self.request_id}"


class Recusal(ImmutableModel):
    """A member who may not sign a request, and why (requester, owner of record, vendor tie)."""

    request = models.ForeignKey(
        DeploymentRequest, on_delete=models.PROTECT, related_name="recusals"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recusals"
    )
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "member"], name="%(app_label)s_%(class)s_once_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} recused from {self.request_id}"
