"""Checking questionnaire data before it becomes `model.Questionnaire`.

`validate_questionnaire` collects every problem before raising, each naming its field by path
(`questions[3].options[1].risk`), so a broken data file is fixed in one pass. No Django here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .model import (
    QUESTION_KINDS,
    QUESTION_TYPES,
    SINGLE,
    Option,
    Question,
    Questionnaire,
    Section,
)

ANCHOR_PATTERN = re.compile(r"^(AIAct|GDPR|NIST|ISO42001|CanadaAIA):\S+$")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
MIN_OPTIONS = 2

QUESTIONNAIRE_FIELDS = ("key", "version", "title", "description", "sections", "questions")
QUESTIONNAIRE_OPTIONAL = ("description",)
SECTION_FIELDS = ("id", "title")
QUESTION_FIELDS = (
    "id",
    "section",
    "type",
    "kind",
    "text",
    "short",
    "help",
    "required",
    "anchors",
    "options",
)
OPTION_FIELDS = ("value", "label", "exclusive")  # plus the points key: "risk" or "mitigation"
OPTION_OPTIONAL = ("exclusive",)

QUESTIONNAIRE_INVALID = "The questionnaire data is not valid."
NOT_AN_OBJECT = "Must be an object."
NOT_A_LIST = "Must be a list."
MISSING_FIELD = "This field is required."
UNKNOWN_FIELD = "Unknown field; allowed fields are: {allowed}."
BAD_KEY = "Must be lowercase letters and digits in words joined by hyphens, like 'emotion-ai-smb'."
BAD_VERSION = "Must be a whole number of 1 or more."
NOT_TEXT = "Must be non-empty text."
NOT_STRING = "Must be text."
NOT_BOOL = "Must be true or false."
BAD_ID = "Must be snake_case: lowercase letters and digits joined by single underscores."
NO_SECTIONS = "Needs at least one section."
DUPLICATE_SECTION = "Section id {id!r} is used more than once."
NO_QUESTIONS = "Needs at least one question."
DUPLICATE_QUESTION = "Question id {id!r} is used more than once."
UNKNOWN_SECTION = "Unknown section {section!r}; the sections are: {sections}."
BAD_TYPE = "Must be 'risk' or 'mitigation'."
BAD_KIND = "Must be 'single' or 'multi'."
NO_ANCHORS = "Needs at least one anchor."
BAD_ANCHOR = (
    "Anchor {anchor!r} must look like Framework:clause, the framework one of "
    "AIAct, GDPR, NIST, ISO42001, CanadaAIA (for example 'AIAct:50(3)')."
)
DUPLICATE_ANCHOR = "Anchor {anchor!r} is listed more than once."
TOO_FEW_OPTIONS = "Needs at least {minimum} options."
DUPLICATE_OPTION = "Option value {value!r} is used more than once in this question."
DUPLICATE_LABEL = "Option label {label!r} is used more than once in this question."
WRONG_POINTS_KEY = "Options of a {type} question carry {expected!r} points, not {found!r}."
BAD_POINTS = "Points must be a whole number of 0 or more."
EXCLUSIVE_ON_SINGLE = "Only options of a multi-choice question can be exclusive."
NO_POINTS = "At least one option must carry more than 0 points."
NO_RISK_QUESTIONS = "Needs at least one risk question that can add points."


class QuestionnaireError(ValueError):
    """The questionnaire data breaks the rules above; `errors` names every problem."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(f"{QUESTIONNAIRE_INVALID} {errors}")
        self.detail = QUESTIONNAIRE_INVALID
        self.errors = errors


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _is_points(value: Any) -> bool:
    # bool is an int subclass: `true` is not a number of points.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_fields(
    data: Mapping[str, Any],
    path: str,
    allowed: tuple[str, ...],
    optional: tuple[str, ...],
    errors: _Errors,
) -> None:
    for name in allowed:
        if name not in data and name not in optional:
            errors.add(f"{path}{name}", MISSING_FIELD)
    for name in data:
        if name not in allowed:
            errors.add(f"{path}{name}", UNKNOWN_FIELD.format(allowed=", ".join(allowed)))


def _check_text(data: Mapping[str, Any], path: str, name: str, errors: _Errors) -> None:
    if name in data and not _is_text(data[name]):
        errors.add(f"{path}{name}", NOT_TEXT)


def _check_sections(sections: Any, errors: _Errors) -> list[str]:
    if not isinstance(sections, list):
        errors.add("sections", NOT_A_LIST)
        return []
    if not sections:
        errors.add("sections", NO_SECTIONS)
    ids: list[str] = []
    for index, section in enumerate(sections):
        path = f"sections[{index}]"
        if not isinstance(section, Mapping):
            errors.add(path, NOT_AN_OBJECT)
            continue
        _check_fields(section, f"{path}.", SECTION_FIELDS, (), errors)
        _check_text(section, f"{path}.", "title", errors)
        section_id = section.get("id")
        if "id" in section and not (isinstance(section_id, str) and ID_PATTERN.match(section_id)):
            errors.add(f"{path}.id", BAD_ID)
        elif isinstance(section_id, str):
            if section_id in ids:
                errors.add(f"{path}.id", DUPLICATE_SECTION.format(id=section_id))
            ids.append(section_id)
    return ids


def _check_anchors(anchors: Any, path: str, errors: _Errors) -> None:
    if not isinstance(anchors, list):
        errors.add(path, NOT_A_LIST)
        return
    if not anchors:
        errors.add(path, NO_ANCHORS)
    seen: set[str] = set()
    for index, anchor in enumerate(anchors):
        if not (isinstance(anchor, str) and ANCHOR_PATTERN.match(anchor)):
            errors.add(f"{path}[{index}]", BAD_ANCHOR.format(anchor=anchor))
        elif anchor in seen:
            errors.add(f"{path}[{index}]", DUPLICATE_ANCHOR.format(anchor=anchor))
        else:
            seen.add(anchor)


def _check_options(question: Mapping[str, Any], path: str, errors: _Errors) -> None:
    options = question["options"]
    if not isinstance(options, list):
        errors.add(path, NOT_A_LIST)
        return
    if len(options) < MIN_OPTIONS:
        errors.add(path, TOO_FEW_OPTIONS.format(minimum=MIN_OPTIONS))
    kind = question.get("kind")
    question_type = question.get("type")
    points_key = question_type if question_type in QUESTION_TYPES else None
    values: set[str] = set()
    labels: set[str] = set()
    any_points = False
    for index, option in enumerate(options):
        option_path = f"{path}[{index}]"
        if not isinstance(option, Mapping):
            errors.add(option_path, NOT_AN_OBJECT)
            continue
        allowed = (*OPTION_FIELDS, *QUESTION_TYPES)
        _check_fields(
            option, f"{option_path}.", allowed, (*OPTION_OPTIONAL, *QUESTION_TYPES), errors
        )
        value = option.get("value")
        if "value" in option and not (isinstance(value, str) and ID_PATTERN.match(value)):
            errors.add(f"{option_path}.value", BAD_ID)
        elif isinstance(value, str):
            if value in values:
                errors.add(f"{option_path}.value", DUPLICATE_OPTION.format(value=value))
            values.add(value)
        _check_text(option, f"{option_path}.", "label", errors)
        label = option.get("label")
        if _is_text(label):
            if label in labels:
                errors.add(f"{option_path}.label", DUPLICATE_LABEL.format(label=label))
            labels.add(label)
        if "exclusive" in option:
            if not isinstance(option["exclusive"], bool):
                errors.add(f"{option_path}.exclusive", NOT_BOOL)
            elif option["exclusive"] and kind == SINGLE:
                errors.add(f"{option_path}.exclusive", EXCLUSIVE_ON_SINGLE)
        if points_key is None:
            continue
        for other in QUESTION_TYPES:
            if other != points_key and other in option:
                errors.add(
                    f"{option_path}.{other}",
                    WRONG_POINTS_KEY.format(type=points_key, expected=points_key, found=other),
                )
        if points_key not in option:
            errors.add(f"{option_path}.{points_key}", MISSING_FIELD)
        elif not _is_points(option[points_key]):
            errors.add(f"{option_path}.{points_key}", BAD_POINTS)
        elif option[points_key] > 0:
            any_points = True
    if points_key is not None and options and not any_points:
        errors.add(path, NO_POINTS)


def _check_question(
    question: Any, index: int, sections: list[str], seen: set[str], errors: _Errors
) -> None:
    path = f"questions[{index}]"
    if not isinstance(question, Mapping):
        errors.add(path, NOT_AN_OBJECT)
        return
    _check_fields(question, f"{path}.", QUESTION_FIELDS, (), errors)
    question_id = question.get("id")
    if "id" in question and not (isinstance(question_id, str) and ID_PATTERN.match(question_id)):
        errors.add(f"{path}.id", BAD_ID)
    elif isinstance(question_id, str):
        if question_id in seen:
            errors.add(f"{path}.id", DUPLICATE_QUESTION.format(id=question_id))
        seen.add(question_id)
    if "section" in question and question["section"] not in sections:
        message = UNKNOWN_SECTION.format(section=question["section"], sections=", ".join(sections))
        errors.add(f"{path}.section", message)
    if "type" in question and question["type"] not in QUESTION_TYPES:
        errors.add(f"{path}.type", BAD_TYPE)
    if "kind" in question and question["kind"] not in QUESTION_KINDS:
        errors.add(f"{path}.kind", BAD_KIND)
    for name in ("text", "short", "help"):
        _check_text(question, f"{path}.", name, errors)
    if "required" in question and not isinstance(question["required"], bool):
        errors.add(f"{path}.required", NOT_BOOL)
    if "anchors" in question:
        _check_anchors(question["anchors"], f"{path}.anchors", errors)
    if "options" in question:
        _check_options(question, f"{path}.options", errors)


def _check_questions(questions: Any, sections: list[str], errors: _Errors) -> None:
    if not isinstance(questions, list):
        errors.add("questions", NOT_A_LIST)
        return
    if not questions:
        errors.add("questions", NO_QUESTIONS)
    seen: set[str] = set()
    for index, question in enumerate(questions):
        _check_question(question, index, sections, seen, errors)


def _build(data: Mapping[str, Any]) -> Questionnaire:
    questions = []
    for question in data["questions"]:
        points_key = question["type"]
        options = tuple(
            Option(
                value=option["value"],
                label=option["label"],
                points=option[points_key],
                exclusive=option.get("exclusive", False),
            )
            for option in question["options"]
        )
        questions.append(
            Question(
                id=question["id"],
                section=question["section"],
                type=question["type"],
                kind=question["kind"],
                text=question["text"],
                short=question["short"],
                help=question["help"],
                required=question["required"],
                anchors=tuple(question["anchors"]),
                options=options,
            )
        )
    return Questionnaire(
        key=data["key"],
        version=data["version"],
        title=data["title"],
        description=data.get("description", ""),
        sections=tuple(Section(id=s["id"], title=s["title"]) for s in data["sections"]),
        questions=tuple(questions),
    )


def validate_questionnaire(data: Mapping[str, Any]) -> Questionnaire:
    """Check questionnaire data and return it as frozen dataclasses.

    Checks: known fields only; a lowercase hyphenated `key` and a positive whole `version`;
    unique snake_case ids for sections, questions and (within a question) option values;
    unique option labels within a question; each question in a declared section, of type
    risk|mitigation and kind single|multi, with non-empty text, short and help, a boolean
    `required`, at least one anchor matching `ANCHOR_PATTERN`, at least two options whose points
    (under the key named by the type) are whole numbers >= 0 with at least one above 0; and at
    least one risk question. Raises `QuestionnaireError` listing every problem.
    """
    errors = _Errors()
    if not isinstance(data, Mapping):
        errors.add("questionnaire", NOT_AN_OBJECT)
        raise QuestionnaireError(errors.items)
    _check_fields(data, "", QUESTIONNAIRE_FIELDS, QUESTIONNAIRE_OPTIONAL, errors)
    key = data.get("key")
    if "key" in data and not (isinstance(key, str) and KEY_PATTERN.match(key)):
        errors.add("key", BAD_KEY)
    version = data.get("version")
    if "version" in data and not (_is_points(version) and version >= 1):
        errors.add("version", BAD_VERSION)
    _check_text(data, "", "title", errors)
    if "description" in data and not isinstance(data["description"], str):
        errors.add("description", NOT_STRING)
    sections = _check_sections(data["sections"], errors) if "sections" in data else []
    if "questions" in data:
        _check_questions(data["questions"], sections, errors)
    if errors.items:
        raise QuestionnaireError(errors.items)
    questionnaire = _build(data)
    if questionnaire.max_raw == 0:
        raise QuestionnaireError([{"field": "questions", "message": NO_RISK_QUESTIONS}])
    return questionnaire
