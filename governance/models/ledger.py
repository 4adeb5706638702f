"""The append-only, hash-chained accountability log (DESIGN.md §8)."""

from django.db import models
from django.db.models import Q

from governance.models.base import ImmutableModel
from governance.models.organizations import Organization

GENESIS_HASH = "0" * 64


class LedgerEvent(ImmutableModel):
    """One state change, chained to the previous event of the same organization."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="ledger_events"
    )
    seq = models.PositiveBigIntegerField()
    # "user:<id>", "vendor:<id>" or "system": identifiers only, never names or e-mail addresses.
    actor = models.CharField(max_length=80)
    verb = models.CharField(max_length=80)
    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=80)
    payload = models.JSONField(default=dict, blank=True)
    payload_sha256 = models.CharField(max_length=64)
    at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["organization_id", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "seq"], name="%(app_label)s_%(class)s_seq_unique"
            ),
            models.CheckConstraint(
                condition=Q(seq__gte=1), name="%(app_label)s_%(class)s_seq_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb} {self.target_type}:{self.target_id}"
