"""Checking a person's answers against one questionnaire version.

Answers map a question id to the chosen option value: a string for single choice, a list of
strings for multi choice. Nothing else is read: points, weights or scores sent by a client are
not part of an answer, and an answer shaped like `{"value": ..., "risk": 0}` is rejected as the
wrong type, so the points always come from the stored questionnaire.

A draft may leave questions out (`require_complete=False`); at submission every required
question needs an answer (`require_complete=True`). An empty list is never an answer to a
required question, draft or not: a multi-choice question that may have nothing to choose offers
an explicit option for that ("None of these"). A key that is present is always checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import MULTI, Question, Questionnaire

ANSWERS_INVALID = "The answers do not fit the questionnaire."
ANSWERS_NOT_A_MAPPING = "Answers must be an object mapping question ids to chosen option values."
UNKNOWN_QUESTION = (
    "There is no question {question_id!r} in questionnaire {key!r} version {version}."
)
UNKNOWN_OPTION = "{value!r} is not an option of this question; the options are: {options}."
SINGLE_GOT_LIST = "This question takes one option value, not a list."
SINGLE_NOT_TEXT = "This question takes one option value as text."
MULTI_NOT_LIST = "This question takes a list of option values."
MULTI_ITEM_NOT_TEXT = "Each chosen option must be an option value as text, not {value!r}."
MULTI_EMPTY_REQUIRED = "This question is required: choose at least one option."
EXCLUSIVE_COMBINED = "{label!r} cannot be chosen together with other options."
MISSING_REQUIRED = "This question is required and has no answer."

Answer = str | list[str]


class AnswerError(ValueError):
    """Answers that do not fit the questionnaire; `errors` is `[{"field", "message"}]`.

    Each field is `answers.<question_id>` (or `answers` when the whole value is not a mapping),
    ready for a 400 `{"detail": ..., "errors": [...]}` response.
    """

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(f"{ANSWERS_INVALID} {errors}")
        self.detail = ANSWERS_INVALID
        self.errors = errors


def _field(question_id: Any) -> str:
    return f"answers.{question_id}"


def _check_single(question: Question, value: Any) -> tuple[str | None, list[str]]:
    if isinstance(value, list | tuple):
        return None, [SINGLE_GOT_LIST]
    if not isinstance(value, str):
        return None, [SINGLE_NOT_TEXT]
    if question.option(value) is None:
        return None, [UNKNOWN_OPTION.format(value=value, options=", ".join(question.values))]
    return value, []


def _check_multi(question: Question, value: Any) -> tuple[list[str] | None, list[str]]:
    if not isinstance(value, list | tuple):
        return None, [MULTI_NOT_LIST]
    messages: list[str] = []
    chosen: set[str] = set()
    for item in value:
        if not isinstance(item, str):
            messages.append(MULTI_ITEM_NOT_TEXT.format(value=item))
        elif question.option(item) is None:
            messages.append(UNKNOWN_OPTION.format(value=item, options=", ".join(question.values)))
        else:
            chosen.add(item)
    if messages:
        return None, messages
    if not chosen and question.required:
        return None, [MULTI_EMPTY_REQUIRED]
    if len(chosen) > 1:
        for item in sorted(chosen):
            option = question.option(item)
            if option is not None and option.exclusive:
                messages.append(EXCLUSIVE_COMBINED.format(label=option.label))
    if messages:
        return None, messages
    return sorted(chosen), []


def validate_answers(
    questionnaire: Questionnaire, answers: Mapping[str, Answer], *, require_complete: bool
) -> dict[str, Answer]:
    """Return the answers normalised, in questionnaire order, or raise `AnswerError`.

    Normalised: a single-choice answer is its option value; a multi-choice answer is the sorted
    list of its distinct values (duplicates collapse). Errors, each naming `answers.<id>`:
    unknown question id; an option value not among the question's options; a list for a single
    choice or a non-list for a multi choice; a non-text value; an empty list for a required
    question; an exclusive option chosen with others; and, only with `require_complete`, a
    required question without an answer. Unknown ids are reported first (sorted), then the
    questions in questionnaire order.
    """
    if not isinstance(answers, Mapping):
        raise AnswerError([{"field": "answers", "message": ANSWERS_NOT_A_MAPPING}])
    errors: list[dict[str, str]] = []
    unknown = [
        key for key in answers if not isinstance(key, str) or not questionnaire.question(key)
    ]
    for key in sorted(unknown, key=str):
        message = UNKNOWN_QUESTION.format(
            question_id=key, key=questionnaire.key, version=questionnaire.version
        )
        errors.append({"field": _field(key), "message": message})
    normalised: dict[str, Answer] = {}
    for question in questionnaire.questions:
        if question.id not in answers:
            if require_complete and question.required:
                errors.append({"field": _field(question.id), "message": MISSING_REQUIRED})
            continue
        check = _check_multi if question.kind == MULTI else _check_single
        value, messages = check(question, answers[question.id])
        errors.extend({"field": _field(question.id), "message": m} for m in messages)
        if value is not None and not messages:
            normalised[question.id] = value
    if errors:
        raise AnswerError(errors)
    return normalised
