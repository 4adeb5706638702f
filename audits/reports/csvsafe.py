"""Spreadsheet-safe CSV cells: one implementation, kept in `governance.exports.csvsafe`.

Audits may import governance (never the reverse), so the audit CSV export reuses the governance
helper rather than keeping a copy.
"""

from governance.exports.csvsafe import FORMULA_TRIGGERS, QUOTE_PREFIX, safe_cell

__all__ = ["FORMULA_TRIGGERS", "QUOTE_PREFIX", "safe_cell"]
