"""Questionnaire content as frozen dataclasses (built by `validation.validate_questionnaire`).

A questionnaire is data (`data/*.json`, DESIGN.md §4): sections, then questions. Each question
is either a `risk` or a `mitigation` question, `single` or `multi` choice, and each of its
options carries points under the key named by the question's type (`"risk": 3` or
`"mitigation": 2`), a whole number >= 0. A multi-choice option may be `exclusive` ("None of
these"): it cannot be chosen together with another option.

A question's maximum (the contribution to `max_raw` or `max_mitigation`) is the largest total a
valid answer can reach: for single choice its highest option; for multi choice the sum of its
non-exclusive options (the Canadian AIA tool's checkbox rule), or an exclusive option's points if
that is higher. No cap is applied beyond that.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

RISK, MITIGATION = "risk", "mitigation"
SINGLE, MULTI = "single", "multi"
QUESTION_TYPES = (RISK, MITIGATION)
QUESTION_KINDS = (SINGLE, MULTI)


@dataclass(frozen=True)
class Section:
    """A heading that groups questions ("People affected")."""

    id: str
    title: str


@dataclass(frozen=True)
class Option:
    """One answer a person can choose, with its risk or mitigation points."""

    value: str
    label: str
    points: int
    exclusive: bool = False


@dataclass(frozen=True)
class Question:
    """One question: its wording, why it is asked, its legal anchors and its options."""

    id: str
    section: str
    type: str
    kind: str
    text: str
    short: str
    help: str
    required: bool
    anchors: tuple[str, ...]
    options: tuple[Option, ...]

    @cached_property
    def _by_value(self) -> dict[str, Option]:
        return {option.value: option for option in self.options}

    def option(self, value: str) -> Option | None:
        """The option with this value, or None."""
        return self._by_value.get(value)

    @property
    def values(self) -> tuple[str, ...]:
        """The option values, in order."""
        return tuple(option.value for option in self.options)

    @property
    def max_points(self) -> int:
        """The largest total a valid answer can reach (module docstring)."""
        if self.kind == SINGLE:
            return max(option.points for option in self.options)
        combined = sum(option.points for option in self.options if not option.exclusive)
        alone = [option.points for option in self.options if option.exclusive]
        return max([combined, *alone])

    def points_for(self, values: tuple[str, ...] | list[str]) -> int:
        """The points of a validated answer (one value, or several for multi choice)."""
        return sum(self._by_value[value].points for value in values)

    def to_dict(self) -> dict[str, Any]:
        """The data form of the question, points under the key named by its type."""
        options = []
        for option in self.options:
            item: dict[str, Any] = {
                "value": option.value,
                "label": option.label,
                self.type: option.points,
            }
            if option.exclusive:
                item["exclusive"] = True
            options.append(item)
        return {
            "id": self.id,
            "section": self.section,
            "type": self.type,
            "kind": self.kind,
            "text": self.text,
            "short": self.short,
            "help": self.help,
            "required": self.required,
            "anchors": list(self.anchors),
            "options": options,
        }


@dataclass(frozen=True)
class Questionnaire:
    """A versioned questionnaire; `(key, version)` names it for ever once published."""

    key: str
    version: int
    title: str
    description: str
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]

    @cached_property
    def _by_id(self) -> dict[str, Question]:
        return {question.id: question for question in self.questions}

    def question(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        return self._by_id.get(question_id)

    @property
    def risk_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.type == RISK)

    @property
    def mitigation_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.type == MITIGATION)

    @property
    def max_raw(self) -> int:
        """Sum over risk questions of each question's maximum (DESIGN.md §4)."""
        return sum(q.max_points for q in self.risk_questions)

    @property
    def max_mitigation(self) -> int:
        """Sum over mitigation questions of each question's maximum."""
        return sum(q.max_points for q in self.mitigation_questions)

    def to_dict(self) -> dict[str, Any]:
        """The data form: `validate_questionnaire(q.to_dict()) == q`."""
        return {
            "key": self.key,
            "version": self.version,
            "title": self.title,
            "description": self.description,
            "sections": [{"id": s.id, "title": s.title} for s in self.sections],
            "questions": [q.to_dict() for q in self.questions],
        }
