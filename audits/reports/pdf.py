"""Render a report context (``build_context``) as an A4 PDF with reportlab platypus.

Every string that came from a user (system, vendor and group names, findings, clauses...) goes
through ``escape`` before it reaches reportlab's mini-HTML, so ``<b>x</b>`` or ``&`` print as
written. Text is set in DejaVu Sans (shipped with matplotlib) so accented and non-Latin group
names print. The document is ``invariant``: the same context renders to the same bytes.
Every page carries the footer "Result SHA-256: <hash> - page N".
"""

import io
from collections.abc import Mapping

from reportlab.lib import colors
from reportlab.lib.units import cm
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from audits.reports.layout import bullets, escape, grid, key_values, markup, paragraph
from audits.reports.pdf_results import attribute_story, disparities_story, suppressed_story
from governance.exports.layout import (
    FONT,
    FRAME_WIDTH,
    MARGIN_BOTTOM,
    MARGIN_SIDE,
    MARGIN_TOP,
    MUTED,
    PAGE_SIZE,
    RULE,
    register_fonts,
)

SEVERITY_COLOURS = {
    "high": colors.HexColor("#b42318"),
    "medium": colors.HexColor("#d9822b"),
    "low": colors.HexColor("#4a78a8"),
    "info": colors.HexColor("#6b7785"),
}
CATEGORY_COLOURS = {
    "prohibited": colors.HexColor("#b42318"),
    "high_risk": colors.HexColor("#d9822b"),
    "minimal_risk": colors.HexColor("#2f7d4f"),
}
FOOTER_TEMPLATE = "Result SHA-256: {result_sha256} - page {page}"


def _cover(context: Mapping) -> list:
    system = context["system"]
    screening = context["screening"]
    run = context["run"]
    story: list = [
        paragraph(context["report"]["title"], "title"),
        Spacer(1, 4),
        paragraph(f"{system['name']} \u2014 model version {system['version']}", "subtitle"),
        Spacer(1, 14),
        key_values(
            [
                ("Organization (deployer)", context["organization"]["name"]),
                ("AI system", system["name"]),
                ("Purpose", system["purpose"]),
                ("Vendor (provider)", system["vendor"]),
                ("Model version", system["version"]),
                ("Version notes", system["version_description"] or "none given"),
                ("Output", system["output_text"]),
                (
                    "Input, people, setting",
                    f"{system['modality']}; {system['subjects']}; {system['context']}",
                ),
                ("Audit date", context["report"]["audit_date"]),
                ("Audit run", run["id"]),
                ("Engine version", run["engine_version"]),
            ]
        ),
        Spacer(1, 12),
    ]
    badge = Table(
        [[paragraph(f"Regulatory screening: {screening['category_text']}", "badge")]],
        colWidths=[FRAME_WIDTH],
        hAlign="LEFT",
    )
    badge.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), CATEGORY_COLOURS[screening["category"]]),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    story.append(badge)
    story.append(Spacer(1, 4))
    if screening["reasons"]:
        story.append(
            grid(
                ["Clause", "Why it applies"],
                [[reason["clause"], reason["text"]] for reason in screening["reasons"]],
                [0.28, 0.72],
            )
        )
    else:
        story.append(paragraph("No screening reasons were recorded.", "small"))
    if screening["duties"]:
        story.append(paragraph("Duties that follow", "h3"))
        story.extend(bullets(screening["duties"]))
    story += [
        Spacer(1, 10),
        paragraph("Fingerprints", "h3"),
        key_values(
            [
                ("Result SHA-256", run["result_sha256"]),
                ("Input SHA-256", run["input_sha256"]),
                ("Uploaded file SHA-256", context["data"]["file_sha256"]),
            ],
            mono=("Result SHA-256", "Input SHA-256", "Uploaded file SHA-256"),
        ),
        Spacer(1, 10),
        paragraph("At a glance", "h3"),
        paragraph(context["headline"]["summary"]),
        PageBreak(),
    ]
    return story


def _findings(context: Mapping) -> list:
    story: list = [paragraph("What the audit found", "h1")]
    findings = context["findings"]
    if not findings:
        story.append(paragraph("The audit produced no findings."))
    for finding in findings:
        colour = SEVERITY_COLOURS[finding["severity"]]
        heading = (
            f'<font color="#{colour.hexval()[2:]}">'
            f"{escape(finding['severity_text'].upper())}</font> \u00b7 <b>{escape(finding['title'])}</b>"
        )
        parts = [markup(heading), Spacer(1, 2), paragraph(finding["text"])]
        meta = []
        if finding["clauses"]:
            meta.append("Relates to: " + "; ".join(finding["clauses"]))
        if finding["verdict_text"]:
            meta.append("Verdict: " + finding["verdict_text"])
        if meta:
            parts.append(paragraph(". ".join(meta), "small"))
        block = Table([[parts]], colWidths=[FRAME_WIDTH], hAlign="LEFT")
        block.setStyle(
            TableStyle(
                [
                    ("LINEBEFORE", (0, 0), (0, 0), 3, colour),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        story += [block, Spacer(1, 6)]
    return story


def _data(context: Mapping) -> list:
    data = context["data"]
    story: list = [
        CondPageBreak(6 * cm),
        paragraph("The data audited", "h1"),
        key_values(
            [
                ("Prediction batch", data["batch_id"]),
                ("File format", data["format"]),
                ("Uploaded", data["uploaded_text"]),
                ("Uploaded file SHA-256", data["file_sha256"]),
                ("Rows uploaded", data["rows_uploaded_text"]),
                ("Rows analysed", data["rows_analysed_text"]),
                ("True labels supplied", data["ground_truth_text"]),
                ("Sensitive attributes", ", ".join(data["sensitive"]) or "none"),
                ("Other features", ", ".join(data["features"]) or "none"),
                ("Labels seen", data["labels_seen_text"]),
            ],
            mono=("Uploaded file SHA-256",),
        ),
        paragraph("Rows left out", "h3"),
    ]
    if data["excluded"]:
        story.append(
            grid(
                ["Stage", "Reason", "Rows"],
                [[row["stage"], row["reason"], row["count_text"]] for row in data["excluded"]],
                [0.2, 0.6, 0.2],
            )
        )
    else:
        story.append(paragraph("No rows were left out."))
    story += [
        paragraph("Missing values", "h3"),
        paragraph(
            'Rows with no value for a sensitive attribute form the group "(missing)": they are '
            "counted and reported, never silently dropped.",
            "caption",
        ),
        grid(
            ["Attribute", "Rows with no value", "Share of rows analysed"],
            [[row["attribute"], row["count_text"], row["share_text"]] for row in data["missing"]],
            [0.4, 0.3, 0.3],
        ),
    ]
    return story


def _explainability(context: Mapping) -> list:
    section = context["explainability"]
    story: list = [CondPageBreak(5 * cm), paragraph("Explainability", "h1")]
    if not section["provided"]:
        story.append(paragraph(section["text"]))
        return story
    surrogate = section["surrogate"]
    if surrogate:
        story.append(
            key_values(
                [
                    ("Surrogate model", surrogate["model"]),
                    ("Fidelity (agreement with the audited model)", surrogate["fidelity_text"]),
                    *[(item["name"], item["value"]) for item in surrogate["details"]],
                ]
            )
        )
    else:
        story.append(paragraph("No surrogate model was fitted."))
    for note in section["notes"]:
        story.append(paragraph(note, "small"))
    story.append(paragraph("What drives the model's output", "h3"))
    if section["importance"]:
        story.append(
            grid(
                ["Feature", "Mean |SHAP| (higher = more influence)"],
                [[row["feature"], row["value_text"]] for row in section["importance"]],
                [0.6, 0.4],
            )
        )
    else:
        story.append(paragraph("Feature importance: not provided."))
    story.append(paragraph("Possible proxies for sensitive attributes", "h3"))
    if section["proxies"]:
        story.append(
            grid(
                ["Feature", "Sensitive attribute", "Association (0-1)", "Measure"],
                [
                    [row["feature"], row["attribute"], row["association_text"], row["measure_text"]]
                    for row in section["proxies"]
                ],
                [0.3, 0.3, 0.2, 0.2],
            )
        )
    else:
        story.append(paragraph("Proxies: none reported."))
    if section["excluded_features"]:
        story.append(paragraph("Features left out of the explanation", "h3"))
        story.append(
            grid(
                ["Feature", "Reason"],
                [[row["feature"], row["reason"]] for row in section["excluded_features"]],
                [0.3, 0.7],
            )
        )
    return story


def _crosscheck(context: Mapping) -> list:
    section = context["crosscheck"]
    story: list = [CondPageBreak(4 * cm), paragraph("Cross-check with fairlearn and aif360", "h1")]
    if not section["provided"]:
        story.append(paragraph(section["text"]))
        return story
    story.append(
        grid(
            ["Library", "Largest absolute difference", "Result", "Details"],
            [
                [row["library"], row["max_abs_diff_text"], row["verdict_text"], row["details"]]
                for row in section["rows"]
            ],
            [0.18, 0.22, 0.25, 0.35],
        )
    )
    return story


def _notes(context: Mapping) -> list:
    story: list = [PageBreak(), paragraph("How the figures were computed", "h1")]
    for note in context["method_notes"]:
        story.append(KeepTogether([paragraph(note["title"], "h3"), paragraph(note["text"])]))
    story.append(paragraph("Limits of emotion recognition", "h1"))
    for text in context["limitations"]:
        story += [paragraph(text), Spacer(1, 4)]
    story.append(paragraph("Not recorded in this audit", "h1"))
    story.append(
        paragraph(
            "A published bias-audit report is expected to state the following. The data behind "
            "this audit does not hold them, so they are named here rather than left out.",
            "caption",
        )
    )
    story.append(
        grid(
            ["Item", "Status"],
            [[gap["title"], gap["text"]] for gap in context["not_recorded"]],
            [0.28, 0.72],
        )
    )
    return story


def _reproducibility(context: Mapping) -> list:
    run = context["run"]
    story: list = [
        CondPageBreak(8 * cm),
        paragraph("Reproducibility", "h1"),
        paragraph(
            "The same prediction file and parameters give the same result SHA-256, whatever the "
            "row order, and the same results render this report byte for byte.",
            "small",
        ),
        key_values(
            [
                ("Audit run", run["id"]),
                ("Engine version", run["engine_version"]),
                ("Started", run["created_text"]),
                ("Finished", run["finished_text"]),
                ("Input SHA-256", run["input_sha256"]),
                ("Result SHA-256", run["result_sha256"]),
            ],
            mono=("Input SHA-256", "Result SHA-256"),
        ),
        paragraph("Parameters", "h3"),
    ]
    if context["parameters"]:
        story.append(
            grid(
                ["Parameter", "Key", "Value"],
                [[row["name"], row["key"], row["value"]] for row in context["parameters"]],
                [0.4, 0.25, 0.35],
            )
        )
    else:
        story.append(paragraph("No parameters were recorded."))
    return story


def _page_decorations(result_sha256: str, header: str):
    def draw(canvas, document) -> None:
        canvas.saveState()
        width, _height = PAGE_SIZE
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(
            MARGIN_SIDE, MARGIN_BOTTOM - 0.6 * cm, width - MARGIN_SIDE, MARGIN_BOTTOM - 0.6 * cm
        )
        canvas.setFillColor(MUTED)
        canvas.setFont(FONT, 7.5)
        canvas.drawCentredString(
            width / 2,
            MARGIN_BOTTOM - 1.1 * cm,
            FOOTER_TEMPLATE.format(result_sha256=result_sha256, page=document.page),
        )
        if document.page > 1:
            canvas.drawString(MARGIN_SIDE, PAGE_SIZE[1] - MARGIN_TOP + 0.6 * cm, header)
        canvas.restoreState()

    return draw


def render_pdf(context: dict) -> bytes:
    """The audit report as PDF bytes. ``context`` is what ``build_context`` returns."""
    register_fonts()
    system = context["system"]
    run = context["run"]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN_SIDE,
        rightMargin=MARGIN_SIDE,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{context['report']['title']}: {system['name']} {system['version']}",
        author="Attune",
        subject=f"Result SHA-256 {run['result_sha256']}",
        creator="Attune",
        invariant=1,
    )
    story = _cover(context) + _findings(context) + _data(context)
    story.append(PageBreak())
    story.append(paragraph("Results by group", "h1"))
    story.append(
        paragraph(
            "Each attribute below shows its groups, how often the model gave each flagged label "
            "to each group, and, where true labels exist, accuracy and error rates. A group's "
            "impact ratio is its selection rate divided by the highest group's.",
            "small",
        )
    )
    for attribute in context["attributes"]:
        story += attribute_story(attribute, context["interval_text"])
    story += disparities_story(context)
    story += suppressed_story(context)
    story += _explainability(context)
    story += _crosscheck(context)
    story += _notes(context)
    story += _reproducibility(context)
    decorate = _page_decorations(
        run["result_sha256"],
        f"Attune bias audit report \u2014 {system['name']} {system['version']}",
    )
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
