"""Small questionnaires built in tests, so each number in an assertion is hand-computable."""

from typing import Any

SECTION = "main"


def option(value: str, points: int, *, qtype: str = "risk", exclusive: bool = False) -> dict:
    data: dict[str, Any] = {"value": value, "label": f"Answer {value}", qtype: points}
    if exclusive:
        data["exclusive"] = True
    return data


def question(
    question_id: str,
    options: list[dict],
    *,
    kind: str = "single",
    qtype: str = "risk",
    required: bool = True,
    short: str | None = None,
) -> dict:
    return {
        "id": question_id,
        "section": SECTION,
        "type": qtype,
        "kind": kind,
        "text": f"Question {question_id}?",
        "short": short or f"topic {question_id}",
        "help": f"Why we ask {question_id}.",
        "required": required,
        "anchors": ["NIST:MAP-5.1"],
        "options": options,
    }


def scale(question_id: str, top: int, *, qtype: str = "risk", required: bool = True) -> dict:
    """A single-choice question whose options p0..p<top> carry 0..top points."""
    options = [option(f"p{points}", points, qtype=qtype) for points in range(top + 1)]
    return question(question_id, options, qtype=qtype, required=required)


def questionnaire(*questions: dict) -> dict:
    return {
        "key": "test-questionnaire",
        "version": 1,
        "title": "Test questionnaire",
        "sections": [{"id": SECTION, "title": "Main"}],
        "questions": list(questions),
    }
