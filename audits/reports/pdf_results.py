"""The per-group part of the PDF: attribute sections with charts, comparisons, small groups."""

import io
from collections.abc import Mapping

from reportlab.lib.units import cm, inch
from reportlab.platypus import CondPageBreak, Image, PageBreak, Paragraph, Spacer

from audits.reports.charts import render_attribute_charts
from audits.reports.layout import FRAME_HEIGHT, cell, escape, grid, markup, paragraph
from governance.exports.layout import FRAME_WIDTH

NO_GROUP = "\u2014"


def _charts(attribute: Mapping, interval_text: str) -> list:
    if not attribute["charts"]:
        return []
    story: list = [Spacer(1, 6)]
    images = render_attribute_charts(
        panels=attribute["charts"], width_inches=FRAME_WIDTH / inch, interval_text=interval_text
    )
    for image in images:
        width = image.width_inches * inch
        height = image.height_inches * inch
        if height > FRAME_HEIGHT * 0.9:
            width, height = width * FRAME_HEIGHT * 0.9 / height, FRAME_HEIGHT * 0.9
        story.append(Image(io.BytesIO(image.png), width=width, height=height))
    story.append(
        paragraph(
            f"Bars: selection rate of each group; whiskers: {interval_text}; dashed line: the "
            "threshold times the highest group's rate. Hatched orange bars fall below it.",
            "small",
        )
    )
    return story


def attribute_story(attribute: Mapping, interval_text: str) -> list:
    story: list = [CondPageBreak(8 * cm), paragraph(f"Results by {attribute['title']}", "h2")]
    story.append(paragraph(attribute["summary"]))
    story.append(paragraph("Groups", "h3"))
    story.append(
        grid(
            ["Group", "Rows", "Share", "Status"],
            [
                [g["group"], g["n_text"], g["share_text"], g["status_text"]]
                for g in attribute["groups"]
            ],
            [0.46, 0.16, 0.16, 0.22],
            muted=[i for i, g in enumerate(attribute["groups"]) if g["suppressed"]],
        )
    )
    story += _charts(attribute, interval_text)
    for table in attribute["selection_tables"]:
        rows = table["rows"]
        reference = table["reference_group"]
        caption = (
            f"Reference group (highest rate): {reference}. Line: {table['line_text']}."
            if reference is not None
            else "No reference group: fewer than two groups can be compared."
        )
        story += [
            paragraph(f"Selection rate: {table['label_text']}", "h3"),
            paragraph(caption, "caption"),
            grid(
                ["Group", "Rows", "Selection rate", interval_text, "Impact ratio", "Verdict"],
                [
                    [
                        row["group"],
                        row["n_text"],
                        row["rate_text"],
                        row["ci_text"],
                        row["impact_ratio_text"],
                        cell(
                            row["verdict_text"], "cell_bold" if row["verdict"] == "flag" else "cell"
                        ),
                    ]
                    for row in rows
                ],
                [0.3, 0.1, 0.13, 0.17, 0.12, 0.18],
                highlight=[i for i, row in enumerate(rows) if row["verdict"] == "flag"],
            ),
        ]
    if attribute["accuracy"]:
        story += [
            paragraph("Accuracy by group (EU AI Act Art. 13(3)(b)(v))", "h3"),
            grid(
                ["Group", "Rows", "Accuracy", interval_text],
                [
                    [row["group"], row["n_text"], row["value_text"], row["ci_text"]]
                    for row in attribute["accuracy"]["rows"]
                ],
                [0.4, 0.15, 0.2, 0.25],
            ),
        ]
    for table in attribute["error_tables"]:
        count = len(table["metric_texts"])
        story += [
            paragraph(f"Error rates: {table['label_text']}", "h3"),
            grid(
                ["Group", *table["metric_texts"]],
                [
                    [row["group"], *[_rate_with_interval(rate) for rate in row["cells"]]]
                    for row in table["rows"]
                ],
                [0.28] + [0.72 / count] * count,
            ),
        ]
    other = attribute["other_labels"]
    if other:
        count = len(other["label_texts"])
        per_table = 5
        for start in range(0, count, per_table):
            labels = other["label_texts"][start : start + per_table]
            story += [
                paragraph("Selection rates of the other labels", "h3")
                if start == 0
                else Spacer(1, 4),
                grid(
                    ["Group", *labels],
                    [
                        [
                            row["group"],
                            *[
                                _rate_with_interval(rate)
                                for rate in row["cells"][start : start + per_table]
                            ],
                        ]
                        for row in other["rows"]
                    ],
                    [0.28] + [0.72 / len(labels)] * len(labels),
                ),
            ]
    return story


def _rate_with_interval(rate: Mapping) -> Paragraph:
    if not rate["ci_text"]:
        return cell(rate["value_text"])
    return markup(
        f'{escape(rate["value_text"])}<br/><font size=6.8 color="#5f6b7a">'
        f"{escape(rate['ci_text'])}</font>",
        "cell",
    )


def disparities_story(context: Mapping) -> list:
    story: list = [
        PageBreak(),
        paragraph("All group comparisons", "h1"),
        paragraph(
            "For each attribute, label and rate: the lowest group's value divided by the highest "
            "(ratio, 1 = parity) and the highest minus the lowest (difference), over the groups "
            "large enough to compare. FLAGGED: beyond the threshold. Significant: the interval "
            "excludes parity, so the gap is unlikely to be chance.",
            "caption",
        ),
    ]
    for attribute in context["attributes"]:
        rows = attribute["disparities"]
        story.append(paragraph(attribute["title"], "h3"))
        if not rows:
            story.append(
                paragraph(
                    "No comparisons: fewer than two groups were large enough (insufficient data)."
                )
            )
            continue
        story.append(
            grid(
                [
                    "Label",
                    "Rate",
                    "Kind",
                    "Value",
                    "Interval",
                    "Lowest \u2192 highest",
                    "Verdict",
                    "Significant",
                ],
                [
                    [
                        row["label_text"],
                        row["metric_text"],
                        row["kind"],
                        row["value_text"],
                        row["ci_text"],
                        f"{row['lowest_group'] or NO_GROUP} \u2192 {row['highest_group'] or NO_GROUP}",
                        cell(
                            row["verdict_text"], "cell_bold" if row["verdict"] == "flag" else "cell"
                        ),
                        row["significant_text"],
                    ]
                    for row in rows
                ],
                [0.12, 0.13, 0.11, 0.09, 0.13, 0.19, 0.11, 0.12],
                highlight=[i for i, row in enumerate(rows) if row["verdict"] == "flag"],
            )
        )
    return story


def suppressed_story(context: Mapping) -> list:
    story: list = [CondPageBreak(5 * cm), paragraph("Groups with insufficient data", "h1")]
    rows = context["suppressed"]
    if not rows:
        story.append(paragraph("Every group was large enough to be compared."))
        return story
    story.append(
        paragraph(
            "These groups had fewer rows than the minimum group size. Their row counts are shown; "
            "their rates are withheld and they take no part in the comparisons.",
            "caption",
        )
    )
    story.append(
        grid(
            ["Attribute", "Group", "Rows", "Share", "Verdict"],
            [
                [
                    row["attribute"],
                    row["group"],
                    row["n_text"],
                    row["share_text"],
                    row["verdict_text"],
                ]
                for row in rows
            ],
            [0.25, 0.33, 0.12, 0.12, 0.18],
        )
    )
    return story
