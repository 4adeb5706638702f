"""Attune's audit engine: pure computation on arrays, no Django.

Pipeline: `encode` raw columns to codes, `count` them (additive: `Counts.merge` chunks counted
anywhere), `finalize` the counts into the pinned results dict; `audit` does all three in one
process. `crosscheck` recomputes the point metrics with fairlearn and aif360;
`canonical_json`/`result_sha256` give the reproducible bytes and digest of a result.
`explain` (surrogate model and SHAP) is imported only when called, so importing this package
stays cheap.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .canonical import canonical_json, result_sha256
from .config import ENGINE_VERSION, FLAGGED, MISSING, AuditConfig, AuditInputError
from .counting import count
from .counts import Counts
from .encoding import Encoded, encode
from .references import crosscheck
from .results import audit, finalize, point_metrics

__all__ = [
    "ENGINE_VERSION",
    "FLAGGED",
    "MISSING",
    "AuditConfig",
    "AuditInputError",
    "Counts",
    "Encoded",
    "audit",
    "canonical_json",
    "count",
    "crosscheck",
    "encode",
    "explain",
    "finalize",
    "point_metrics",
    "result_sha256",
]


def explain(*args: Any, **kwargs: Any) -> Any:
    """Lazy re-export of `audits.engine.explain.explain` (imports scikit-learn and SHAP on call)."""
    from .explain import explain as _explain

    return _explain(*args, **kwargs)


class _Package(types.ModuleType):
    """This package, keeping `explain` the function above.

    Importing the submodule `audits.engine.explain` (here on the first call, or anywhere else)
    makes the import system set the package attribute `explain` to that module, which would turn
    `audits.engine.explain(...)` into "module is not callable". The submodule stays reachable as
    `sys.modules["audits.engine.explain"]` and through `from audits.engine.explain import ...`.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "explain" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
