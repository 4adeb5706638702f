"""E-mails of the review board, sent through Django's e-mail backend (the console locally).

Services call these after their transaction commits (`transaction.on_commit`), so a failed
delivery never undoes a decision: it is logged, and the ledger still holds the decision. Each
person gets their own message (no one sees the other recipients' addresses).
"""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail

from governance.models import DeploymentRequest, Membership, Role

logger = logging.getLogger(__name__)

SIGN_PATH = "/board/requests/{id}/"
API_PATH = "/api/v1/deployment-requests/{id}/"

CREATED_SUBJECT = "[Attune] Deployment request for {system} {version}: your sign-off is needed"
CREATED_BODY = """\
{requester} asked the review board to approve model version {version} of {system} for deployment.

Screening: {category}. Evidence SHA-256: {evidence}

Review the impact assessment, the bias audit and the screening, then approve, reject or abstain:
  web: {sign_path}
  API: POST {api_path}signoffs/ with the evidence SHA-256 above.

It needs {quorum} approval(s) and no rejection.
"""
DECIDED_SUBJECT = "[Attune] {system} {version}: the review board {outcome} the deployment request"
DECIDED_BODY = """\
The review board {outcome} the deployment of model version {version} of {system}.
{validity}
Decided at {decided_at}. Evidence SHA-256: {evidence}
Certificate: GET {api_path}certificate.pdf
"""
APPROVED_VALIDITY = (
    "The approval is valid until {valid_until}; deploy with POST /api/v1/versions/{version_id}/"
    "deploy/. After that date the version needs a new request with a fresh audit.\n"
)
REJECTED_VALIDITY = "The version is back to registered; a new request needs new evidence.\n"
LAPSING_SUBJECT = "[Attune] The approval of {system} {version} lapses on {date}"
LAPSING_BODY = """\
The review board's approval of model version {version} of {system} lapses on {valid_until}.

After that the version goes back to registered and needs a new deployment request, with an
audit no older than the organization's re-audit interval. Run the audit and request approval
again before then to keep it in use.
Request: {api_path}
"""


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "not recorded"


def _request(request_id: str) -> DeploymentRequest:
    return DeploymentRequest.objects.select_related(
        "model_version__system__organization",
        "model_version__system__owner_of_record",
        "requested_by",
    ).get(pk=request_id)


def _send(subject: str, body: str, recipients: list[str]) -> int:
    addresses = sorted({address for address in recipients if address})
    if not addresses:
        return 0
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [a]) for a in addresses]
    try:
        return send_mass_mail(messages, fail_silently=False)
    except Exception:  # a mail server outage must not break the request that was decided
        logger.exception("board e-mail %r could not be sent", subject)
        return 0


def _owners(request: DeploymentRequest) -> list[str]:
    owner = request.model_version.system.owner_of_record
    return [request.requested_by.email, owner.email if owner else ""]


def _members(request: DeploymentRequest, roles: list[str]) -> list[str]:
    return list(
        Membership.objects.filter(
            organization_id=request.model_version.system.organization_id, role__in=roles
        ).values_list("user__email", flat=True)
    )


def _names(request: DeploymentRequest) -> dict[str, str]:
    version = request.model_version
    return {
        "system": version.system.name,
        "version": version.version,
        "evidence": request.evidence_sha256,
        "api_path": API_PATH.format(id=request.pk),
        "sign_path": SIGN_PATH.format(id=request.pk),
    }


def request_created(*, request_id: str) -> int:
    """Tell the board members who may sign (owners and reviewers, not recused) about a new
    request. Returns the number of messages sent."""
    request = _request(request_id)
    recused = set(request.recusals.values_list("member__email", flat=True))
    recipients = [
        email for email in _members(request, [Role.OWNER, Role.REVIEWER]) if email not in recused
    ]
    names = _names(request)
    body = CREATED_BODY.format(
        requester=request.requested_by.get_full_name() or request.requested_by.email,
        category=(request.evidence["screening"]["category"] or "").replace("_", " "),
        quorum=request.model_version.system.organization.quorum,
        **names,
    )
    return _send(CREATED_SUBJECT.format(**names), body, recipients)


def request_decided(*, request_id: str) -> int:
    """Tell the requester and the system's owner of record what the board decided."""
    request = _request(request_id)
    names = _names(request)
    outcome = "approved" if request.status == "approved" else "rejected"
    validity = (
        APPROVED_VALIDITY.format(
            valid_until=_when(request.valid_until), version_id=request.model_version_id
        )
        if outcome == "approved"
        else REJECTED_VALIDITY
    )
    body = DECIDED_BODY.format(
        outcome=outcome, validity=validity, decided_at=_when(request.decided_at), **names
    )
    return _send(DECIDED_SUBJECT.format(outcome=outcome, **names), body, _owners(request))


def approval_lapsing(*, request_id: str) -> int:
    """Warn the owners and reviewers that an approval lapses soon."""
    request = _request(request_id)
    names = _names(request)
    recipients = _owners(request) + _members(request, [Role.REVIEWER])
    subject = LAPSING_SUBJECT.format(date=request.valid_until.date().isoformat(), **names)
    body = LAPSING_BODY.format(valid_until=_when(request.valid_until), **names)
    return _send(subject, body, recipients)
