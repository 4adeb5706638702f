"""Every row of the screening table (DESIGN.md §3, REGULATORY.md §6(b) item 38), on dates."""

import json
from datetime import date

import pytest

from governance.screening import RULES_PATH, load_rules, screen

AFTER_50_3 = date(2026, 8, 2)
BEFORE_50_3 = date(2026, 8, 1)
AFTER_ANNEX_III_DUTIES = date(2027, 12, 2)


def facts(**overrides):
    base = {
        "modality": "text",
        "subjects": "customers",
        "context": "customer_service",
        "medical_or_safety_purpose": False,
        "decides_about_people": False,
    }
    return {**base, **overrides}


def clauses(result):
    return [reason["clause"] for reason in result["reasons"]]


def duty(result, code):
    return next(d for d in result["duties"] if d["duty"] == code)


def duty_codes(result):
    return [d["duty"] for d in result["duties"]]


@pytest.mark.parametrize("modality", ["voice", "facial", "physiological", "multimodal"])
@pytest.mark.parametrize("subjects", ["employees", "job_applicants", "students"])
def test_biometric_emotion_recognition_on_workers_or_students_is_prohibited(modality, subjects):
    result = screen(facts(modality=modality, subjects=subjects, context="other"), on=AFTER_50_3)

    assert result["category"] == "prohibited"
    assert "EU AI Act Art. 5(1)(f)" in clauses(result)
    assert duty_codes(result)[0] == "do_not_deploy"
    assert "deployer_obligations" not in duty_codes(result)


def test_voice_ers_in_hr_context_is_prohibited_even_if_subjects_are_called_public():
    result = screen(facts(modality="voice", subjects="public", context="hr"), on=AFTER_50_3)

    assert result["category"] == "prohibited"


def test_medical_or_safety_purpose_makes_the_workplace_system_high_risk_not_prohibited():
    result = screen(
        facts(modality="voice", subjects="employees", context="hr", medical_or_safety_purpose=True),
        on=AFTER_50_3,
    )

    assert result["category"] == "high_risk"
    assert clauses(result)[:2] == ["EU AI Act Art. 5(1)(f)", "EU AI Act Annex III 1(c)"]
    assert "inform_workers" in duty_codes(result)


@pytest.mark.parametrize("subjects", ["customers", "patients", "public"])
def test_biometric_emotion_recognition_on_others_is_high_risk_with_the_duty_to_inform(subjects):
    result = screen(facts(modality="voice", subjects=subjects), on=AFTER_50_3)

    assert result["category"] == "high_risk"
    assert "EU AI Act Annex III 1(c)" in clauses(result)
    assert duty(result, "inform_exposed_persons")["clause"] == "EU AI Act Art. 50(3)"
    assert duty(result, "inform_exposed_persons")["in_force"] is True


def test_the_art_50_3_duty_is_listed_but_not_in_force_before_2026_08_02():
    before = screen(facts(modality="facial"), on=BEFORE_50_3)
    after = screen(facts(modality="facial"), on=AFTER_50_3)

    assert duty(before, "inform_exposed_persons")["in_force"] is False
    assert duty(before, "inform_exposed_persons")["applies_from"] == "2026-08-02"
    assert duty(after, "inform_exposed_persons")["in_force"] is True


def test_annex_iii_deployer_duties_apply_from_the_moved_date_2027_12_02():
    just_before = screen(facts(modality="voice"), on=date(2027, 12, 1))
    on_the_day = screen(facts(modality="voice"), on=AFTER_ANNEX_III_DUTIES)

    assert duty(just_before, "deployer_obligations")["in_force"] is False
    assert duty(on_the_day, "deployer_obligations")["in_force"] is True


def test_before_the_prohibition_applied_a_workplace_ers_was_high_risk_and_the_ban_upcoming():
    result = screen(facts(modality="voice", subjects="employees"), on=date(2025, 2, 1))

    assert result["category"] == "high_risk"
    assert [u["clause"] for u in result["upcoming"]] == ["EU AI Act Art. 5(1)(f)"]
    assert result["upcoming"][0]["applies_from"] == "2025-02-02"


@pytest.mark.parametrize(
    ("subjects", "context"),
    [("employees", "customer_service"), ("job_applicants", "hr"), ("customers", "hr")],
)
def test_text_sentiment_about_workers_is_high_risk_under_annex_iii_4(subjects, context):
    result = screen(facts(subjects=subjects, context=context), on=AFTER_50_3)

    assert result["category"] == "high_risk"
    assert "EU AI Act Annex III 4(b)" in clauses(result)
    assert "inform_exposed_persons" not in duty_codes(result)


def test_text_sentiment_on_customers_is_outside_the_ers_definition_but_gdpr_applies():
    result = screen(facts(), on=AFTER_50_3)

    assert result["category"] == "minimal_risk"
    assert clauses(result) == ["EU AI Act Art. 3(39)", "GDPR Art. 35", "GDPR Art. 9"]
    assert duty_codes(result) == ["gdpr_dpia", "gdpr_special_category", "gdpr_record_of_processing"]


def test_text_on_students_is_not_prohibited_because_text_is_not_biometric():
    result = screen(facts(subjects="students", context="education"), on=AFTER_50_3)

    assert result["category"] == "minimal_risk"


def test_deciding_about_people_adds_the_gdpr_article_22_duty():
    result = screen(facts(decides_about_people=True), on=AFTER_50_3)

    assert "GDPR Art. 22" in clauses(result)
    assert duty(result, "gdpr_automated_decisions")["clause"] == "GDPR Art. 22"


@pytest.mark.parametrize("modality", ["text", "voice", "facial"])
def test_every_emotion_inference_expects_a_dpia_and_special_category_basis(modality):
    result = screen(facts(modality=modality), on=AFTER_50_3)

    assert {"GDPR Art. 35", "GDPR Art. 9"} <= set(clauses(result))
    assert {"gdpr_dpia", "gdpr_special_category"} <= set(duty_codes(result))


def test_rules_are_data_a_moved_date_changes_the_outcome_without_code(tmp_path):
    data = json.loads(RULES_PATH.read_text())
    data["duties"]["inform_exposed_persons"]["applies_from"] = "2030-01-01"
    moved = tmp_path / "rules.json"
    moved.write_text(json.dumps(data))

    result = screen(facts(modality="voice"), on=AFTER_50_3, ruleset=load_rules(moved))

    assert duty(result, "inform_exposed_persons")["in_force"] is False


def test_a_rule_naming_an_unknown_duty_is_refused(tmp_path):
    data = json.loads(RULES_PATH.read_text())
    data["rules"][0]["duties"] = ["no_such_duty"]
    broken = tmp_path / "rules.json"
    broken.write_text(json.dumps(data))

    with pytest.raises(ValueError, match="unknown duty 'no_such_duty'"):
        load_rules(broken)
