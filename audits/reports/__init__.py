"""Audit reports: a plain context dict from a finished run, rendered as PDF and CSV.

Nothing here imports Django or queries: callers pass plain mappings (see ``context``).
"""

from audits.reports.context import build_context
from audits.reports.csvsafe import safe_cell
from audits.reports.pdf import render_pdf
from audits.reports.results_csv import render_results_csv

__all__ = ["build_context", "render_pdf", "render_results_csv", "safe_cell"]
