"""Web pages of the review board: the open requests a member may sign, and the signing page.

Signing asks for the member's password again (step-up re-authentication, 21 CFR 11.200,
REGULATORY.md §5.5): a wrong password is a form error and nothing is recorded. Include these
routes with `path("board/", include("governance.board_web"))`.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from governance.exceptions import DomainError
from governance.hooks import audit_evidence
from governance.models import Decision, RequestStatus, ScreeningCategory
from governance.permissions import BOARD
from governance.selectors import membership_get
from governance.selectors_board import (
    counted_approvals,
    deployment_request_list,
    deployment_request_open_for_member,
)
from governance.services.board import signoff_record

WRONG_PASSWORD = "That is not your password: nothing was signed."
NOT_ON_BOARD = "Only owners and reviewers of this organization sign deployment requests."
SIGNED = "Your sign-off ({decision}) on {system} {version} was recorded at {at}."
DIGEST_MESSAGE = "The evidence digest of the page is missing or malformed: reload the page."


class SignForm(forms.Form):
    """Decision, reasons, conditions, and the password that re-authenticates the signer."""

    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        help_text="Required for a rejection.",
    )
    conditions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    conditions_expire_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Optional: when the conditions stop applying.",
    )
    evidence_sha256 = forms.RegexField(
        regex=r"^[0-9a-f]{64}$",
        widget=forms.HiddenInput,
        error_messages={"invalid": DIGEST_MESSAGE, "required": DIGEST_MESSAGE},
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Type your password again to sign.",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(WRONG_PASSWORD)
        return password


def _category_label(deployment_request) -> str:
    return ScreeningCategory(deployment_request.evidence["screening"]["category"]).label


def _require_board(user, organization) -> None:
    membership = membership_get(actor=user, organization=organization)
    if membership is None or membership.role not in BOARD:
        raise PermissionDenied(NOT_ON_BOARD)


@login_required
def board_requests(request: HttpRequest) -> HttpResponse:
    """The open requests the signed-in member may sign, with what they did on each."""
    open_requests = deployment_request_open_for_member(actor=request.user)
    return render(
        request,
        "governance/board/requests.html",
        {"open_requests": [(r, counted_approvals(r), _category_label(r)) for r in open_requests]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def board_sign(request: HttpRequest, pk) -> HttpResponse:
    """One request's evidence summary and digest, and the signing form."""
    deployment_request = get_object_or_404(deployment_request_list(actor=request.user), pk=pk)
    system = deployment_request.model_version.system
    _require_board(request.user, system.organization)
    status_code = 200
    if request.method == "POST":
        form = SignForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                signoff = signoff_record(
                    actor=request.user,
                    request=deployment_request,
                    decision=data["decision"],
                    evidence_sha256=data["evidence_sha256"],
                    reasons=data["reasons"],
                    conditions=data["conditions"],
                    conditions_expire_at=data["conditions_expire_at"],
                    reauthenticated=True,
                )
            except DomainError as exc:
                form.add_error(None, exc.detail)
                status_code = 409
            except DjangoValidationError as exc:
                form.add_error(None, exc)
                status_code = 400
            else:
                messages.success(
                    request,
                    SIGNED.format(
                        decision=signoff.get_decision_display().lower(),
                        system=system.name,
                        version=deployment_request.model_version.version,
                        at=signoff.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                    ),
                )
                return redirect("board-requests")
        else:
            status_code = 400
        deployment_request = get_object_or_404(deployment_request_list(actor=request.user), pk=pk)
    else:
        form = SignForm(
            user=request.user, initial={"evidence_sha256": deployment_request.evidence_sha256}
        )
    audit = audit_evidence(
        model_version=deployment_request.model_version,
        run_id=str(deployment_request.audit_run_id),
    )
    my_signoff = next(
        (s for s in deployment_request.signoffs.all() if s.member_id == request.user.pk), None
    )
    my_recusal = next(
        (r for r in deployment_request.recusals.all() if r.member_id == request.user.pk), None
    )
    context = {
        "deployment_request": deployment_request,
        "system": system,
        "version": deployment_request.model_version,
        "score": deployment_request.assessment.score or {},
        "category_label": _category_label(deployment_request),
        "audit": audit,
        "approvals": counted_approvals(deployment_request),
        "quorum": system.organization.quorum,
        "my_signoff": my_signoff,
        "my_recusal": my_recusal,
        "can_sign": deployment_request.status == RequestStatus.OPEN
        and my_signoff is None
        and my_recusal is None,
        "form": form,
    }
    return render(request, "governance/board/sign.html", context, status=status_code)


urlpatterns = [
    path("", board_requests, name="board-requests"),
    path("requests/<uuid:pk>/", board_sign, name="board-sign"),
]
