import pytest

from governance.questionnaires import answers as messages
from governance.questionnaires.answers import AnswerError, validate_answers
from governance.questionnaires.model import MULTI
from governance.questionnaires.validation import validate_questionnaire
from tests.governance.questionnaires.builders import option, question, questionnaire, scale


@pytest.fixture
def form():
    return validate_questionnaire(
        questionnaire(
            scale("harm", 3),
            question(
                "who",
                [option("customers", 1), option("staff", 4), option("none", 0, exclusive=True)],
                kind=MULTI,
            ),
            question("extras", [option("a", 1), option("b", 2)], kind=MULTI, required=False),
            scale("notice", 2, qtype="mitigation", required=False),
        )
    )


def _errors(form, answers, *, require_complete=False) -> list[dict[str, str]]:
    with pytest.raises(AnswerError) as raised:
        validate_answers(form, answers, require_complete=require_complete)
    assert raised.value.detail == messages.ANSWERS_INVALID
    return raised.value.errors


def test_complete_answers_are_normalised_in_questionnaire_order(form):
    answers = {"notice": "p2", "who": ["staff", "customers", "staff"], "harm": "p1", "extras": []}

    result = validate_answers(form, answers, require_complete=True)

    assert result == {"harm": "p1", "who": ["customers", "staff"], "extras": [], "notice": "p2"}
    assert list(result) == ["harm", "who", "extras", "notice"]


def test_a_draft_may_leave_required_questions_out(form):
    assert validate_answers(form, {"harm": "p0"}, require_complete=False) == {"harm": "p0"}


def test_at_submission_each_missing_required_answer_is_named(form):
    errors = _errors(form, {"extras": ["a"]}, require_complete=True)

    # harm and who are required; extras is answered; notice is optional
    assert errors == [
        {"field": "answers.harm", "message": messages.MISSING_REQUIRED},
        {"field": "answers.who", "message": messages.MISSING_REQUIRED},
    ]


def test_answers_must_be_a_mapping(form):
    assert _errors(form, [("harm", "p1")]) == [
        {"field": "answers", "message": messages.ANSWERS_NOT_A_MAPPING}
    ]


def test_unknown_question_ids_are_named_sorted_and_first(form):
    errors = _errors(form, {"zeta": "x", "harm": "p9", "alpha": "y"})

    unknown = messages.UNKNOWN_QUESTION
    assert errors == [
        {
            "field": "answers.alpha",
            "message": unknown.format(question_id="alpha", key="test-questionnaire", version=1),
        },
        {
            "field": "answers.zeta",
            "message": unknown.format(question_id="zeta", key="test-questionnaire", version=1),
        },
        {
            "field": "answers.harm",
            "message": messages.UNKNOWN_OPTION.format(value="p9", options="p0, p1, p2, p3"),
        },
    ]


def test_an_option_not_among_a_multi_questions_options_is_named(form):
    assert _errors(form, {"who": ["customers", "vendors"]}) == [
        {
            "field": "answers.who",
            "message": messages.UNKNOWN_OPTION.format(
                value="vendors", options="customers, staff, none"
            ),
        }
    ]


def test_a_list_for_a_single_choice_question_is_rejected(form):
    assert _errors(form, {"harm": ["p1"]}) == [
        {"field": "answers.harm", "message": messages.SINGLE_GOT_LIST}
    ]


@pytest.mark.parametrize("value", [1, None, True, {"value": "p1"}])
def test_a_single_choice_answer_must_be_an_option_value_as_text(form, value):
    assert _errors(form, {"harm": value}) == [
        {"field": "answers.harm", "message": messages.SINGLE_NOT_TEXT}
    ]


@pytest.mark.parametrize("value", ["staff", None, {"staff": True}])
def test_a_non_list_for_a_multi_choice_question_is_rejected(form, value):
    assert _errors(form, {"who": value}) == [
        {"field": "answers.who", "message": messages.MULTI_NOT_LIST}
    ]


def test_each_chosen_multi_option_must_be_text(form):
    assert _errors(form, {"who": ["staff", 4]}) == [
        {"field": "answers.who", "message": messages.MULTI_ITEM_NOT_TEXT.format(value=4)}
    ]


@pytest.mark.parametrize("require_complete", [False, True])
def test_an_empty_multi_answer_to_a_required_question_is_rejected_even_in_a_draft(
    form, require_complete
):
    errors = _errors(
        form,
        {"harm": "p0", "who": []},
        require_complete=require_complete,
    )

    assert errors == [{"field": "answers.who", "message": messages.MULTI_EMPTY_REQUIRED}]


def test_an_exclusive_option_cannot_be_combined(form):
    assert _errors(form, {"who": ["none", "staff"]}) == [
        {"field": "answers.who", "message": messages.EXCLUSIVE_COMBINED.format(label="Answer none")}
    ]


def test_an_exclusive_option_alone_is_fine(form):
    assert validate_answers(form, {"who": ["none", "none"]}, require_complete=False) == {
        "who": ["none"]
    }


def test_client_supplied_points_or_scores_are_never_read(form):
    answers = {
        "harm": {"value": "p3", "risk": 0},
        "score": 0,
        "level": "I",
    }

    errors = _errors(form, answers)

    unknown = messages.UNKNOWN_QUESTION
    assert errors == [
        {
            "field": "answers.level",
            "message": unknown.format(question_id="level", key="test-questionnaire", version=1),
        },
        {
            "field": "answers.score",
            "message": unknown.format(question_id="score", key="test-questionnaire", version=1),
        },
        {"field": "answers.harm", "message": messages.SINGLE_NOT_TEXT},
    ]


def test_every_problem_is_reported_in_one_error(form):
    errors = _errors(
        form,
        {"who": "staff", "extras": ["c"], "notice": ["p1"]},
        require_complete=True,
    )

    assert [(e["field"], e["message"]) for e in errors] == [
        ("answers.harm", messages.MISSING_REQUIRED),
        ("answers.who", messages.MULTI_NOT_LIST),
        ("answers.extras", messages.UNKNOWN_OPTION.format(value="c", options="a, b")),
        ("answers.notice", messages.SINGLE_GOT_LIST),
    ]
