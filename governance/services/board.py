"""The review board: deployment requests, sign-offs, decisions, expiry and suspension (§8)."""

from django.db import transaction
from django.utils import timezone

from governance.ledger import event_record
from governance.models import AISystem, DeploymentRequest, ModelVersion, RequestStatus


@transaction.atomic
def deployment_requests_supersede(
    *, reason: str, model_version: ModelVersion | None = None, system: AISystem | None = None
) -> int:
    """Close the open requests of a version (or of every version of a system) whose evidence
    changed: a new assessment revision, a new audit of the version, or a changed screening.
    Their sign-offs no longer count; a new request binds the new evidence."""
    requests = DeploymentRequest.objects.select_for_update().filter(status=RequestStatus.OPEN)
    if model_version is not None:
        requests = requests.filter(model_version=model_version)
    if system is not None:
        requests = requests.filter(model_version__system=system)
    superseded = 0
    for request in requests.select_related("model_version__system__organization"):
        request.status = RequestStatus.SUPERSEDED
        request.decided_at = timezone.now()
        request.status_reason = reason
        request.save(update_fields=["status", "decided_at", "status_reason", "updated_at"])
        event_record(
            organization=request.model_version.system.organization,
            actor="system",
            verb="deployment_request.superseded",
            target=request,
            payload={"reason": reason, "evidence_sha256": request.evidence_sha256},
        )
        superseded += 1
    return superseded
