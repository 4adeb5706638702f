"""Page geometry, fonts, paragraph styles, tables and footers shared by the governance PDFs.

The same conventions as the audit report (``audits/reports/layout.py``), copied because
``governance`` never imports ``audits``. Every string that came from a user goes through ``escape``
(``paragraph`` and ``cell`` call it) before it reaches reportlab's mini-HTML, so ``<b>x</b>`` or
``&`` print as written. Text is set in DejaVu Sans (shipped with matplotlib) so accented and
non-Latin names print. Nothing is cut: tables split inside a row, so a long reason or purpose
continues on the next page instead of being truncated.
"""

import re
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

FONT = "AttuneSans"
FONT_BOLD = "AttuneSans-Bold"
FONT_ITALIC = "AttuneSans-Oblique"
FONT_BOLD_ITALIC = "AttuneSans-BoldOblique"
FONT_MONO = "AttuneMono"
FONT_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
    FONT_BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
    FONT_MONO: "DejaVuSansMono.ttf",
}
PAGE_SIZE = A4
MARGIN_SIDE = 2 * cm
MARGIN_TOP = 2 * cm
MARGIN_BOTTOM = 2.2 * cm
FRAME_WIDTH = PAGE_SIZE[0] - 2 * MARGIN_SIDE
FOOTER_SIZE = 7.5
KEY_WIDTH = 0.3
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#5f6b7a")
RULE = colors.HexColor("#c8cdd3")
HEADER_FILL = colors.HexColor("#e8edf3")
ZEBRA_FILL = colors.HexColor("#f7f8fa")
WARNING_FILL = colors.HexColor("#fbe3cc")
WARNING_EDGE = colors.HexColor("#d9822b")
GOOD = colors.HexColor("#2f7d4f")
BAD = colors.HexColor("#b42318")
NEUTRAL = colors.HexColor("#6b7785")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAKS = re.compile(r"\r\n|\r|\n")
REPLACEMENT = "\ufffd"
ELLIPSIS = "\u2026"


def clean(value: object) -> str:
    """Control characters (which the PDF text and mini-HTML parser reject) become U+FFFD."""
    return CONTROL_CHARACTERS.sub(REPLACEMENT, str(value))


def escape(value: object) -> str:
    """User text made literal for reportlab's mini-HTML: ``&``, ``<``, ``>`` and quotes become
    entities; control characters become U+FFFD; line breaks are kept as ``<br/>``."""
    text = xml_escape(clean(value), {'"': "&quot;"})
    return LINE_BREAKS.sub("<br/>", text)


@cache
def register_fonts() -> None:
    # Imported here: only its font folder is needed, and only when a PDF is drawn.
    import matplotlib

    font_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name, file_name in FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(font_dir / file_name)))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC
    )


@cache
def styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName=FONT, fontSize=9.5, leading=13, textColor=INK, alignment=TA_LEFT
    )
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=20, leading=25),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=12.5, leading=16, textColor=MUTED
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            keepWithNext=1,
            fontName=FONT_BOLD,
            fontSize=14,
            leading=18,
            spaceBefore=10,
            spaceAfter=5,
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
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10
        ),
        "mono": ParagraphStyle("mono", parent=base, fontName=FONT_MONO, fontSize=7.6, leading=10),
        "warning": ParagraphStyle("warning", parent=base, fontSize=8.5, leading=11),
        "banner": ParagraphStyle(
            "banner",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=16,
            leading=20,
            textColor=colors.white,
        ),
        "banner_small": ParagraphStyle(
            "banner_small", parent=base, fontSize=8.5, leading=11, textColor=colors.white
        ),
        "badge": ParagraphStyle(
            "badge",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=10.5,
            leading=13,
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
    return paragraph(text, style)


def grid(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    *,
    mono_columns: Sequence[int] = (),
    highlight: Sequence[int] = (),
) -> Table:
    """A grid with a repeated header row; ``widths`` are fractions of the frame width,
    ``highlight`` lists the 0-based body rows to shade as needing attention."""
    data: list[list[object]] = [[cell(title, "cell_bold") for title in header]]
    for row in rows:
        data.append(
            [
                item
                if isinstance(item, Flowable)
                else cell(item, "mono" if index in mono_columns else "cell")
                for index, item in enumerate(row)
            ]
        )
    table = Table(
        data,
        colWidths=[FRAME_WIDTH * w for w in widths],
        repeatRows=1,
        splitInRow=1,
        hAlign="LEFT",
    )
    commands = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    commands += [
        ("BACKGROUND", (0, index), (-1, index), ZEBRA_FILL) for index in range(2, len(data), 2)
    ]
    commands += [
        ("BACKGROUND", (0, index + 1), (-1, index + 1), WARNING_FILL) for index in highlight
    ]
    table.setStyle(TableStyle(commands))
    return table


def key_values(
    rows: Sequence[tuple[str, object]],
    *,
    mono: Sequence[str] = (),
    key_width: float = KEY_WIDTH,
    width: float = FRAME_WIDTH,
) -> Table:
    """Label / value rows; values whose label is in ``mono`` (digests, ids) are set monospaced."""
    data = [
        [
            cell(key, "cell_bold"),
            value
            if isinstance(value, Flowable)
            else cell(value, "mono" if key in mono else "cell"),
        ]
        for key, value in rows
    ]
    table = Table(
        data,
        colWidths=[width * key_width, width * (1 - key_width)],
        splitInRow=1,
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def band(
    content: Sequence[Flowable],
    fill: colors.Color,
    *,
    edge: colors.Color | None = None,
    padding: float = 6,
) -> Table:
    """A full-width coloured box around ``content`` (banners, badges, warnings)."""
    table = Table([[list(content)]], colWidths=[FRAME_WIDTH], hAlign="LEFT")
    commands = [
        ("BACKGROUND", (0, 0), (-1, -1), fill),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding + 1),
        ("LEFTPADDING", (0, 0), (-1, -1), padding + 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding + 2),
    ]
    if edge is not None:
        commands.append(("LINEBEFORE", (0, 0), (0, -1), 3, edge))
    table.setStyle(TableStyle(commands))
    return table


def fit(text: str, width: float, *, font: str = FONT, size: float = FOOTER_SIZE) -> str:
    """``text`` cut with an ellipsis so that it is at most ``width`` points wide in one line."""
    text = clean(text)
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + ELLIPSIS, font, size) > width:
        text = text[:-1]
    return text + ELLIPSIS


def page_decorations(footer: Callable[[int], str], header: str) -> Callable[[object, object], None]:
    """Draw the rule and ``footer(page)`` on every page, and ``header`` from page 2 on."""

    def draw(canvas, document) -> None:
        canvas.saveState()
        width, height = PAGE_SIZE
        line_y = MARGIN_BOTTOM - 0.6 * cm
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_SIDE, line_y, width - MARGIN_SIDE, line_y)
        canvas.setFillColor(MUTED)
        canvas.setFont(FONT, FOOTER_SIZE)
        canvas.drawCentredString(width / 2, MARGIN_BOTTOM - 1.1 * cm, footer(document.page))
        if document.page > 1:
            canvas.drawString(MARGIN_SIDE, height - MARGIN_TOP + 0.6 * cm, header)
        canvas.restoreState()

    return draw
