"""Web pages for audits: what is wrong with a model version, in plain words, with the evidence."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from audits.selectors import audit_run_list, batch_list
from governance.selectors import version_list

SEVERITY_CSS = {"high": "cat-prohibited", "medium": "cat-high_risk", "low": "cat-minimal_risk"}


@login_required
def version_audits(request: HttpRequest, pk) -> HttpResponse:
    """A model version's batches and audit runs, newest first."""
    version = get_object_or_404(version_list(actor=request.user), pk=pk)
    batches = batch_list(actor=request.user).filter(model_version=version)
    runs = audit_run_list(actor=request.user).filter(batch__model_version=version)
    return render(
        request,
        "audits/version_audits.html",
        {"version": version, "batches": batches, "runs": runs},
    )


@login_required
def audit_detail(request: HttpRequest, pk) -> HttpResponse:
    """One audit: the findings an owner reads first, then the flagged-view rates per group."""
    run = get_object_or_404(audit_run_list(actor=request.user), pk=pk)
    results = run.results or {}
    findings = [
        {**finding, "css": SEVERITY_CSS.get(finding.get("severity"), "")}
        for finding in results.get("findings", [])
    ]
    flagged_rates = [
        metric
        for metric in results.get("metrics", [])
        if metric.get("label") == "flagged" and metric.get("metric") == "selection_rate"
    ]
    return render(
        request,
        "audits/audit_detail.html",
        {
            "run": run,
            "version": run.batch.model_version,
            "findings": findings,
            "flagged_rates": flagged_rates,
            "crosscheck": results.get("crosscheck"),
        },
    )
