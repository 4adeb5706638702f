"""The default questionnaire: emotion AI in a small business (`emotion-ai-smb`, version 1).

The content lives in `data/emotion-ai-smb.v1.json`, written for a small business owner: plain
questions, a short `help` saying why each is asked, and the clauses in `anchors` (EU AI Act,
GDPR, NIST AI RMF, ISO/IEC 42001, Canada's AIA; REGULATORY.md §1-3). A published version is
never edited: a change is a new file with the next version number.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from .model import Questionnaire
from .validation import validate_questionnaire

DEFAULT_KEY = "emotion-ai-smb"
DEFAULT_VERSION = 1
DATA_DIR = Path(__file__).resolve().parent / "data"


def questionnaire_path(key: str = DEFAULT_KEY, version: int = DEFAULT_VERSION) -> Path:
    """Where the data file of a shipped questionnaire version lives."""
    return DATA_DIR / f"{key}.v{version}.json"


def default_questionnaire_data() -> dict[str, Any]:
    """A fresh copy of the default questionnaire as plain data (for a data migration)."""
    return json.loads(questionnaire_path().read_text(encoding="utf-8"))


@cache
def default_questionnaire() -> Questionnaire:
    """The default questionnaire, validated once per process."""
    return validate_questionnaire(default_questionnaire_data())
