"""Spreadsheet-safe CSV cells (formula injection, OWASP "CSV injection"; REGULATORY.md 6(b) 17).

A spreadsheet treats a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and
some also after a leading tab, carriage return or NUL. Group labels, vendor names and comments are
user input, so every text cell that starts with one of those characters is prefixed with a single
quote, which spreadsheets show as text and never evaluate. Numbers are written as numbers,
untouched: ``-1`` (an int) stays ``-1``, while the text ``"-cmd"`` becomes ``"'-cmd"``.

Use ``safe_cell`` on every cell of every CSV export. ``audits.reports.csvsafe`` re-exports it;
it lives here because ``governance`` never imports ``audits``.
"""

import math
import numbers
from decimal import Decimal

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
QUOTE_PREFIX = "'"


def safe_cell(value: object) -> str:
    """Return ``value`` as the text of one CSV cell that no spreadsheet evaluates as a formula.

    - ``None`` -> ``""`` (undefined stays empty, never a zero).
    - ``bool`` -> ``"true"`` / ``"false"``.
    - Real numbers (``int``, ``float``, numpy scalars, ``Decimal``...) -> their shortest exact
      text (``repr`` for floats), sign kept: a negative number is data, not a formula. A
      non-finite float (NaN, infinity) is not a defined figure and is written as ``""``.
    - Anything else is converted with ``str``; text starting with ``=``, ``+``, ``-``, ``@``,
      tab, CR or NUL gets a leading ``'``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else ""
    if isinstance(value, numbers.Real):
        number = float(value)
        return repr(number) if math.isfinite(number) else ""
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return QUOTE_PREFIX + text
    return text
