"""The record of processing activities (GDPR Art. 30(1)) as CSV and as an A4 PDF.

Both take plain data the views build, never model instances:

``organization``: ``{"name": str}`` (other keys are ignored).

``activities``: one mapping per processing activity, in the order to print, with the keys

- ``name``, ``controller_name``, ``controller_contact``, ``dpo_contact``: text (Art. 30(1)(a));
- ``purposes``: list of text (30(1)(b));
- ``legal_basis`` (Art. 6(1)) and ``special_category_basis`` (Art. 9(2)): text, ``""`` if none;
- ``data_subject_categories``, ``personal_data_categories``: lists of text (30(1)(c));
- ``recipients``: list of text (30(1)(d));
- ``third_country_transfers``: list of text (countries), ``transfer_safeguards``: text (30(1)(e));
- ``retention``: text (30(1)(f)); ``security_measures``: text (30(1)(g));
- ``automated_decision_making``: bool (GDPR Art. 22);
- ``ai_systems``: list of the linked AI systems' names;
- ``warnings``: list of text, the gaps the view found (e.g. "No legal basis recorded");
- ``created_at``, ``updated_at``: ISO 8601 text or ``datetime`` (naive is UTC).

Text fields accept ``None`` or ``""`` for "not recorded". A missing key or a value of the wrong
type raises ``ExportDataError`` naming the activity (1-based, with its name) and the field.
"""

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import CondPageBreak, KeepTogether, SimpleDocTemplate, Spacer

from governance.exports import fields
from governance.exports.csvsafe import safe_cell
from governance.exports.layout import (
    FONT,
    FOOTER_SIZE,
    FRAME_WIDTH,
    MARGIN_BOTTOM,
    MARGIN_SIDE,
    MARGIN_TOP,
    PAGE_SIZE,
    WARNING_EDGE,
    WARNING_FILL,
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

LIST_SEPARATOR = "; "
TITLE = "Record of processing activities (GDPR Art. 30(1))"
FOOTER_TEMPLATE = "Record of processing - {organization} - generated {generated} - page {page}"
# The widest page number the footer reserves room for when it shortens the organization's name.
FOOTER_PAGE_ROOM = "9999"
YES = "yes"
NO = "no"
NONE_LISTED = "none"

CSV_COLUMNS = (
    "name",
    "controller_name",
    "controller_contact",
    "dpo_contact",
    "purposes",
    "legal_basis",
    "special_category_basis",
    "data_subject_categories",
    "personal_data_categories",
    "recipients",
    "third_country_transfers",
    "transfer_safeguards",
    "retention",
    "security_measures",
    "automated_decision_making",
    "ai_systems",
    "warnings",
    "created_at",
    "updated_at",
)
TEXT_FIELDS = (
    "name",
    "controller_name",
    "controller_contact",
    "dpo_contact",
    "legal_basis",
    "special_category_basis",
    "transfer_safeguards",
    "retention",
    "security_measures",
)
LIST_FIELDS = (
    "purposes",
    "data_subject_categories",
    "personal_data_categories",
    "recipients",
    "third_country_transfers",
    "ai_systems",
    "warnings",
)
TIME_FIELDS = ("created_at", "updated_at")


@dataclass(frozen=True)
class Activity:
    """One processing activity, checked and normalised."""

    texts: dict[str, str]
    lists: dict[str, list[str]]
    automated_decision_making: bool
    times: dict[str, datetime | None]

    def joined(self, key: str) -> str:
        return LIST_SEPARATOR.join(self.lists[key])


def _where(index: int, raw: Mapping) -> str:
    name = raw.get("name") if isinstance(raw, Mapping) else None
    label = f"activity {index + 1}"
    return f"{label} ({name!r})" if isinstance(name, str) and name else label


def _read_activity(index: int, raw: object) -> Activity:
    where = _where(index, raw if isinstance(raw, Mapping) else {})
    activity = fields.mapping(raw, where=where)
    return Activity(
        texts={key: fields.text(activity, key, where=where) for key in TEXT_FIELDS},
        lists={key: fields.text_list(activity, key, where=where) for key in LIST_FIELDS},
        automated_decision_making=fields.flag(activity, "automated_decision_making", where=where),
        times={key: fields.moment(activity, key, where=where) for key in TIME_FIELDS},
    )


def _read(organization: Mapping, activities: Sequence[Mapping]) -> tuple[str, list[Activity]]:
    organization = fields.mapping(organization, where="organization")
    name = fields.text(organization, "name", where="organization")
    return name, [_read_activity(index, raw) for index, raw in enumerate(activities)]


def _csv_row(activity: Activity) -> list[str]:
    row: list[str] = []
    for column in CSV_COLUMNS:
        if column in activity.texts:
            value = activity.texts[column]
        elif column in activity.lists:
            value = activity.joined(column)
        elif column == "automated_decision_making":
            value = YES if activity.automated_decision_making else NO
        else:
            value = fields.iso_utc(activity.times[column])
        row.append(safe_cell(value))
    return row


def render_register_csv(organization: Mapping, activities: Sequence[Mapping]) -> str:
    """The Art. 30(1) record as CSV text: a header row, then one row per processing activity.

    Lists are joined with ``"; "``, ``automated_decision_making`` is ``yes``/``no``, times are
    ISO 8601 UTC (``2026-03-12T13:05:09Z``). Every cell goes through ``safe_cell`` and quoting
    follows RFC 4180 (CRLF line ends); encode the text as UTF-8 to serve it.
    """
    _name, checked = _read(organization, activities)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for activity in checked:
        writer.writerow(_csv_row(activity))
    return buffer.getvalue()


def _listed(items: list[str]) -> str:
    return LIST_SEPARATOR.join(items) if items else NONE_LISTED


def _controller(activity: Activity) -> str:
    name = activity.texts["controller_name"]
    contact = activity.texts["controller_contact"]
    return "\n".join(part for part in (name, contact) if part) or fields.NOT_RECORDED


def _warnings_box(warnings: list[str]) -> list:
    items = [markup(f"<b>Warning:</b> {escape(warning)}", "warning") for warning in warnings]
    return [band(items, WARNING_FILL, edge=WARNING_EDGE, padding=4), Spacer(1, 4)]


def _activity_story(number: int, activity: Activity) -> list:
    texts = activity.texts
    recorded = fields.or_not_recorded
    rows = [
        ("(a) Controller, contact details", _controller(activity)),
        ("(a) Data protection officer", recorded(texts["dpo_contact"])),
        ("(b) Purposes of the processing", _listed(activity.lists["purposes"])),
        ("Legal basis (Art. 6(1))", recorded(texts["legal_basis"])),
        ("Special-category basis (Art. 9(2))", texts["special_category_basis"] or NONE_LISTED),
        ("(c) Categories of data subjects", _listed(activity.lists["data_subject_categories"])),
        ("(c) Categories of personal data", _listed(activity.lists["personal_data_categories"])),
        ("(d) Categories of recipients", _listed(activity.lists["recipients"])),
        ("(e) Transfers to third countries", _listed(activity.lists["third_country_transfers"])),
        ("(e) Safeguards for those transfers", texts["transfer_safeguards"] or NONE_LISTED),
        ("(f) Time limits for erasure", recorded(texts["retention"])),
        ("(g) Security measures (Art. 32(1))", recorded(texts["security_measures"])),
        (
            "Automated decision-making (Art. 22)",
            YES if activity.automated_decision_making else NO,
        ),
        ("Linked AI systems", _listed(activity.lists["ai_systems"])),
        (
            "Recorded / last changed",
            f"{fields.minute_text(activity.times['created_at'])} / "
            f"{fields.minute_text(activity.times['updated_at'])}",
        ),
    ]
    heading = paragraph(f"{number}. {recorded(texts['name'])}", "h1")
    story: list = [CondPageBreak(5 * cm)]
    if activity.lists["warnings"]:
        story.append(KeepTogether([heading, *_warnings_box(activity.lists["warnings"])]))
    else:
        story.append(heading)
    story += [key_values(rows, key_width=0.34), Spacer(1, 10)]
    return story


def _overview(checked: list[Activity]) -> list:
    if not checked:
        return [paragraph("No processing activities are recorded.")]
    rows = [
        [
            str(number),
            fields.or_not_recorded(activity.texts["name"]),
            fields.or_not_recorded(activity.texts["legal_basis"]),
            _listed(activity.lists["ai_systems"]),
            str(len(activity.lists["warnings"])),
        ]
        for number, activity in enumerate(checked, start=1)
    ]
    return [
        paragraph("Activities", "h1"),
        grid(
            ["#", "Processing activity", "Legal basis (Art. 6)", "Linked AI systems", "Warnings"],
            rows,
            [0.05, 0.31, 0.24, 0.26, 0.14],
            highlight=[
                index for index, activity in enumerate(checked) if activity.lists["warnings"]
            ],
        ),
    ]


def _footer(organization: str, generated: str):
    fixed = FOOTER_TEMPLATE.format(organization="", generated=generated, page=FOOTER_PAGE_ROOM)
    room = FRAME_WIDTH - pdfmetrics.stringWidth(fixed, FONT, FOOTER_SIZE)
    shown = fit(organization, room)

    def footer(page: int) -> str:
        return FOOTER_TEMPLATE.format(organization=shown, generated=generated, page=page)

    return footer


def render_register_pdf(
    organization: Mapping, activities: Sequence[Mapping], *, generated_at: str
) -> bytes:
    """The Art. 30(1) record as A4 PDF bytes: an overview, then one section per activity with
    each field labelled by its Art. 30(1) clause letter and its warnings highlighted.

    ``generated_at`` is ISO 8601 text (naive is UTC); it is printed in the footer of every page,
    so the same inputs render the same bytes.
    """
    name, checked = _read(organization, activities)
    generated = fields.minute_text(
        fields.moment({"generated_at": generated_at}, "generated_at", where="arguments")
    )
    register_fonts()
    org_name = fields.or_not_recorded(name)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN_SIDE,
        rightMargin=MARGIN_SIDE,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{TITLE}: {org_name}",
        author="Attune",
        subject=f"Generated {generated}",
        creator="Attune",
        invariant=1,
    )
    warned = sum(1 for activity in checked if activity.lists["warnings"])
    story: list = [
        # Two lines on purpose: the title is too wide for one line of A4 at title size.
        markup(TITLE.replace(" (", "<br/>("), "title"),
        Spacer(1, 4),
        paragraph(org_name, "subtitle"),
        Spacer(1, 10),
        key_values(
            [
                ("Controller (organization)", org_name),
                ("Generated", generated),
                ("Processing activities", str(len(checked))),
                ("Activities with warnings", str(warned)),
            ],
            key_width=0.34,
        ),
        Spacer(1, 6),
        paragraph(
            "Kept in writing under GDPR Art. 30(3) and made available to the supervisory "
            "authority on request (Art. 30(4)). Letters (a) to (g) name the point of "
            "Art. 30(1) each entry answers.",
            "small",
        ),
    ]
    story += _overview(checked)
    for number, activity in enumerate(checked, start=1):
        story += _activity_story(number, activity)
    decorate = page_decorations(
        _footer(org_name, generated), fit(f"{TITLE} \u2014 {org_name}", FRAME_WIDTH)
    )
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
