"""Governance exports: the GDPR Art. 30 register (CSV and PDF) and the deployment approval
certificate (PDF), rendered from plain dicts the views build. No Django, no models, no ``audits``."""

from governance.exports.certificate import render_certificate_pdf
from governance.exports.csvsafe import safe_cell
from governance.exports.fields import ExportDataError
from governance.exports.register import render_register_csv, render_register_pdf

__all__ = [
    "ExportDataError",
    "render_certificate_pdf",
    "render_register_csv",
    "render_register_pdf",
    "safe_cell",
]
