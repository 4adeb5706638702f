"""Writing and verifying the hash-chained ledger (DESIGN.md §8, REGULATORY.md §5.4).

Each organization has its own chain. An event's hash is
`sha256(prev_hash + canonical JSON of {seq, organization, actor, verb, target_type, target_id,
payload_sha256, at})`. Appends lock the organization row so that concurrent writers cannot fork
the chain; the unique (organization, seq) constraint is the last line of defence.
"""

from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from governance.canonical import canonical_json, sha256_hex
from governance.models import GENESIS_HASH, LedgerEvent, Organization

LEDGER_OK = "The ledger is intact."
BROKEN_HASH = "Event #{seq} of organization {org} does not match its recorded hash: it was changed after it was written."
BROKEN_LINK = "Event #{seq} of organization {org} does not follow the event before it: an event was removed, inserted or reordered."
BROKEN_SEQ = "Organization {org} has a gap in its ledger before event #{seq}: an event was deleted."
BROKEN_PAYLOAD = "Event #{seq} of organization {org} has a payload that does not match its recorded payload hash."


def actor_ref(actor: Any) -> str:
    """An identifier for who acted, without personal data."""
    if actor is None:
        return "system"
    vendor = getattr(actor, "vendor", None)
    if getattr(actor, "is_vendor", False) and vendor is not None:
        return f"vendor:{vendor.pk}"
    return f"user:{actor.pk}"


def event_hash(
    *,
    prev_hash: str,
    seq: int,
    organization_id: str,
    actor: str,
    verb: str,
    target_type: str,
    target_id: str,
    payload_sha256: str,
    at: str,
) -> str:
    body = {
        "seq": seq,
        "organization": organization_id,
        "actor": actor,
        "verb": verb,
        "target_type": target_type,
        "target_id": target_id,
        "payload_sha256": payload_sha256,
        "at": at,
    }
    return sha256_hex(prev_hash.encode("ascii") + canonical_json(body))


def _at_text(at) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_record(
    *,
    organization: Organization,
    actor: Any,
    verb: str,
    target: models.Model | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> LedgerEvent:
    """Append one event to the organization's chain, inside the caller's transaction.

    The payload must hold identifiers, hashes and states only, never personal data, so that an
    erasure never has to touch the chain.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record must run inside the transaction of the change it records")
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    last = (
        LedgerEvent.objects.filter(organization=organization)
        .order_by("-seq")
        .values("seq", "hash")
        .first()
    )
    seq = (last["seq"] + 1) if last else 1
    prev_hash = last["hash"] if last else GENESIS_HASH
    if target is not None:
        target_type = target_type or f"{target._meta.app_label}.{target._meta.model_name}"
        target_id = str(target.pk)
    payload = payload or {}
    payload_sha256 = sha256_hex(canonical_json(payload))
    at = timezone.now()
    actor_text = actor if isinstance(actor, str) else actor_ref(actor)
    digest = event_hash(
        prev_hash=prev_hash,
        seq=seq,
        organization_id=str(organization.pk),
        actor=actor_text,
        verb=verb,
        target_type=target_type or "",
        target_id=target_id or "",
        payload_sha256=payload_sha256,
        at=_at_text(at),
    )
    return LedgerEvent.objects.create(
        organization=organization,
        seq=seq,
        actor=actor_text,
        verb=verb,
        target_type=target_type or "",
        target_id=target_id or "",
        payload=payload,
        payload_sha256=payload_sha256,
        at=at,
        prev_hash=prev_hash,
        hash=digest,
    )


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of walking one or more chains."""

    ok: bool
    events: int
    head: str | None
    message: str
    broken_seq: int | None = None
    broken_organization: str | None = None
    heads: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head": self.head,
            "message": self.message,
            "heads": self.heads,
            "broken_event": None
            if self.broken_seq is None
            else {"organization": self.broken_organization, "seq": self.broken_seq},
        }


def verify_chain(organization_ids: list[str] | None = None) -> VerifyResult:
    """Recompute every hash in order and name the first broken event."""
    orgs = Organization.objects.order_by("pk")
    if organization_ids is not None:
        orgs = orgs.filter(pk__in=organization_ids)
    total = 0
    head: str | None = None
    heads: dict[str, str] = {}
    for org_id in orgs.values_list("pk", flat=True):
        org = str(org_id)
        prev_hash = GENESIS_HASH
        expected_seq = 1
        events = LedgerEvent.objects.filter(organization_id=org_id).order_by("seq")
        for event in events.iterator(chunk_size=2000):
            total += 1

            def broken(template: str, seq: int, org: str = org, total: int = total) -> VerifyResult:
                return VerifyResult(
                    ok=False,
                    events=total,
                    head=None,
                    message=template.format(seq=seq, org=org),
                    broken_seq=seq,
                    broken_organization=org,
                )

            if event.seq != expected_seq:
                return broken(BROKEN_SEQ, event.seq)
            if sha256_hex(canonical_json(event.payload)) != event.payload_sha256:
                return broken(BROKEN_PAYLOAD, event.seq)
            if event.prev_hash != prev_hash:
                return broken(BROKEN_LINK, event.seq)
            recomputed = event_hash(
                prev_hash=event.prev_hash,
                seq=event.seq,
                organization_id=org,
                actor=event.actor,
                verb=event.verb,
                target_type=event.target_type,
                target_id=event.target_id,
                payload_sha256=event.payload_sha256,
                at=_at_text(event.at),
            )
            if recomputed != event.hash:
                return broken(BROKEN_HASH, event.seq)
            prev_hash = event.hash
            expected_seq += 1
        if expected_seq > 1:
            head = prev_hash
            heads[org] = prev_hash
    return VerifyResult(ok=True, events=total, head=head, message=LEDGER_OK, heads=heads)
