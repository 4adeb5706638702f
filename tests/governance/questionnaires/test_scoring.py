import json
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from governance.questionnaires import scoring
from governance.questionnaires.answers import UNKNOWN_QUESTION, AnswerError
from governance.questionnaires.model import MULTI
from governance.questionnaires.scoring import (
    decimal_text,
    impact_level,
    mitigation_reaches_threshold,
    percent_text,
    round_half_up,
    score,
)
from governance.questionnaires.validation import validate_questionnaire
from tests.governance.questionnaires.builders import option, question, questionnaire, scale


def _form(risk_top: int, mitigation_top: int | None = None):
    """One risk question worth 0..risk_top, and optionally one mitigation question."""
    questions = [scale("risk", risk_top)]
    if mitigation_top is not None:
        questions.append(scale("safeguards", mitigation_top, qtype="mitigation"))
    return validate_questionnaire(questionnaire(*questions))


# ---- exact level boundaries: score / max_raw with max_raw = 20


@pytest.mark.parametrize(
    ("points", "level", "ratio"),
    [
        (0, "I", "0.0000"),
        (5, "I", "0.2500"),  # 5/20 = 1/4 exactly: still I
        (6, "II", "0.3000"),  # one point above
        (10, "II", "0.5000"),  # 10/20 = 1/2 exactly: still II
        (11, "III", "0.5500"),
        (15, "III", "0.7500"),  # 15/20 = 3/4 exactly: still III
        (16, "IV", "0.8000"),
        (20, "IV", "1.0000"),
    ],
)
def test_levels_at_and_one_point_above_each_boundary(points, level, ratio):
    result = score(_form(20), {"risk": f"p{points}"})

    assert (result.raw, result.max_raw, result.score) == (points, 20, points)
    assert result.level == level
    assert result.ratio == ratio


@pytest.mark.parametrize(
    ("score_", "max_raw", "level"),
    [
        (1, 4, "I"),
        (250, 1000, "I"),
        (251, 1000, "II"),  # 25.1%
        (333, 666, "II"),  # 1/2 exactly
        (334, 666, "III"),
        (75, 100, "III"),
        (76, 100, "IV"),
        (1, 3, "II"),  # 33.3%
        (2, 3, "III"),  # 66.7%
    ],
)
def test_impact_level_compares_exact_fractions(score_, max_raw, level):
    assert impact_level(score_, max_raw) == level


def test_impact_level_refuses_a_zero_maximum():
    with pytest.raises(ValueError, match="max_raw must be above 0"):
        impact_level(0, 0)


# ---- mitigation threshold: mitigation / max_mitigation >= 4/5


@pytest.mark.parametrize(
    ("mitigation", "max_mitigation", "applied"),
    [
        (4, 5, True),  # exactly 80%
        (3, 5, False),
        (16, 20, True),  # exactly 80%
        (15, 20, False),  # 75%: one point below
        (12, 15, True),  # exactly 80%
        (11, 15, False),  # 73.3%
        (80, 100, True),
        (79, 100, False),
        (0, 0, False),  # no mitigation questions: nothing to reach
    ],
)
def test_mitigation_threshold_is_exactly_eighty_percent(mitigation, max_mitigation, applied):
    assert mitigation_reaches_threshold(mitigation, max_mitigation) is applied


def test_mitigation_at_exactly_eighty_percent_lowers_the_score_by_fifteen_percent():
    result = score(_form(40, 20), {"risk": "p20", "safeguards": "p16"})

    # 16/20 = 80% -> applied: round_half_up(0.85 * 20) = 17
    assert (result.mitigation, result.max_mitigation) == (16, 20)
    assert result.mitigation_ratio == "0.8000"
    assert result.mitigation_applied is True
    assert (result.raw, result.score) == (20, 17)
    assert result.ratio == "0.4250"  # 17/40


def test_mitigation_one_point_below_eighty_percent_changes_nothing():
    result = score(_form(40, 20), {"risk": "p20", "safeguards": "p15"})

    # 15/20 = 75% -> not applied: score = raw
    assert result.mitigation_ratio == "0.7500"
    assert result.mitigation_applied is False
    assert (result.raw, result.score) == (20, 20)


def test_mitigation_can_bring_a_score_down_onto_a_boundary():
    without = score(_form(20, 5), {"risk": "p6", "safeguards": "p3"})
    with_ = score(_form(20, 5), {"risk": "p6", "safeguards": "p4"})

    # 6/20 = 30% -> II; mitigated round_half_up(0.85 * 6 = 5.1) = 5 -> 5/20 = 25% -> I
    assert (without.score, without.level) == (6, "II")
    assert (with_.score, with_.level) == (5, "I")


# ---- half-up rounding of 0.85 * raw


def test_half_up_rounding_where_085_times_raw_ends_in_a_half():
    result = score(_form(60, 5), {"risk": "p10", "safeguards": "p5"})
    fifty = score(_form(60, 5), {"risk": "p50", "safeguards": "p5"})

    # 0.85 * 10 = 8.5 -> 9 (Python's round(8.5) gives 8)
    assert result.score == 9
    assert round(Fraction(17, 2)) == 8
    # 0.85 * 50 = 42.5 -> 43 (round(42.5) gives 42)
    assert fifty.score == 43


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(17, 2), 9),
        (Fraction(51, 2), 26),
        (Fraction(51, 10), 5),  # 5.1
        (Fraction(49, 10), 5),  # 4.9
        (Fraction(0), 0),
        (Fraction(1, 2), 1),
    ],
)
def test_round_half_up(value, expected):
    assert round_half_up(value) == expected


def test_round_half_up_agrees_with_decimal_half_up_for_every_mitigated_raw_score_to_2000():
    for raw in range(2001):
        expected = int((Decimal(17) * raw / Decimal(20)).quantize(Decimal(1), ROUND_HALF_UP))
        assert scoring.mitigated_score(raw, mitigation_applied=True) == expected, raw


def test_round_half_up_refuses_negative_values():
    with pytest.raises(ValueError, match="expects a value >= 0"):
        round_half_up(Fraction(-1, 2))


# ---- texts of exact fractions


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(12, 25), "0.4800"),
        (Fraction(1, 3), "0.3333"),
        (Fraction(2, 3), "0.6667"),
        (Fraction(1, 20000), "0.0001"),  # 0.00005 rounds half up
        (Fraction(1), "1.0000"),
    ],
)
def test_decimal_text_is_rounded_half_up_from_the_exact_fraction(value, text):
    assert decimal_text(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(41, 80), "51%"),  # 51.25%
        (Fraction(1, 4), "25%"),
        (Fraction(253, 1000), "just over 25%"),  # rounds to the 25% boundary but is above it
        (Fraction(248, 1000), "just under 25%"),
        (Fraction(26, 100), "26%"),
    ],
)
def test_percent_text_never_hides_which_side_of_a_boundary_a_value_is(value, text):
    boundaries = (Fraction(1, 4), Fraction(1, 2), Fraction(3, 4))
    assert percent_text(value, boundaries=boundaries) == text


# ---- multi choice, contributions, explanation


@pytest.fixture
def shop():
    return validate_questionnaire(
        questionnaire(
            question(
                "who",
                [option("customers", 2), option("staff", 5), option("nobody", 0, exclusive=True)],
                kind=MULTI,
                short="who it reads",
            ),
            question(
                "decides",
                [option("no", 0), option("queue", 3), option("job", 6)],
                short="what happens to a person",
            ),
            question("input", [option("text", 1), option("voice", 3)], short="what it reads"),
            question("scale", [option("small", 0), option("large", 3)], short="scale"),
            question(
                "notice",
                [option("no", 0, qtype="mitigation"), option("yes", 3, qtype="mitigation")],
                qtype="mitigation",
                short="telling people",
            ),
            question(
                "review",
                [option("no", 0, qtype="mitigation"), option("yes", 2, qtype="mitigation")],
                qtype="mitigation",
                short="human review",
            ),
        )
    )


def test_multi_choice_answers_add_up_their_options(shop):
    result = score(shop, {"who": ["staff", "customers"]})

    # customers 2 + staff 5; max_raw = (2 + 5) + 6 + 3 + 3 = 19
    assert (result.raw, result.max_raw) == (7, 19)
    assert result.contributions[0].values == ("customers", "staff")
    assert result.contributions[0].labels == ("Answer customers", "Answer staff")
    assert result.contributions[0].max_points == 7


def test_contributions_rank_risk_answers_then_mitigations_in_place(shop):
    answers = {
        "who": ["customers"],
        "decides": "job",
        "input": "voice",
        "scale": "large",
        "notice": "yes",
        "review": "no",
    }

    result = score(shop, answers)

    # risk: decides 6, input 3, scale 3 (tie keeps questionnaire order), who 2; mitigation:
    # notice 3 (review gives 0 and is left out)
    assert [(c.question_id, c.type, c.points) for c in result.contributions] == [
        ("decides", "risk", 6),
        ("input", "risk", 3),
        ("scale", "risk", 3),
        ("who", "risk", 2),
        ("notice", "mitigation", 3),
    ]
    assert [c.question_id for c in result.risk_contributions] == [
        "decides",
        "input",
        "scale",
        "who",
    ]
    assert [c.question_id for c in result.mitigations_in_place] == ["notice"]
    assert result.contributions[0].anchors == ("NIST:MAP-5.1",)
    assert result.contributions[0].text == "Question decides?"


def test_explanation_names_the_level_the_top_contributors_and_the_mitigation(shop):
    answers = {
        "who": ["customers", "staff"],
        "decides": "job",
        "input": "voice",
        "scale": "small",
        "notice": "yes",
        "review": "no",
    }

    result = score(shop, answers)

    # raw = 7 + 6 + 3 + 0 = 16 of 19 (84.2%) -> IV; mitigation 3 of 5 = 60% < 80%
    assert (result.raw, result.score, result.level) == (16, 16, "IV")
    assert result.explanation == (
        "Impact level IV (score 16 of 19, 84%): very high impact, likely irreversible and "
        'lasting. The answers that add the most risk are who it reads: "Answer customers" and '
        '"Answer staff" (7 points); what happens to a person: "Answer job" (6 points); and '
        'what it reads: "Answer voice" (3 points). Mitigation reached 60% of the maximum '
        "(3 of 5 points), below the 80% that would lower the score by 15%."
    )


def test_explanation_says_when_mitigation_lowered_the_score_and_when_answers_are_missing(shop):
    answers = {"decides": "queue", "notice": "yes", "review": "yes"}

    result = score(shop, answers)

    # raw 3, mitigation 5 of 5 -> round_half_up(0.85 * 3 = 2.55) = 3; 3/19 = 15.8% -> I;
    # who, input and scale are required and unanswered
    assert (result.raw, result.score, result.level) == (3, 3, "I")
    assert result.unanswered == ("who", "input", "scale")
    assert result.explanation == (
        "Impact level I (score 3 of 19, 16%): little to no impact, easily reversed and brief. "
        'The answers that add the most risk are what happens to a person: "Answer queue" '
        "(3 points). Mitigation reached 100% of the maximum (5 of 5 points), at or above the 80% "
        "that lowers the score by 15%: 3 became 3. 3 required questions are not answered yet, "
        "so this score is provisional."
    )


def test_explanation_when_nothing_adds_risk_and_there_are_no_mitigation_questions():
    form = _form(4)

    result = score(form, {"risk": "p0"})

    assert result.mitigation_ratio is None
    assert result.explanation == (
        "Impact level I (score 0 of 4, 0%): little to no impact, easily reversed and brief. "
        "No answer adds risk points. This questionnaire has no mitigation questions, so the "
        "score is not lowered."
    )


def test_explanation_writes_one_point_and_one_unanswered_question_in_the_singular():
    form = validate_questionnaire(questionnaire(scale("a", 4), scale("b", 4)))

    result = score(form, {"a": "p1"})

    assert result.explanation.endswith(
        'The answers that add the most risk are topic a: "Answer p1" (1 point). This '
        "questionnaire has no mitigation questions, so the score is not lowered. 1 required "
        "question is not answered yet, so this score is provisional."
    )


def test_score_rejects_answers_that_do_not_fit_and_ignores_client_scores(shop):
    with pytest.raises(AnswerError) as raised:
        score(shop, {"decides": "job", "raw": 0})

    assert raised.value.errors == [
        {
            "field": "answers.raw",
            "message": UNKNOWN_QUESTION.format(
                question_id="raw", key="test-questionnaire", version=1
            ),
        }
    ]


def test_to_dict_is_json_ready_and_carries_the_frozen_fields(shop):
    result = score(shop, {"who": ["staff"], "decides": "queue", "notice": "yes"})

    data = json.loads(json.dumps(result.to_dict()))

    # raw 5 + 3 = 8 of 19 = 42.1% -> II; mitigation 3 of 5
    assert {k: data[k] for k in ("raw", "max_raw", "mitigation", "max_mitigation")} == {
        "raw": 8,
        "max_raw": 19,
        "mitigation": 3,
        "max_mitigation": 5,
    }
    assert (data["score"], data["level"], data["ratio"]) == (8, "II", "0.4211")
    assert data["mitigation_ratio"] == "0.6000"
    assert data["mitigation_applied"] is False
    assert data["questionnaire_key"] == "test-questionnaire"
    assert data["questionnaire_version"] == 1
    assert data["unanswered"] == ["input", "scale", "review"]
    assert data["contributions"][0] == {
        "question_id": "who",
        "section": "main",
        "type": "risk",
        "text": "Question who?",
        "short": "who it reads",
        "values": ["staff"],
        "labels": ["Answer staff"],
        "points": 5,
        "max_points": 7,
        "anchors": ["NIST:MAP-5.1"],
    }
    assert data["explanation"] == result.explanation


def test_scoring_is_deterministic_whatever_the_answer_order(shop):
    one = score(shop, {"who": ["staff", "customers"], "decides": "job", "notice": "yes"})
    two = score(shop, {"notice": "yes", "decides": "job", "who": ["customers", "staff"]})

    assert one == two
