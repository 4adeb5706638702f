"""Impact-assessment questionnaires: content as data, answer checking and scoring (no Django).

A stored questionnaire is its `Questionnaire.to_dict()`; a submitted assessment freezes the answers
from `validate_answers(..., require_complete=True)` and `score(...).to_dict()`. Everything here is
pure and deterministic.
"""

from .answers import AnswerError, validate_answers
from .default import (
    DEFAULT_KEY,
    DEFAULT_VERSION,
    default_questionnaire,
    default_questionnaire_data,
)
from .model import MITIGATION, MULTI, RISK, SINGLE, Option, Question, Questionnaire, Section
from .scoring import LEVELS, Contribution, Score, impact_level, round_half_up, score
from .validation import QuestionnaireError, validate_questionnaire

__all__ = [
    "DEFAULT_KEY",
    "DEFAULT_VERSION",
    "LEVELS",
    "MITIGATION",
    "MULTI",
    "RISK",
    "SINGLE",
    "AnswerError",
    "Contribution",
    "Option",
    "Question",
    "Questionnaire",
    "QuestionnaireError",
    "Score",
    "Section",
    "default_questionnaire",
    "default_questionnaire_data",
    "impact_level",
    "round_half_up",
    "score",
    "validate_answers",
    "validate_questionnaire",
]
