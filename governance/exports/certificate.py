"""The approval certificate of a decided deployment request, as an A4 PDF.

The certificate is the human-readable form of the sign-off record (REGULATORY.md 5.5): each
signature shows the printed name, the date and time in UTC and the meaning of the signature
(21 CFR 11.50), bound to the exact evidence digest it signed (11.70) and to its ledger event. Every
page carries the footer "Evidence SHA-256: <digest> - page N"; the same context renders the same
bytes (``invariant=1``).

``context`` is a plain mapping the view builds (never model instances). Times are ISO 8601 text,
``datetime`` or ``date`` (naive is UTC); digests are 64 lowercase hex digits; text fields accept
``None`` or ``""`` for "not recorded". Keys:

- ``organization``: ``{name}``.
- ``system``: ``{name, purpose, vendor, modality, subjects, context}`` (text; choice values such
  as ``job_applicants`` print as words).
- ``screening``: ``{category ("prohibited"|"high_risk"|"minimal_risk"), reasons: [{clause, text}],
  duties: [{clause, text, in_force (bool), applies_from? (date)}]}``.
- ``version``: ``{version, labels: [text], flagged_labels: [text]}``.
- ``request``: ``{id, status ("approved"|"rejected"|any other state, e.g. "superseded"),
  requested_by (printed name), requested_at, decided_at, valid_until (required when approved),
  evidence_sha256}``.
- ``assessment``: ``{revision, level, score, max_raw, raw, mitigation, max_mitigation (whole
  numbers except level and revision), explanation, submitted_at}``.
- ``audit``: ``{id, result_sha256, input_sha256, engine_version, finished_at, findings:
  [{severity ("high"|"medium"|"low"|"info"), title, text, clauses: [text]}]}``; findings print
  most severe first, in their given order within a severity.
- ``signoffs``: ``[{member (printed name), role, decision ("approve"|"reject"|"abstain"), reasons,
  conditions, conditions_expire_at, at, evidence_sha256, counted (bool), ledger_hash,
  ledger_seq}]`` in signing order; ``ledger_hash``/``ledger_seq`` may be ``None``.
- ``recusals``: ``[{member, reason}]``.
- ``quorum``: the number of counted approvals the organization requires (whole number).
- ``ledger``: ``{events: [{seq, verb, hash}], head}``: the events of this request, and the hash
  of the organization's latest event (``None`` if there is none).
- ``verify_instructions``: text telling a third party how to check the chain.

A missing key or a value of the wrong type raises ``ExportDataError`` naming its path
(``context.signoffs[1].at``).
"""

import io
from collections.abc import Mapping
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import cm
from reportlab.platypus import CondPageBreak, SimpleDocTemplate, Spacer

from governance.exports import fields
from governance.exports.layout import (
    BAD,
    FRAME_WIDTH,
    GOOD,
    MARGIN_BOTTOM,
    MARGIN_SIDE,
    MARGIN_TOP,
    NEUTRAL,
    PAGE_SIZE,
    WARNING_EDGE,
    band,
    escape,
    fit,
    grid,
    key_values,
    markup,
    page_decorations,
    paragraph,
    register_fonts,
)
from governance.exports.signatures import counted_approvals, ledger_story, signoffs_story

TITLE = "Deployment approval certificate"
FOOTER_TEMPLATE = "Evidence SHA-256: {digest} - page {page}"
ROOT = "context"
APPROVED = "approved"
REJECTED = "rejected"
ERR_APPROVED_WITHOUT_EXPIRY = (
    "context.request.valid_until is required: an approval always expires (DESIGN.md section 8)."
)

SEVERITIES = ("high", "medium", "low", "info")
SEVERITY_COLOURS = {
    "high": BAD,
    "medium": WARNING_EDGE,
    "low": colors.HexColor("#4a78a8"),
    "info": NEUTRAL,
}
CATEGORIES = {
    "prohibited": ("Prohibited AI practice", BAD),
    "high_risk": ("High-risk", WARNING_EDGE),
    "minimal_risk": ("Minimal risk under the AI Act", GOOD),
}
NONE_LISTED = "none"


def _percent(part: int, whole: int) -> str:
    if whole == 0:
        return "share not defined (maximum is 0)"
    return f"{part / whole * 100:.1f}% of the maximum"


class Certificate:
    """The context, read once and checked field by field before anything is drawn."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        context = fields.mapping(context, where=ROOT)
        self.organization = fields.child(context, "organization", where=ROOT)
        self.system = fields.child(context, "system", where=ROOT)
        self.screening = fields.child(context, "screening", where=ROOT)
        self.version = fields.child(context, "version", where=ROOT)
        self.request = fields.child(context, "request", where=ROOT)
        self.assessment = fields.child(context, "assessment", where=ROOT)
        self.audit = fields.child(context, "audit", where=ROOT)
        self.ledger = fields.child(context, "ledger", where=ROOT)
        self.signoffs = fields.mapping_list(context, "signoffs", where=ROOT)
        self.recusals = fields.mapping_list(context, "recusals", where=ROOT)
        self.quorum = fields.whole_number(context, "quorum", where=ROOT)
        self.verify_instructions = fields.text(context, "verify_instructions", where=ROOT)
        self.evidence = fields.digest(self.request, "evidence_sha256", where=f"{ROOT}.request")
        self.status = fields.text(self.request, "status", where=f"{ROOT}.request")
        self.valid_until = fields.moment(self.request, "valid_until", where=f"{ROOT}.request")
        if self.status == APPROVED and self.valid_until is None:
            raise fields.ExportDataError(ERR_APPROVED_WITHOUT_EXPIRY)
        self.system_name = fields.text(self.system, "name", where=f"{ROOT}.system")
        self.version_name = fields.text(self.version, "version", where=f"{ROOT}.version")
        self.request_id = fields.text(self.request, "id", where=f"{ROOT}.request")

    def counted_approvals(self) -> int:
        return counted_approvals(self.signoffs, where=f"{ROOT}.signoffs")


def _banner(cert: Certificate) -> list:
    where = f"{ROOT}.request"
    decided = fields.second_text(fields.moment(cert.request, "decided_at", where=where))
    counted = cert.counted_approvals()
    tally = f"{counted} counted approval{'' if counted == 1 else 's'}; quorum {cert.quorum}"
    if cert.status == APPROVED:
        headline = f"APPROVED for deployment until {fields.date_text(cert.valid_until)}"
        detail = (
            f"Model version {cert.version_name} of {cert.system_name} may be deployed until "
            f"{fields.second_text(cert.valid_until)}, on the evidence below. Decided {decided}; "
            f"{tally}."
        )
        fill = GOOD
    elif cert.status == REJECTED:
        headline = "REJECTED"
        detail = (
            f"Model version {cert.version_name} of {cert.system_name} must not be deployed. "
            f"Decided {decided}; {tally}."
        )
        fill = BAD
    else:
        headline = fields.words(cert.status).upper()
        detail = (
            f"This request is {fields.words(cert.status)}: this certificate does not authorise "
            f"deployment. Decided {decided}; {tally}."
        )
        fill = NEUTRAL
    return [band([paragraph(headline, "banner"), paragraph(detail, "banner_small")], fill)]


def _request(cert: Certificate) -> list:
    where = f"{ROOT}.request"
    request = cert.request
    return [
        paragraph("Deployment request", "h1"),
        key_values(
            [
                ("Request", cert.request_id),
                ("Status", fields.words(cert.status)),
                (
                    "Requested by",
                    fields.or_not_recorded(fields.text(request, "requested_by", where=where)),
                ),
                (
                    "Requested (UTC)",
                    fields.second_text(fields.moment(request, "requested_at", where=where)),
                ),
                (
                    "Decided (UTC)",
                    fields.second_text(fields.moment(request, "decided_at", where=where)),
                ),
                ("Valid until (UTC)", fields.second_text(cert.valid_until)),
                ("Evidence SHA-256", cert.evidence),
            ],
            mono=("Request", "Evidence SHA-256"),
        ),
    ]


def _system(cert: Certificate) -> list:
    where = f"{ROOT}.system"
    system = cert.system
    version_where = f"{ROOT}.version"
    labels = fields.text_list(cert.version, "labels", where=version_where)
    flagged = fields.text_list(cert.version, "flagged_labels", where=version_where)
    return [
        paragraph("AI system and model version", "h1"),
        key_values(
            [
                ("AI system", fields.or_not_recorded(cert.system_name)),
                ("Purpose", fields.or_not_recorded(fields.text(system, "purpose", where=where))),
                (
                    "Vendor (provider)",
                    fields.or_not_recorded(fields.text(system, "vendor", where=where)),
                ),
                ("Input (modality)", fields.words(fields.text(system, "modality", where=where))),
                ("People analysed", fields.words(fields.text(system, "subjects", where=where))),
                ("Setting", fields.words(fields.text(system, "context", where=where))),
                ("Model version", fields.or_not_recorded(cert.version_name)),
                ("Output labels", ", ".join(labels) or NONE_LISTED),
                ("Flagged labels (act on a person)", ", ".join(flagged) or NONE_LISTED),
            ]
        ),
    ]


def _duty_status(duty: Mapping[str, Any], where: str) -> str:
    if fields.flag(duty, "in_force", where=where):
        return "in force"
    applies_from = (
        fields.moment(duty, "applies_from", where=where) if "applies_from" in duty else None
    )
    if applies_from is None:
        return "not yet in force"
    return f"from {fields.date_text(applies_from)}"


def _screening(cert: Certificate) -> list:
    where = f"{ROOT}.screening"
    category = fields.choice(cert.screening, "category", tuple(CATEGORIES), where=where)
    category_text, colour = CATEGORIES[category]
    reasons = fields.mapping_list(cert.screening, "reasons", where=where)
    duties = fields.mapping_list(cert.screening, "duties", where=where)
    story: list = [
        CondPageBreak(4 * cm),
        paragraph("Regulatory screening", "h1"),
        band([paragraph(f"Screening: {category_text}", "badge")], colour, padding=4),
        Spacer(1, 4),
    ]
    if reasons:
        story.append(
            grid(
                ["Clause", "Why it applies"],
                [
                    [
                        fields.text(reason, "clause", where=f"{where}.reasons[{index}]"),
                        fields.text(reason, "text", where=f"{where}.reasons[{index}]"),
                    ]
                    for index, reason in enumerate(reasons)
                ],
                [0.28, 0.72],
            )
        )
    else:
        story.append(paragraph("No screening reasons were recorded.", "small"))
    if duties:
        story += [
            paragraph("Duties that follow", "h3"),
            grid(
                ["Clause", "Duty", "Applies"],
                [
                    [
                        fields.text(duty, "clause", where=f"{where}.duties[{index}]"),
                        fields.text(duty, "text", where=f"{where}.duties[{index}]"),
                        _duty_status(duty, f"{where}.duties[{index}]"),
                    ]
                    for index, duty in enumerate(duties)
                ],
                [0.22, 0.62, 0.16],
            ),
        ]
    return story


def _assessment(cert: Certificate) -> list:
    where = f"{ROOT}.assessment"
    assessment = cert.assessment
    numbers = {
        key: fields.whole_number(assessment, key, where=where)
        for key in ("score", "max_raw", "raw", "mitigation", "max_mitigation")
    }
    explanation = fields.text(assessment, "explanation", where=where)
    return [
        CondPageBreak(4 * cm),
        paragraph("Impact assessment", "h1"),
        key_values(
            [
                (
                    "Revision",
                    fields.or_not_recorded(fields.text(assessment, "revision", where=where)),
                ),
                (
                    "Submitted (UTC)",
                    fields.second_text(fields.moment(assessment, "submitted_at", where=where)),
                ),
                (
                    "Impact level",
                    fields.or_not_recorded(fields.text(assessment, "level", where=where)),
                ),
                (
                    "Score",
                    f"{numbers['score']} of {numbers['max_raw']} "
                    f"({_percent(numbers['score'], numbers['max_raw'])})",
                ),
                ("Raw risk points", f"{numbers['raw']} of {numbers['max_raw']}"),
                ("Mitigation points", f"{numbers['mitigation']} of {numbers['max_mitigation']}"),
            ]
        ),
        Spacer(1, 4),
        paragraph(explanation or "No explanation was recorded."),
    ]


def _finding_rows(cert: Certificate) -> list[list[object]]:
    where = f"{ROOT}.audit"
    findings = fields.mapping_list(cert.audit, "findings", where=where)
    read = []
    for index, finding in enumerate(findings):
        finding_where = f"{where}.findings[{index}]"
        severity = fields.choice(finding, "severity", SEVERITIES, where=finding_where)
        read.append(
            (
                SEVERITIES.index(severity),
                index,
                severity,
                fields.text(finding, "title", where=finding_where),
                fields.text(finding, "text", where=finding_where),
                fields.text_list(finding, "clauses", where=finding_where),
            )
        )
    rows: list[list[object]] = []
    for _rank, _index, severity, title, text, clauses in sorted(read):
        colour = SEVERITY_COLOURS[severity].hexval()[2:]
        rows.append(
            [
                markup(f'<font color="#{colour}"><b>{severity.upper()}</b></font>', "cell"),
                markup(f"<b>{escape(title)}</b><br/>{escape(text)}", "cell"),
                "; ".join(clauses) or NONE_LISTED,
            ]
        )
    return rows


def _audit(cert: Certificate) -> list:
    where = f"{ROOT}.audit"
    audit = cert.audit
    rows = _finding_rows(cert)
    story: list = [
        CondPageBreak(5 * cm),
        paragraph("Bias audit", "h1"),
        key_values(
            [
                ("Audit run", fields.text(audit, "id", where=where)),
                (
                    "Engine version",
                    fields.or_not_recorded(fields.text(audit, "engine_version", where=where)),
                ),
                (
                    "Finished (UTC)",
                    fields.second_text(fields.moment(audit, "finished_at", where=where)),
                ),
                ("Result SHA-256", fields.digest(audit, "result_sha256", where=where)),
                ("Input SHA-256", fields.digest(audit, "input_sha256", where=where)),
            ],
            mono=("Audit run", "Result SHA-256", "Input SHA-256"),
        ),
        paragraph("Findings, most severe first", "h3"),
    ]
    if rows:
        story.append(grid(["Severity", "Finding", "Relates to"], rows, [0.12, 0.6, 0.28]))
    else:
        story.append(paragraph("The audit produced no findings."))
    return story


def render_certificate_pdf(context: Mapping) -> bytes:
    """The approval certificate of a decided deployment request as A4 PDF bytes (see the module
    docstring for ``context``). Raises ``ExportDataError`` naming the first bad field."""
    register_fonts()
    cert = Certificate(context)
    organization = fields.or_not_recorded(
        fields.text(cert.organization, "name", where=f"{ROOT}.organization")
    )
    story: list = [
        paragraph(TITLE, "title"),
        Spacer(1, 3),
        paragraph(
            f"{fields.or_not_recorded(cert.system_name)} \u2014 model version "
            f"{fields.or_not_recorded(cert.version_name)}",
            "subtitle",
        ),
        paragraph(f"Organization: {organization}", "small"),
        Spacer(1, 10),
    ]
    story += _banner(cert)
    story += _request(cert)
    story += _system(cert)
    story += _screening(cert)
    story += _assessment(cert)
    story += _audit(cert)
    story += signoffs_story(
        signoffs=cert.signoffs,
        recusals=cert.recusals,
        quorum=cert.quorum,
        evidence=cert.evidence,
        where=ROOT,
    )
    story += ledger_story(
        ledger=cert.ledger,
        evidence=cert.evidence,
        verify_instructions=cert.verify_instructions,
        where=f"{ROOT}.ledger",
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN_SIDE,
        rightMargin=MARGIN_SIDE,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{TITLE}: {cert.system_name} {cert.version_name}",
        author="Attune",
        subject=f"Evidence SHA-256 {cert.evidence}",
        creator="Attune",
        invariant=1,
    )
    decorate = page_decorations(
        lambda page: FOOTER_TEMPLATE.format(digest=cert.evidence, page=page),
        fit(
            f"{TITLE} \u2014 {cert.system_name} {cert.version_name} \u2014 request "
            f"{cert.request_id}",
            FRAME_WIDTH,
        ),
    )
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
