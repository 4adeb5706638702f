"""Page geometry, fonts, paragraph styles and table helpers shared by the PDF sections.

Every string that came from a user goes through ``escape`` (``paragraph`` and ``cell`` call it)
before it reaches reportlab's mini-HTML, so ``<b>x</b>`` or ``&`` print as written. Text is set in
DejaVu Sans (shipped with matplotlib) so accented and non-Latin group names print.
"""

from collections.abc import Sequence
from functools import cache
from xml.sax.saxutils import escape as xml_escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, Table, TableStyle

# Fonts, page geometry and colours are the governance exports' (one look for every Attune PDF).
from governance.exports.layout import (
    FONT,
    FONT_BOLD,
    FONT_MONO,
    FRAME_WIDTH,
    HEADER_FILL,
    INK,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MUTED,
    PAGE_SIZE,
    RULE,
    ZEBRA_FILL,
    clean,
)

FRAME_HEIGHT = PAGE_SIZE[1] - MARGIN_TOP - MARGIN_BOTTOM
MAX_CELL_CHARS = 300
FLAG_FILL = colors.HexColor("#fbe3cc")
INSUFFICIENT_FILL = colors.HexColor("#eceef1")


def escape(value: object) -> str:
    """User text made literal for reportlab's mini-HTML: ``&``, ``<``, ``>`` and quotes become
    entities; control characters (which the parser rejects) become U+FFFD. Line breaks are
    left as they are (table cells wrap)."""
    return xml_escape(clean(value), {'"': "&quot;"})


def clip(value: object, limit: int = MAX_CELL_CHARS) -> str:
    text = str(value)
    if len(text) <= limit:
        return text
    return text[:limit] + "\u2026 (cut here; in full in results.csv)"


@cache
def styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName=FONT, fontSize=9.5, leading=13, textColor=INK, alignment=TA_LEFT
    )
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=24, leading=29),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=14, leading=18, textColor=MUTED
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            keepWithNext=1,
            fontName=FONT_BOLD,
            fontSize=15,
            leading=19,
            spaceBefore=6,
            spaceAfter=6,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            keepWithNext=1,
            fontName=FONT_BOLD,
            fontSize=12,
            leading=15,
            spaceBefore=10,
            spaceAfter=4,
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=base,
            keepWithNext=1,
            fontName=FONT_BOLD,
            fontSize=10,
            leading=13,
            spaceBefore=8,
            spaceAfter=3,
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, textColor=MUTED),
        "caption": ParagraphStyle(
            "caption", parent=base, fontSize=8, leading=10.5, textColor=MUTED, keepWithNext=1
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.8, leading=9.6),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=FONT_BOLD, fontSize=7.8, leading=9.6
        ),
        "cell_head": ParagraphStyle(
            "cell_head", parent=base, fontName=FONT_BOLD, fontSize=7.8, leading=9.6
        ),
        "mono": ParagraphStyle("mono", parent=base, fontName=FONT_MONO, fontSize=7.8, leading=10),
        "badge": ParagraphStyle(
            "badge",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=11,
            leading=14,
            textColor=colors.white,
        ),
    }


def paragraph(text: object, style: str = "body") -> Paragraph:
    """A paragraph of user (or any untrusted) text, escaped."""
    return Paragraph(escape(text), styles()[style])


def markup(source: str, style: str = "body") -> Paragraph:
    """A paragraph of trusted markup whose user parts the caller has already escaped."""
    return Paragraph(source, styles()[style])


def cell(text: object, style: str = "cell") -> Paragraph:
    return paragraph(clip(text), style)


def grid(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    *,
    highlight: Sequence[int] = (),
    muted: Sequence[int] = (),
) -> Table:
    """A grid with a repeated header row; ``widths`` are fractions of the frame width,
    ``highlight`` lists the 0-based body rows to shade as flagged and ``muted`` those to shade
    as insufficient data."""
    data = [[cell(title, "cell_head") for title in header]]
    for row in rows:
        data.append([item if isinstance(item, Paragraph) else cell(item) for item in row])
    table = Table(data, colWidths=[FRAME_WIDTH * w for w in widths], repeatRows=1, hAlign="LEFT")
    commands = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for index in range(1, len(data)):
        if index % 2 == 0:
            commands.append(("BACKGROUND", (0, index), (-1, index), ZEBRA_FILL))
    for index in muted:
        commands.append(("BACKGROUND", (0, index + 1), (-1, index + 1), INSUFFICIENT_FILL))
    for index in highlight:
        commands.append(("BACKGROUND", (0, index + 1), (-1, index + 1), FLAG_FILL))
    table.setStyle(TableStyle(commands))
    return table


def key_values(rows: Sequence[tuple[str, object]], *, mono: Sequence[str] = ()) -> Table:
    data = [
        [cell(key, "cell_bold"), cell(value, "mono" if key in mono else "cell")]
        for key, value in rows
    ]
    table = Table(data, colWidths=[FRAME_WIDTH * 0.28, FRAME_WIDTH * 0.72], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def bullets(items: Sequence[object]) -> list[Paragraph]:
    return [markup(f"\u2022 {escape(item)}") for item in items]
