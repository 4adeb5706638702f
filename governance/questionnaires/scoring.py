"""Impact-assessment scoring (DESIGN.md §4), after the Canadian Algorithmic Impact Assessment.

- `raw`: the risk points of the chosen options; `max_raw`: the sum of each risk question's
  maximum (`Question.max_points`: for multi choice the sum of its combinable options).
- `mitigation` and `max_mitigation`: the same two sums over mitigation questions.
- Mitigation applies when `mitigation >= 80%` of `max_mitigation`, compared as exact fractions
  (`Fraction(mitigation, max_mitigation) >= 4/5`). A questionnaire without mitigation
  questions (`max_mitigation == 0`) never applies it: there is nothing to reach 80% of.
- `score = round_half_up(17/20 * raw)` when mitigation applies, else `raw`. The product is a
  `Fraction` and .5 rounds up (8.5 -> 9), as JavaScript's `Math.round` in Canada's tool does
  for non-negative numbers; Python's `round` would give 8 (banker's rounding).
- Level from the exact fraction `score / max_raw`: I <= 1/4, II <= 1/2, III <= 3/4, IV above.
  `ratio` and `mitigation_ratio` are that fraction written with 4 decimals (rounded half up);
  the level is decided on the fraction, never on the text or a float.

No float takes part in any comparison. `score()` accepts draft answers: an unanswered question
adds no points, and the required ones still open are listed in `unanswered`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from .answers import Answer, validate_answers
from .model import MITIGATION, RISK, Question, Questionnaire

MITIGATION_THRESHOLD = Fraction(4, 5)
MITIGATION_FACTOR = Fraction(17, 20)  # keep 85% of the raw score, a 15% deduction
LEVEL_CEILINGS = (("I", Fraction(1, 4)), ("II", Fraction(1, 2)), ("III", Fraction(3, 4)))
TOP_LEVEL = "IV"
LEVELS = (*(level for level, _ in LEVEL_CEILINGS), TOP_LEVEL)
RATIO_PLACES = 4
TOP_CONTRIBUTORS = 3

# Directive on Automated Decision-Making, Appendix B, in plain words.
LEVEL_MEANINGS = {
    "I": "little to no impact, easily reversed and brief",
    "II": "moderate impact, likely reversible and short-term",
    "III": "high impact, difficult to reverse and ongoing",
    "IV": "very high impact, likely irreversible and lasting",
}

LEVEL_SENTENCE = "Impact level {level} (score {score} of {max_raw}, {percent}): {meaning}."
DRIVERS_SENTENCE = "The answers that add the most risk are {items}."
DRIVER_ITEM = "{short}: {labels} ({points})"
NO_DRIVERS_SENTENCE = "No answer adds risk points."
MITIGATION_APPLIED_SENTENCE = (
    "Mitigation reached {percent} of the maximum ({mitigation} of {max_mitigation} points), "
    "at or above the {threshold} that lowers the score by {deduction}: {raw} became {score}."
)
MITIGATION_NOT_APPLIED_SENTENCE = (
    "Mitigation reached {percent} of the maximum ({mitigation} of {max_mitigation} points), "
    "below the {threshold} that would lower the score by {deduction}."
)
NO_MITIGATION_SENTENCE = (
    "This questionnaire has no mitigation questions, so the score is not lowered."
)
UNANSWERED_SENTENCE = "{count} required {questions} not answered yet, so this score is provisional."


@dataclass(frozen=True)
class Contribution:
    """One answered question that adds risk or mitigation points, with what was chosen."""

    question_id: str
    section: str
    type: str
    text: str
    short: str
    values: tuple[str, ...]
    labels: tuple[str, ...]
    points: int
    max_points: int
    anchors: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("values", "labels", "anchors"):
            data[name] = list(data[name])
        return data


@dataclass(frozen=True)
class Score:
    """The frozen outcome of scoring one set of answers against one questionnaire version.

    `contributions` lists the risk answers that add points (most first; ties in questionnaire
    order), then the mitigations in place, likewise ordered. `explanation` says in 3-4 plain
    sentences why the level is what it is.
    """

    questionnaire_key: str
    questionnaire_version: int
    raw: int
    max_raw: int
    mitigation: int
    max_mitigation: int
    score: int
    level: str
    ratio: str
    mitigation_ratio: str | None
    mitigation_applied: bool
    contributions: tuple[Contribution, ...]
    unanswered: tuple[str, ...]
    explanation: str

    @property
    def risk_contributions(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.contributions if c.type == RISK)

    @property
    def mitigations_in_place(self) -> tuple[Contribution, ...]:
        return tuple(c for c in self.contributions if c.type == MITIGATION)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (lists, ints, strings, booleans, None) to freeze with the answers."""
        return {
            "questionnaire_key": self.questionnaire_key,
            "questionnaire_version": self.questionnaire_version,
            "raw": self.raw,
            "max_raw": self.max_raw,
            "mitigation": self.mitigation,
            "max_mitigation": self.max_mitigation,
            "score": self.score,
            "level": self.level,
            "ratio": self.ratio,
            "mitigation_ratio": self.mitigation_ratio,
            "mitigation_applied": self.mitigation_applied,
            "contributions": [c.to_dict() for c in self.contributions],
            "unanswered": list(self.unanswered),
            "explanation": self.explanation,
        }


def round_half_up(value: Fraction) -> int:
    """The nearest integer to a non-negative exact value, .5 going up (8.5 -> 9, 25.5 -> 26)."""
    if value < 0:
        raise ValueError(f"round_half_up expects a value >= 0, got {value}")
    return math.floor(value + Fraction(1, 2))


def mitigation_reaches_threshold(mitigation: int, max_mitigation: int) -> bool:
    """True when `mitigation / max_mitigation >= 4/5`; False when there is no maximum."""
    if max_mitigation <= 0:
        return False
    return Fraction(mitigation, max_mitigation) >= MITIGATION_THRESHOLD


def mitigated_score(raw: int, *, mitigation_applied: bool) -> int:
    """`round_half_up(0.85 * raw)` with mitigation, else `raw`."""
    return round_half_up(MITIGATION_FACTOR * raw) if mitigation_applied else raw


def impact_level(score: int, max_raw: int) -> str:
    """I if `score / max_raw <= 1/4`, II if `<= 1/2`, III if `<= 3/4`, else IV (exact)."""
    if max_raw <= 0:
        raise ValueError(f"max_raw must be above 0, got {max_raw}")
    ratio = Fraction(score, max_raw)
    for level, ceiling in LEVEL_CEILINGS:
        if ratio <= ceiling:
            return level
    return TOP_LEVEL


def decimal_text(value: Fraction, places: int = RATIO_PLACES) -> str:
    """An exact non-negative fraction written with `places` decimals, rounded half up."""
    scaled = round_half_up(value * 10**places)
    whole, rest = divmod(scaled, 10**places)
    return f"{whole}.{rest:0{places}d}"


def percent_text(value: Fraction, *, boundaries: tuple[Fraction, ...] = ()) -> str:
    """A whole percentage, except next to a boundary it does not sit on exactly.

    Rounding 25.3% to "25%" would hide that it is above a 25% boundary, so such values read
    "just over 25%" (or "just under 80%").
    """
    percent = value * 100
    shown = round_half_up(percent)
    for boundary in boundaries:
        if shown == boundary * 100 and percent != shown:
            return f"just {'over' if percent > shown else 'under'} {shown}%"
    return f"{shown}%"


def _points(count: int) -> str:
    return f"{count} point" if count == 1 else f"{count} points"


def _contribution(question: Question, answer: Answer) -> Contribution:
    values = (answer,) if isinstance(answer, str) else tuple(answer)
    labels = {option.value: option.label for option in question.options}
    return Contribution(
        question_id=question.id,
        section=question.section,
        type=question.type,
        text=question.text,
        short=question.short,
        values=values,
        labels=tuple(labels[value] for value in values),
        points=question.points_for(values),
        max_points=question.max_points,
        anchors=question.anchors,
    )


def _ranked(items: list[Contribution]) -> list[Contribution]:
    # sorted() is stable: equal points keep questionnaire order.
    return sorted((c for c in items if c.points > 0), key=lambda c: -c.points)


def _join(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return "; ".join(items[:-1]) + "; and " + items[-1]


def _explain(result: dict[str, Any], risks: list[Contribution]) -> str:
    ratio = Fraction(result["score"], result["max_raw"])
    level_percent = percent_text(ratio, boundaries=tuple(c for _, c in LEVEL_CEILINGS))
    sentences = [
        LEVEL_SENTENCE.format(
            level=result["level"],
            score=result["score"],
            max_raw=result["max_raw"],
            percent=level_percent,
            meaning=LEVEL_MEANINGS[result["level"]],
        )
    ]
    if risks:
        items = [
            DRIVER_ITEM.format(
                short=c.short,
                labels=" and ".join(f'"{label}"' for label in c.labels),
                points=_points(c.points),
            )
            for c in risks[:TOP_CONTRIBUTORS]
        ]
        sentences.append(DRIVERS_SENTENCE.format(items=_join(items)))
    else:
        sentences.append(NO_DRIVERS_SENTENCE)
    if result["max_mitigation"] == 0:
        sentences.append(NO_MITIGATION_SENTENCE)
    else:
        template = (
            MITIGATION_APPLIED_SENTENCE
            if result["mitigation_applied"]
            else MITIGATION_NOT_APPLIED_SENTENCE
        )
        sentences.append(
            template.format(
                percent=percent_text(
                    Fraction(result["mitigation"], result["max_mitigation"]),
                    boundaries=(MITIGATION_THRESHOLD,),
                ),
                mitigation=result["mitigation"],
                max_mitigation=result["max_mitigation"],
                threshold=percent_text(MITIGATION_THRESHOLD),
                deduction=percent_text(1 - MITIGATION_FACTOR),
                raw=result["raw"],
                score=result["score"],
            )
        )
    if result["unanswered"]:
        count = len(result["unanswered"])
        sentences.append(
            UNANSWERED_SENTENCE.format(
                count=count, questions="question is" if count == 1 else "questions are"
            )
        )
    return " ".join(sentences)


def score(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> Score:
    """Score answers against a questionnaire (module docstring for the rules).

    The answers are validated first (`validate_answers(..., require_complete=False)`), so this
    raises `AnswerError` on anything that does not fit; to freeze a submission, call
    `validate_answers(..., require_complete=True)` before scoring. Points come only from the
    questionnaire.
    """
    answered = validate_answers(questionnaire, answers, require_complete=False)
    contributions = [
        _contribution(question, answered[question.id])
        for question in questionnaire.questions
        if question.id in answered
    ]
    risks = _ranked([c for c in contributions if c.type == RISK])
    mitigations = _ranked([c for c in contributions if c.type == MITIGATION])
    raw = sum(c.points for c in risks)
    mitigation = sum(c.points for c in mitigations)
    max_raw = questionnaire.max_raw
    max_mitigation = questionnaire.max_mitigation
    applied = mitigation_reaches_threshold(mitigation, max_mitigation)
    final = mitigated_score(raw, mitigation_applied=applied)
    result: dict[str, Any] = {
        "raw": raw,
        "max_raw": max_raw,
        "mitigation": mitigation,
        "max_mitigation": max_mitigation,
        "score": final,
        "level": impact_level(final, max_raw),
        "mitigation_applied": applied,
        "unanswered": tuple(
            q.id for q in questionnaire.questions if q.required and q.id not in answered
        ),
    }
    return Score(
        questionnaire_key=questionnaire.key,
        questionnaire_version=questionnaire.version,
        ratio=decimal_text(Fraction(final, max_raw)),
        mitigation_ratio=(
            decimal_text(Fraction(mitigation, max_mitigation)) if max_mitigation else None
        ),
        contributions=(*risks, *mitigations),
        explanation=_explain(result, risks),
        **result,
    )
