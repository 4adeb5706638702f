"""Per-attribute charts of group selection rates, rendered by matplotlib (Agg) to PNG in memory.

One panel per charted label (the flagged labels and the ``flagged`` view): a horizontal bar per
group with its Wilson interval as an error bar, the four-fifths line (threshold x highest rate)
dashed, bars below the line hatched and coloured, suppressed groups marked "insufficient data".
Figures are built with ``matplotlib.figure.Figure`` (no pyplot state, safe in a web worker); the
Agg backend is selected for anyone who imports pyplot afterwards. Group names are user input:
mathtext is switched off so a ``$`` stays a dollar sign.
"""

import io
import math
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

MAX_PANELS_PER_FIGURE = 3
MAX_GROUPS_PER_FIGURE = 25
BAR_HEIGHT_INCHES = 0.24
FIGURE_MARGIN_INCHES = 1.3
MAX_GROUP_NAME_CHARS = 28
AXIS_HEADROOM = 1.3
TITLE_CHARS_PER_INCH = 10
MIN_TITLE_CHARS = 12
DPI = 150
BAR_COLOUR = "#4a78a8"
FLAG_COLOUR = "#d9822b"
LINE_COLOUR = "#222222"
MUTED_COLOUR = "#777777"
FONT_SIZE = 8
LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85}
MISSING_GLYPH_WARNING = r"Glyph .* missing from font"

ERR_NO_PANELS = "A chart needs at least one panel (a label with selection rates)."
ERR_UNEQUAL_GROUPS = (
    "Every panel of the chart for {attribute!r} must list the same groups in the same order."
)


@dataclass(frozen=True)
class ChartImage:
    """One rendered figure: PNG bytes and the size it was drawn at, in inches."""

    png: bytes
    width_inches: float
    height_inches: float
    groups_shown: tuple[int, int]


def short_name(name: str, *, limit: int = MAX_GROUP_NAME_CHARS) -> str:
    """A group name cut to fit an axis label; the tables carry it in full."""
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"


def render_attribute_charts(
    *, panels: Sequence[Mapping], width_inches: float, interval_text: str
) -> list[ChartImage]:
    """Render the chart specs of one attribute (``context["attributes"][i]["charts"]``).

    Splits into several figures when there are more than ``MAX_PANELS_PER_FIGURE`` labels or
    ``MAX_GROUPS_PER_FIGURE`` groups, so that every figure fits on an A4 page.
    """
    if not panels:
        raise ValueError(ERR_NO_PANELS)
    names = [row["group"] for row in panels[0]["groups"]]
    for panel in panels:
        if [row["group"] for row in panel["groups"]] != names:
            raise ValueError(ERR_UNEQUAL_GROUPS.format(attribute=panel["attribute"]))
    images = []
    for start in range(0, len(panels), MAX_PANELS_PER_FIGURE):
        panel_chunk = panels[start : start + MAX_PANELS_PER_FIGURE]
        for first in range(0, len(names), MAX_GROUPS_PER_FIGURE):
            last = min(first + MAX_GROUPS_PER_FIGURE, len(names))
            images.append(
                _figure(
                    panels=panel_chunk,
                    rows=(first, last),
                    width_inches=width_inches,
                    interval_text=interval_text,
                )
            )
    return images


def _figure(
    *, panels: Sequence[Mapping], rows: tuple[int, int], width_inches: float, interval_text: str
) -> ChartImage:
    first, last = rows
    height = (last - first) * BAR_HEIGHT_INCHES + FIGURE_MARGIN_INCHES
    with (
        matplotlib.rc_context({"text.parse_math": False, "font.size": FONT_SIZE}),
        warnings.catch_warnings(),
    ):
        # A group name in a script DejaVu Sans lacks still renders (as boxes); not an error.
        warnings.filterwarnings("ignore", message=MISSING_GLYPH_WARNING, category=UserWarning)
        figure = Figure(figsize=(width_inches, height), dpi=DPI, layout="constrained")
        axes = figure.subplots(1, len(panels), sharey=True, squeeze=False)[0]
        title_chars = max(MIN_TITLE_CHARS, int(width_inches / len(panels) * TITLE_CHARS_PER_INCH))
        for ax, panel in zip(axes, panels, strict=True):
            _panel(ax, panel, panel["groups"][first:last], title_chars=title_chars)
        figure.legend(
            handles=_legend_handles(interval_text, panels),
            loc="outside lower center",
            ncols=4,
            frameon=False,
            fontsize=FONT_SIZE - 1,
        )
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return ChartImage(
        png=buffer.getvalue(),
        width_inches=width_inches,
        height_inches=height,
        groups_shown=(first + 1, last),
    )


def _panel(ax, panel: Mapping, rows: Sequence[Mapping], *, title_chars: int) -> None:
    positions = list(range(len(rows)))
    defined = [(y, row) for y, row in zip(positions, rows, strict=True) if row["value"] is not None]
    for y, row in defined:
        below = row.get("below_line", False)
        ax.barh(
            y,
            row["value"],
            height=0.6,
            color=FLAG_COLOUR if below else BAR_COLOUR,
            hatch="///" if below else None,
            edgecolor="white",
            linewidth=0,
        )
    with_interval = [
        (y, row) for y, row in defined if row["ci_low"] is not None and row["ci_high"] is not None
    ]
    if with_interval:
        ax.errorbar(
            [row["value"] for _, row in with_interval],
            [y for y, _ in with_interval],
            xerr=[
                [max(row["value"] - row["ci_low"], 0) for _, row in with_interval],
                [max(row["ci_high"] - row["value"], 0) for _, row in with_interval],
            ],
            fmt="none",
            ecolor=LINE_COLOUR,
            elinewidth=0.9,
            capsize=2.5,
        )
    tops = [row["ci_high"] if row["ci_high"] is not None else row["value"] for _, row in defined]
    if panel.get("line") is not None:
        tops.append(panel["line"])
    top = max(tops, default=0.0)
    upper = min(top * AXIS_HEADROOM, 1.0) if top > 0 else 1.0
    if panel.get("line") is not None:
        ax.axvline(panel["line"], color=LINE_COLOUR, linestyle="--", linewidth=1.0)
    for y, row in zip(positions, rows, strict=True):
        if row["value"] is None:
            reason = "insufficient data" if row["suppressed"] else "not defined"
            ax.text(
                upper * 0.01,
                y,
                f"{reason} (n={row['n']:,})",
                va="center",
                ha="left",
                color=MUTED_COLOUR,
                fontstyle="italic",
                fontsize=FONT_SIZE - 1,
                bbox=LABEL_BOX,
                zorder=3,
            )
        else:
            end = row["ci_high"] if row["ci_high"] is not None else row["value"]
            ax.text(
                end + upper * 0.015,
                y,
                f"{row['value'] * 100:.1f}%",
                va="center",
                ha="left",
                fontsize=FONT_SIZE - 1,
                bbox=LABEL_BOX,
                zorder=3,
            )
    ax.set_xlim(0, upper)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_yticks(positions, [short_name(row["group"]) for row in rows])
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0 if upper >= 0.1 else 1))
    title = short_name(panel["label_text"], limit=2 * MAX_GROUP_NAME_CHARS)
    ax.set_title(textwrap.fill(title, width=title_chars), fontsize=FONT_SIZE + 1)
    ax.set_xlabel("selection rate", fontsize=FONT_SIZE)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _legend_handles(interval_text: str, panels: Sequence[Mapping]) -> list:
    thresholds = {panel["threshold"] for panel in panels}
    threshold = next(iter(thresholds)) if len(thresholds) == 1 else None
    line_label = (
        f"{threshold:g} x highest rate (four-fifths line)"
        if threshold is not None and math.isfinite(threshold)
        else "threshold x highest rate"
    )
    return [
        Patch(facecolor=BAR_COLOUR, label="selection rate"),
        Patch(facecolor=FLAG_COLOUR, hatch="///", edgecolor="white", label="below the line"),
        Line2D([], [], color=LINE_COLOUR, marker="|", linestyle="-", label=interval_text),
        Line2D([], [], color=LINE_COLOUR, linestyle="--", label=line_label),
    ]
