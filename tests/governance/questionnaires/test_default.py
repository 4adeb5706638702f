import re
import subprocess
import sys

import pytest

from governance.questionnaires import (
    DEFAULT_KEY,
    DEFAULT_VERSION,
    default_questionnaire,
    default_questionnaire_data,
    score,
    validate_answers,
)
from governance.questionnaires.model import MITIGATION, MULTI, RISK
from governance.questionnaires.validation import validate_questionnaire

SECTIONS = [
    "purpose",
    "people",
    "modality",
    "scale",
    "decisions",
    "oversight",
    "data",
    "consent",
    "retention",
    "vendor",
    "bias",
    "security",
    "incidents",
]

# topic of the brief -> (question, its type, an anchor it must carry)
TOPICS = [
    ("purpose", "purpose_main", RISK, "AIAct:27(1)(a)"),
    ("employees or students", "people_staff_students", RISK, "AIAct:5(1)(f)"),
    ("people affected", "people_others", RISK, "AIAct:27(1)(c)"),
    ("children or vulnerable people", "people_vulnerable", RISK, "AIAct:9(9)"),
    ("modality", "modality_inputs", RISK, "AIAct:3(39)"),
    ("scale per month", "scale_people_per_month", RISK, "GDPR:35(3)(b)"),
    ("decisions about people", "decisions_effect", RISK, "GDPR:22(1)"),
    ("reversibility", "decisions_reversible", RISK, "CanadaAIA:Impact"),
    ("named human oversight", "oversight_named_person", MITIGATION, "AIAct:26(2)"),
    ("suspension", "oversight_suspend", MITIGATION, "AIAct:26(5)"),
    ("contestability", "oversight_contest", MITIGATION, "GDPR:22(3)"),
    ("data sources", "data_sources", RISK, "GDPR:35(7)(a)"),
    ("minimisation", "data_minimisation", MITIGATION, "GDPR:5(1)(c)"),
    ("special categories", "data_special_categories", RISK, "GDPR:9(1)"),
    ("DPIA done", "data_dpia", MITIGATION, "GDPR:35(1)"),
    ("consent", "consent_basis", RISK, "GDPR:9(2)(a)"),
    ("notice to exposed persons", "consent_notice", MITIGATION, "AIAct:50(3)"),
    ("retention", "retention_recordings", RISK, "GDPR:5(1)(e)"),
    ("vendor instructions received", "vendor_instructions", MITIGATION, "AIAct:13(3)(b)"),
    ("bias testing per group", "bias_tested", MITIGATION, "AIAct:10(2)(f)"),
    ("security", "security_measures", MITIGATION, "GDPR:32(1)(a)"),
    ("incident response", "incidents_plan", MITIGATION, "AIAct:73(1)"),
]


@pytest.fixture(scope="module")
def form():
    return default_questionnaire()


def _extreme(form, *, highest: bool) -> dict:
    """Every question answered with its least (or most) points."""
    answers = {}
    for question in form.questions:
        pick = max if highest else min
        if question.kind == MULTI:
            combinable = [o for o in question.options if not o.exclusive]
            if highest:
                answers[question.id] = [o.value for o in combinable]
            else:
                answers[question.id] = [pick(question.options, key=lambda o: o.points).value]
        else:
            answers[question.id] = pick(question.options, key=lambda o: o.points).value
    return answers


def test_the_default_is_versioned_and_validates(form):
    assert (form.key, form.version) == ("emotion-ai-smb", 1)
    assert (DEFAULT_KEY, DEFAULT_VERSION) == ("emotion-ai-smb", 1)
    assert validate_questionnaire(default_questionnaire_data()) == form


def test_the_data_file_is_exactly_what_to_dict_writes(form):
    assert form.to_dict() == default_questionnaire_data()


def test_at_least_25_risk_and_12_mitigation_questions(form):
    assert len(form.risk_questions) >= 25
    assert len(form.mitigation_questions) >= 12


def test_sections_cover_every_topic_and_each_has_a_question(form):
    assert [section.id for section in form.sections] == SECTIONS
    assert {question.section for question in form.questions} == set(SECTIONS)


@pytest.mark.parametrize(("topic", "question_id", "qtype", "anchor"), TOPICS)
def test_each_topic_has_its_question_and_clause(form, topic, question_id, qtype, anchor):
    question = form.question(question_id)

    assert question is not None, topic
    assert question.type == qtype, topic
    assert anchor in question.anchors, topic


def test_questions_are_written_in_plain_words_with_the_clauses_kept_in_anchors(form):
    legalese = re.compile(r"\bArt(icle)?s?\b\.?|GDPR|AI Act|Annex|\(\d+\)|§")
    for question in form.questions:
        assert not legalese.search(question.text), question.id
        assert not legalese.search(question.short), question.id
        for option in question.options:
            assert not legalese.search(option.label), (question.id, option.value)
        assert len(question.help) <= 300, question.id


def test_all_lowest_answers_give_level_one(form):
    result = score(form, _extreme(form, highest=False))

    # the only unavoidable risk points: modality_inputs "text" 1 + modality_outputs "mood" 1
    assert (result.raw, result.score, result.level) == (2, 2, "I")
    assert result.mitigation == 0
    assert result.unanswered == ()


def test_all_highest_answers_give_level_four_even_with_every_mitigation(form):
    answers = _extreme(form, highest=True)

    result = score(form, answers)

    # every risk answer at its maximum, every mitigation too:
    # score = round_half_up(0.85 * max_raw) > 0.75 * max_raw
    assert result.raw == result.max_raw
    assert result.mitigation == result.max_mitigation
    assert result.mitigation_applied is True
    assert result.score == (17 * result.max_raw * 2 + 20) // 40
    assert result.level == "IV"


def test_all_highest_risk_without_mitigation_is_level_four_at_100_percent(form):
    answers = _extreme(form, highest=True)
    lowest = _extreme(form, highest=False)
    for question in form.mitigation_questions:
        answers[question.id] = lowest[question.id]

    result = score(form, answers)

    assert (result.score, result.ratio, result.level) == (result.max_raw, "1.0000", "IV")


CALL_CENTRE = {
    # customer service: voice emotions of callers, shown live to agents as a hint
    "purpose_main": "assist_staff",  # 1
    "purpose_reuse": "unlikely",  # 1
    "purpose_necessity": "partly",  # 2
    "people_staff_students": "no",  # 0
    "people_others": ["customers"],  # 1
    "people_vulnerable": ["second_language"],  # 1
    "people_dependence": "no",  # 0
    "modality_inputs": ["voice"],  # 2
    "modality_outputs": ["emotions"],  # 1
    "modality_timing": "live",  # 2
    "modality_noticeable": "obvious",  # 0
    "scale_people_per_month": "under_10000",  # 2
    "scale_repeat": "every_time",  # 2
    "scale_period": "no_end_date",  # 2
    "decisions_effect": "service",  # 2
    "decisions_automatic": "always_checked",  # 0
    "decisions_reversible": "easily",  # 0
    "decisions_harm": "time_or_money",  # 2
    "oversight_reliance": "one_hint",  # 0
    "data_sources": ["own_contacts"],  # 0
    "data_excess": "no",  # 0
    "data_special_categories": "possibly",  # 2
    "data_identified": "coded",  # 1
    "data_abroad": "with_safeguards",  # 1
    "consent_basis": "explicit",  # 0
    "consent_refusal": "same_service",  # 0
    "retention_recordings": "up_to_30_days",  # 1
    "retention_results": "up_to_6_months",  # 1
    "vendor_reuse": "no",  # 0
    "vendor_changes": "no",  # 0
    "bias_variety": "somewhat",  # 1
    "security_access": "named_people",  # 1
    "incidents_reach": "hundreds",  # 2
    # mitigations
    "people_consulted": "informally",  # 1
    "consent_notice": "clear_notice",  # 3
    "consent_withdrawal": "as_easily",  # 2
    "oversight_named_person": "yes",  # 3
    "oversight_suspend": "documented",  # 2
    "oversight_contest": "yes",  # 3
    "oversight_training": "all",  # 2
    "data_minimisation": ["needed_only", "delete_raw", "codes"],  # 3
    "data_dpia": "done",  # 3
    "retention_schedule": "automatic",  # 2
    "vendor_instructions": "complete",  # 3
    "vendor_contract": "signed",  # 2
    "bias_tested": "vendor_per_group",  # 2
    "bias_recheck": "scheduled",  # 2
    "security_measures": ["encryption", "named_logins", "access_log"],  # 3
    "incidents_plan": "written",  # 2
}


def test_a_well_run_customer_call_centre_scores_by_hand(form):
    validate_answers(form, CALL_CENTRE, require_complete=True)

    result = score(form, CALL_CENTRE)

    # max_raw: 4+3+3 + 5+5+5+3 + 7+6+2+3 + 4+3+2 + 4+4+4+4 + 3 + 5+2+3+2+3 + 3+3 + 3+3
    #          + 3+2 + 2 + 3 + 3 = 114
    # max_mitigation: 2 + 3+2 + 3+2+3+2 + 4+3 + 2 + 3+2 + 3+2 + 4 + 3 = 43
    assert (result.max_raw, result.max_mitigation) == (114, 43)
    # raw: the risk points in the comments above sum to 31; mitigation to 38
    assert (result.raw, result.mitigation) == (31, 38)
    # 38/43 = 88.4% >= 80% -> round_half_up(0.85 * 31 = 26.35) = 26; 26/114 = 22.8% -> I
    assert result.mitigation_applied is True
    assert (result.score, result.level, result.ratio) == (26, "I", "0.2281")
    assert result.mitigation_ratio == "0.8837"


def test_the_same_call_centre_without_safeguards_is_level_two(form):
    answers = dict(CALL_CENTRE, consent_notice="no", data_dpia="no", bias_tested="no")

    result = score(form, answers)

    # mitigation 38 - 3 - 3 - 2 = 30 of 43 = 69.8% < 80%: score = raw 31; 31/114 = 27.2% -> II
    assert (result.mitigation, result.mitigation_applied) == (30, False)
    assert (result.score, result.level) == (31, "II")
    assert result.explanation.endswith(
        "Mitigation reached 70% of the maximum (30 of 43 points), below the 80% that would "
        "lower the score by 15%."
    )


def test_explanation_names_the_top_contributors_of_a_workplace_system(form):
    answers = dict(
        CALL_CENTRE,
        people_staff_students="yes",  # 5 instead of 0
        purpose_main="judge_people",  # 4 instead of 1
        decisions_effect="life",  # 4 instead of 2
        decisions_harm="serious",  # 4 instead of 2
        decisions_reversible="partly",  # 3 instead of 0
        people_dependence="most",  # 3 instead of 0
    )

    result = score(form, answers)

    # raw 31 + 5 + 3 + 2 + 2 + 3 + 3 = 49; mitigation 38 of 43 applies:
    # round_half_up(0.85 * 49 = 41.65) = 42; 42/114 = 36.8% -> II
    assert (result.raw, result.score, result.level) == (49, 42, "II")
    top = [c.question_id for c in result.risk_contributions[:3]]
    assert top == ["people_staff_students", "purpose_main", "decisions_effect"]
    assert (
        'The answers that add the most risk are use on staff, applicants or students: "Yes" '
        '(5 points); what you use it for: "To judge, score or rank individual people, such as '
        'staff or job applicants" (4 points); and what happens to a person: "It affects a job, '
        'pay, grades, a contract or access to a service" (4 points).'
    ) in result.explanation


def test_the_package_imports_without_django():
    code = "import sys, governance.questionnaires; print('django' in sys.modules)"

    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert output.stdout.strip() == "False"
