import copy

import pytest

from governance.questionnaires import validation
from governance.questionnaires.model import MULTI
from governance.questionnaires.validation import QuestionnaireError, validate_questionnaire
from tests.governance.questionnaires.builders import option, question, questionnaire, scale


def _valid() -> dict:
    return questionnaire(
        scale("harm", 3),
        question(
            "who",
            [
                option("customers", 1),
                option("staff", 4),
                option("none", 0, exclusive=True),
            ],
            kind=MULTI,
        ),
        scale("notice", 2, qtype="mitigation"),
    )


def _errors(data: object) -> list[dict[str, str]]:
    with pytest.raises(QuestionnaireError) as raised:
        validate_questionnaire(data)
    assert raised.value.detail == validation.QUESTIONNAIRE_INVALID
    return raised.value.errors


def test_valid_data_becomes_frozen_dataclasses_with_their_maxima():
    result = validate_questionnaire(_valid())

    assert result.key == "test-questionnaire"
    assert result.version == 1
    assert [q.id for q in result.risk_questions] == ["harm", "who"]
    assert [q.id for q in result.mitigation_questions] == ["notice"]
    # harm: best option 3; who (multi): 1 + 4 combinable, "none" alone is 0 -> 5
    assert result.question("harm").max_points == 3
    assert result.question("who").max_points == 5
    assert result.max_raw == 8  # 3 + 5
    assert result.max_mitigation == 2
    assert result.question("missing") is None
    with pytest.raises(AttributeError):
        result.version = 2


def test_an_exclusive_option_worth_more_than_the_rest_together_sets_the_multi_maximum():
    data = questionnaire(
        question(
            "who",
            [option("a", 1), option("b", 1), option("unsure", 3, exclusive=True)],
            kind=MULTI,
        )
    )

    # a + b = 2, "unsure" alone = 3: the largest total a valid answer reaches is 3
    assert validate_questionnaire(data).max_raw == 3


def test_to_dict_round_trips_and_leaves_the_input_untouched():
    data = _valid()
    before = copy.deepcopy(data)

    result = validate_questionnaire(data)

    assert data == before
    assert validate_questionnaire(result.to_dict()) == result
    assert result.to_dict()["questions"][1]["options"][2] == {
        "value": "none",
        "label": "Answer none",
        "risk": 0,
        "exclusive": True,
    }


def test_data_that_is_not_an_object_is_rejected():
    assert _errors([]) == [{"field": "questionnaire", "message": validation.NOT_AN_OBJECT}]


def test_missing_and_unknown_top_level_fields_are_named():
    data = _valid()
    del data["title"]
    data["weights"] = {"harm": 10}

    assert _errors(data) == [
        {"field": "title", "message": validation.MISSING_FIELD},
        {
            "field": "weights",
            "message": validation.UNKNOWN_FIELD.format(
                allowed=", ".join(validation.QUESTIONNAIRE_FIELDS)
            ),
        },
    ]


@pytest.mark.parametrize("key", ["Emotion-AI", "emotion_ai", "-x", "", 3])
def test_key_must_be_lowercase_hyphenated_words(key):
    data = _valid()
    data["key"] = key

    assert _errors(data) == [{"field": "key", "message": validation.BAD_KEY}]


@pytest.mark.parametrize("version", [0, -1, "1", 1.0, True, None])
def test_version_must_be_a_positive_whole_number(version):
    data = _valid()
    data["version"] = version

    assert _errors(data) == [{"field": "version", "message": validation.BAD_VERSION}]


def test_title_must_be_text_and_description_a_string():
    data = _valid()
    data["title"] = "  "
    data["description"] = None

    assert _errors(data) == [
        {"field": "title", "message": validation.NOT_TEXT},
        {"field": "description", "message": validation.NOT_STRING},
    ]


def test_sections_must_be_a_non_empty_list_of_unique_snake_case_ids():
    not_a_list = _valid()
    not_a_list["sections"] = {"id": "main"}
    empty = _valid()
    empty["sections"] = []
    broken = _valid()
    broken["sections"] = [
        {"id": "main", "title": "Main"},
        {"id": "main", "title": "Again"},
        {"id": "Bad Id", "title": "Bad"},
        "people",
    ]

    assert _errors(not_a_list)[0] == {"field": "sections", "message": validation.NOT_A_LIST}
    assert _errors(empty)[0] == {"field": "sections", "message": validation.NO_SECTIONS}
    assert _errors(broken) == [
        {"field": "sections[1].id", "message": validation.DUPLICATE_SECTION.format(id="main")},
        {"field": "sections[2].id", "message": validation.BAD_ID},
        {"field": "sections[3]", "message": validation.NOT_AN_OBJECT},
    ]


def test_questions_must_be_a_non_empty_list():
    empty = _valid()
    empty["questions"] = []
    not_a_list = _valid()
    not_a_list["questions"] = "harm"

    assert _errors(empty) == [{"field": "questions", "message": validation.NO_QUESTIONS}]
    assert _errors(not_a_list) == [{"field": "questions", "message": validation.NOT_A_LIST}]


def test_question_ids_must_be_unique_snake_case():
    data = _valid()
    data["questions"][1]["id"] = "harm"
    data["questions"][2]["id"] = "Notice-Me"

    assert _errors(data) == [
        {"field": "questions[1].id", "message": validation.DUPLICATE_QUESTION.format(id="harm")},
        {"field": "questions[2].id", "message": validation.BAD_ID},
    ]


def test_question_fields_are_checked_one_by_one():
    data = _valid()
    q = data["questions"][0]
    q["section"] = "elsewhere"
    q["type"] = "benefit"
    q["kind"] = "ranking"
    q["text"] = ""
    q["help"] = 7
    q["required"] = "yes"
    del q["short"]
    q["weight"] = 2

    field = "questions[0]."
    assert _errors(data) == [
        {"field": field + "short", "message": validation.MISSING_FIELD},
        {
            "field": field + "weight",
            "message": validation.UNKNOWN_FIELD.format(
                allowed=", ".join(validation.QUESTION_FIELDS)
            ),
        },
        {
            "field": field + "section",
            "message": validation.UNKNOWN_SECTION.format(section="elsewhere", sections="main"),
        },
        {"field": field + "type", "message": validation.BAD_TYPE},
        {"field": field + "kind", "message": validation.BAD_KIND},
        {"field": field + "text", "message": validation.NOT_TEXT},
        {"field": field + "help", "message": validation.NOT_TEXT},
        {"field": field + "required", "message": validation.NOT_BOOL},
    ]


@pytest.mark.parametrize(
    ("anchors", "errors"),
    [
        ([], [("", validation.NO_ANCHORS)]),
        ("GDPR:35", [("", validation.NOT_A_LIST)]),
        (["GDPR 35(7)(b)"], [("[0]", validation.BAD_ANCHOR.format(anchor="GDPR 35(7)(b)"))]),
        (["EUAIA:50(3)"], [("[0]", validation.BAD_ANCHOR.format(anchor="EUAIA:50(3)"))]),
        (["AIAct:"], [("[0]", validation.BAD_ANCHOR.format(anchor="AIAct:"))]),
        (["AIAct:50 (3)"], [("[0]", validation.BAD_ANCHOR.format(anchor="AIAct:50 (3)"))]),
        (
            ["NIST:MAP-5.1", "NIST:MAP-5.1"],
            [("[1]", validation.DUPLICATE_ANCHOR.format(anchor="NIST:MAP-5.1"))],
        ),
    ],
)
def test_anchors_name_a_known_framework_and_a_clause(anchors, errors):
    data = _valid()
    data["questions"][0]["anchors"] = anchors

    assert _errors(data) == [
        {"field": f"questions[0].anchors{suffix}", "message": message} for suffix, message in errors
    ]


def test_every_framework_of_the_anchor_pattern_is_accepted():
    data = _valid()
    data["questions"][0]["anchors"] = [
        "AIAct:27(1)(c)",
        "GDPR:35(7)(b)",
        "NIST:MAP-5.1",
        "ISO42001:A.5.4",
        "CanadaAIA:Impact",
    ]

    assert len(validate_questionnaire(data).question("harm").anchors) == 5


def test_a_question_needs_two_options():
    data = _valid()
    data["questions"][0]["options"] = [option("only", 1)]

    assert _errors(data) == [
        {"field": "questions[0].options", "message": validation.TOO_FEW_OPTIONS.format(minimum=2)}
    ]


def test_option_values_are_unique_snake_case_and_labels_unique():
    data = _valid()
    options = data["questions"][0]["options"]
    options[1]["value"] = "p0"
    options[2]["label"] = options[3]["label"]
    options[3]["value"] = "Three Points"

    field = "questions[0].options"
    assert _errors(data) == [
        {"field": f"{field}[1].value", "message": validation.DUPLICATE_OPTION.format(value="p0")},
        {
            "field": f"{field}[3].value",
            "message": validation.BAD_ID,
        },
        {
            "field": f"{field}[3].label",
            "message": validation.DUPLICATE_LABEL.format(label="Answer p3"),
        },
    ]


@pytest.mark.parametrize("points", [-1, 1.5, "2", True, None])
def test_points_must_be_whole_numbers_of_zero_or_more(points):
    data = _valid()
    data["questions"][0]["options"][1]["risk"] = points

    assert _errors(data) == [
        {"field": "questions[0].options[1].risk", "message": validation.BAD_POINTS}
    ]


def test_options_carry_points_under_their_questions_type():
    data = _valid()
    data["questions"][0]["options"][1] = {"value": "p1", "label": "One", "mitigation": 1}
    del data["questions"][2]["options"][0]["mitigation"]

    assert _errors(data) == [
        {
            "field": "questions[0].options[1].mitigation",
            "message": validation.WRONG_POINTS_KEY.format(
                type="risk", expected="risk", found="mitigation"
            ),
        },
        {"field": "questions[0].options[1].risk", "message": validation.MISSING_FIELD},
        {"field": "questions[2].options[0].mitigation", "message": validation.MISSING_FIELD},
    ]


def test_option_shape_errors_are_named():
    data = _valid()
    data["questions"][0]["options"][0] = "p0"
    data["questions"][0]["options"][1]["score"] = 9
    data["questions"][2]["options"] = {"p0": 0}

    assert _errors(data) == [
        {"field": "questions[0].options[0]", "message": validation.NOT_AN_OBJECT},
        {
            "field": "questions[0].options[1].score",
            "message": validation.UNKNOWN_FIELD.format(
                allowed="value, label, exclusive, risk, mitigation"
            ),
        },
        {"field": "questions[2].options", "message": validation.NOT_A_LIST},
    ]


def test_exclusive_is_a_boolean_and_only_for_multi_choice():
    data = _valid()
    data["questions"][0]["options"][0]["exclusive"] = True
    data["questions"][1]["options"][2]["exclusive"] = "yes"

    assert _errors(data) == [
        {"field": "questions[0].options[0].exclusive", "message": validation.EXCLUSIVE_ON_SINGLE},
        {"field": "questions[1].options[2].exclusive", "message": validation.NOT_BOOL},
    ]


def test_a_question_whose_options_are_all_worth_nothing_is_rejected():
    data = _valid()
    data["questions"][2]["options"] = [
        option("a", 0, qtype="mitigation"),
        option("b", 0, qtype="mitigation"),
    ]

    assert _errors(data) == [{"field": "questions[2].options", "message": validation.NO_POINTS}]


def test_a_questionnaire_without_risk_questions_is_rejected():
    data = questionnaire(scale("notice", 2, qtype="mitigation"))

    assert _errors(data) == [{"field": "questions", "message": validation.NO_RISK_QUESTIONS}]


def test_every_problem_is_reported_at_once():
    data = _valid()
    data["version"] = 0
    data["questions"][0]["kind"] = "many"
    data["questions"][1]["options"][0]["risk"] = -2

    assert [e["field"] for e in _errors(data)] == [
        "version",
        "questions[0].kind",
        "questions[1].options[0].risk",
    ]
