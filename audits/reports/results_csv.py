"""``results.csv``: the audit's metrics and disparities as one tidy, formula-safe table.

One header, one row per metric (``table`` = ``metric``), then one row per disparity
(``table`` = ``disparity``); columns a row does not use stay empty. Numbers are written as
numbers (full precision, ``-1`` stays ``-1``), ``null`` as an empty cell, booleans as
``true``/``false``, and every text cell goes through ``safe_cell``.
"""

import csv
import io
from collections.abc import Mapping

from audits.reports.csvsafe import safe_cell
from audits.reports.results_reader import tidy_rows

COLUMNS = (
    "table",
    "attribute",
    "group",
    "reference_group",
    "label",
    "metric",
    "kind",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "suppressed",
    "threshold",
    "flagged",
    "significant",
)

ERR_NOT_A_SOURCE = (
    "render_results_csv needs a report context (with 'tidy') or an audit results dict "
    "(with 'metrics' and 'disparities'); got an object with keys {keys}."
)


def render_results_csv(context_or_results: Mapping) -> str:
    """The tidy CSV of a report context (``build_context``) or of a raw ``results`` dict."""
    if isinstance(context_or_results, Mapping) and "tidy" in context_or_results:
        tidy = context_or_results["tidy"]
    elif isinstance(context_or_results, Mapping) and "metrics" in context_or_results:
        tidy = tidy_rows(context_or_results)
    else:
        keys = sorted(context_or_results) if isinstance(context_or_results, Mapping) else []
        raise ValueError(ERR_NOT_A_SOURCE.format(keys=keys))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in [*tidy["metrics"], *tidy["disparities"]]:
        writer.writerow([safe_cell(row.get(column)) for column in COLUMNS])
    return buffer.getvalue()
