"""Impact assessments through the API: scoring boundaries, frozen answers, revisions (§4)."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.api.records_views import COMPUTED_FIELD, SUBMIT_TAKES_NOTHING, SYSTEM_NOT_FOUND
from governance.canonical import canonical_json, sha256_hex
from governance.exceptions import ImmutableRecordError
from governance.models import (
    AssessmentStatus,
    DeploymentRequest,
    ImpactAssessment,
    LedgerEvent,
    RequestStatus,
)
from governance.questionnaires import answers as A
from governance.questionnaires import default_questionnaire
from governance.questionnaires import scoring as S
from governance.services.assessments import ALREADY_SUBMITTED, DRAFT_EXISTS, SUPERSEDE_REASON
from tests.factories import AISystemFactory
from tests.governance.records.helpers import boundary_questionnaire, scale, stored_questionnaire

pytestmark = pytest.mark.django_db

RISK_OPTIONS = ", ".join(f"p{points}" for points in range(21))


def start(client, system, questionnaire=None, **body):
    body = {"system": str(system.pk), **body}
    if questionnaire is not None:
        body["questionnaire"] = str(questionnaire.pk)
    return client.post("/api/v1/assessments/", body, format="json")


def submit(client, assessment_id, body=None):
    return client.post(f"/api/v1/assessments/{assessment_id}/submit/", body or {}, format="json")


def patch(client, assessment_id, body):
    return client.patch(f"/api/v1/assessments/{assessment_id}/", body, format="json")


def verbs(organization) -> list[str]:
    return list(
        LedgerEvent.objects.filter(organization=organization, verb__startswith="assessment.")
        .order_by("seq")
        .values_list("verb", flat=True)
    )


# The questionnaire: risk 0..20 points (max_raw 20), care (mitigation) 0..5 points (max 5).
@pytest.mark.parametrize(
    ("risk", "care", "score", "level", "applied"),
    [
        (5, 3, 5, "I", False),  # 5/20 = 25% exactly: still I
        (6, 3, 6, "II", False),  # 6/20 = 30%
        (10, 3, 10, "II", False),  # 10/20 = 50% exactly: still II
        (11, 3, 11, "III", False),  # 55%
        (15, 3, 15, "III", False),  # 15/20 = 75% exactly: still III
        (16, 3, 16, "IV", False),  # 80%
        (18, 3, 18, "IV", False),  # care 3/5 = 60% < 80%: no reduction, 90%
        (6, 4, 5, "I", True),  # care 4/5 = 80% exactly: 0.85 * 6 = 5.1 -> 5, 25% -> I
        (10, 4, 9, "II", True),  # 0.85 * 10 = 8.5 rounds half up to 9, 45%
        (18, 4, 15, "III", True),  # 0.85 * 18 = 15.3 -> 15, 75% exactly -> III
        (12, 5, 10, "II", True),  # 0.85 * 12 = 10.2 -> 10, 50% exactly -> II
    ],
)
def test_submission_scores_the_boundaries_exactly(tenant, risk, care, score, level, applied):
    questionnaire = boundary_questionnaire()
    owner = tenant.client("owner")
    draft = start(
        owner,
        tenant.systems[0],
        questionnaire,
        answers={"risk": f"p{risk}", "care": f"p{care}"},
    ).json()

    response = submit(owner, draft["id"])

    assert response.status_code == 200
    result = response.json()["score"]
    assert {key: result[key] for key in ("raw", "max_raw", "mitigation", "max_mitigation")} == {
        "raw": risk,
        "max_raw": 20,
        "mitigation": care,
        "max_mitigation": 5,
    }
    assert result["score"] == score
    assert result["level"] == level
    assert result["mitigation_applied"] is applied
    assert result["frozen"] is True
    assert response.json()["status"] == "submitted"


def test_the_result_says_in_plain_words_why_the_level_is_what_it_is(tenant):
    questionnaire = boundary_questionnaire()
    owner = tenant.client("owner")
    draft = start(
        owner, tenant.systems[0], questionnaire, answers={"risk": "p5", "care": "p3"}
    ).json()

    body = submit(owner, draft["id"]).json()

    expected = " ".join(
        [
            S.LEVEL_SENTENCE.format(
                level="I", score=5, max_raw=20, percent="25%", meaning=S.LEVEL_MEANINGS["I"]
            ),
            S.DRIVERS_SENTENCE.format(items='topic risk: "Answer p5" (5 points)'),
            S.MITIGATION_NOT_APPLIED_SENTENCE.format(
                percent="60%", mitigation=3, max_mitigation=5, threshold="80%", deduction="15%"
            ),
        ]
    )
    assert body["explanation"] == expected
    assert body["score"]["explanation"] == expected
    assert [(c["question_id"], c["type"], c["points"]) for c in body["contributions"]] == [
        ("risk", "risk", 5),
        ("care", "mitigation", 3),
    ]


def test_submission_freezes_answers_score_and_digest_and_records_it(tenant):
    questionnaire = boundary_questionnaire()
    owner = tenant.client("owner")
    draft = start(
        owner, tenant.systems[0], questionnaire, answers={"care": "p3", "risk": "p5"}
    ).json()

    body = submit(owner, draft["id"]).json()

    stored = ImpactAssessment.objects.get(pk=draft["id"])
    assert stored.status == AssessmentStatus.SUBMITTED
    assert stored.answers == {"risk": "p5", "care": "p3"}
    assert stored.answers_sha256 == sha256_hex(b'{"care":"p3","risk":"p5"}')
    assert body["answers_sha256"] == stored.answers_sha256
    assert stored.score["score"] == 5
    assert stored.submitted_by == tenant.members["owner"]
    assert stored.submitted_at is not None
    event = LedgerEvent.objects.get(verb="assessment.submitted")
    assert event.target_id == draft["id"]
    assert event.payload == {
        "system": str(tenant.systems[0].pk),
        "revision": 1,
        "questionnaire": str(questionnaire.pk),
        "answers_sha256": stored.answers_sha256,
        "score": 5,
        "max_raw": 20,
        "level": "I",
    }


def test_a_change_after_submission_is_a_new_revision_and_the_submitted_one_stays_frozen(tenant):
    questionnaire = boundary_questionnaire()
    owner = tenant.client("owner")
    first = start(
        owner, tenant.systems[0], questionnaire, answers={"risk": "p5", "care": "p3"}
    ).json()
    submit(owner, first["id"])
    frozen = ImpactAssessment.objects.get(pk=first["id"])

    response = patch(owner, first["id"], {"answers": {"risk": "p16"}})

    assert response.status_code == 201
    second = response.json()
    assert second["id"] != first["id"]
    assert second["revision"] == 2
    assert second["status"] == "draft"
    assert second["answers"] == {"risk": "p16", "care": "p3"}  # merged with revision 1's
    assert second["score"]["frozen"] is False
    assert second["score"]["raw"] == 16
    again = ImpactAssessment.objects.get(pk=first["id"])
    assert (again.answers, again.score, again.answers_sha256, again.status) == (
        frozen.answers,
        frozen.score,
        frozen.answers_sha256,
        AssessmentStatus.SUBMITTED,
    )
    assert owner.get(f"/api/v1/assessments/{first['id']}/").json()["score"]["raw"] == 5
    again.answers = {"risk": "p0", "care": "p5"}
    with pytest.raises(ImmutableRecordError):
        again.save()
    assert verbs(tenant.organization) == [
        "assessment.created",
        "assessment.submitted",
        "assessment.created",
    ]


def test_a_new_revision_copies_the_latest_submitted_answers_when_none_are_given(tenant):
    questionnaire = boundary_questionnaire()
    owner = tenant.client("owner")
    first = start(
        owner, tenant.systems[0], questionnaire, answers={"risk": "p7", "care": "p2"}
    ).json()
    submit(owner, first["id"])

    response = start(owner, tenant.systems[0])

    assert response.status_code == 201
    body = response.json()
    assert body["revision"] == 2
    assert body["questionnaire"] == str(questionnaire.pk)
    assert body["answers"] == {"risk": "p7", "care": "p2"}
    event = LedgerEvent.objects.filter(verb="assessment.created").order_by("-seq").first()
    assert event.payload["based_on"] == first["id"]
    assert event.payload["revision"] == 2


def test_a_second_draft_is_a_conflict_and_changes_nothing(tenant):
    owner = tenant.client("owner")
    first = start(owner, tenant.systems[0], boundary_questionnaire()).json()
    events = LedgerEvent.objects.count()

    response = start(owner, tenant.systems[0], answers={"risk": "p1"})

    assert response.status_code == 409
    assert response.json() == {
        "detail": DRAFT_EXISTS.format(system=tenant.systems[0].name, revision=1),
        "code": "draft_exists",
    }
    assert ImpactAssessment.objects.count() == 1
    assert ImpactAssessment.objects.get(pk=first["id"]).answers == {}
    assert LedgerEvent.objects.count() == events


def test_changing_a_submitted_revision_while_a_draft_is_open_is_a_conflict(tenant):
    questionnaire = boundary_questionnaire()
    owner = tenant.client("owner")
    first = start(owner, tenant.systems[0], questionnaire, answers={"risk": "p1", "care": "p1"})
    submit(owner, first.json()["id"])
    start(owner, tenant.systems[0])

    response = patch(owner, first.json()["id"], {"answers": {"risk": "p2"}})

    assert response.status_code == 409
    assert response.json()["code"] == "draft_exists"
    assert ImpactAssessment.objects.count() == 2


def test_patching_a_draft_replaces_its_answers(tenant):
    owner = tenant.client("owner")
    draft = start(
        owner, tenant.systems[0], boundary_questionnaire(), answers={"risk": "p4", "care": "p1"}
    ).json()

    response = patch(owner, draft["id"], {"answers": {"care": "p5"}})

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == draft["id"]
    assert body["answers"] == {"care": "p5"}
    assert body["score"]["unanswered"] == ["risk"]
    assert body["score"]["frozen"] is False
    event = LedgerEvent.objects.get(verb="assessment.updated")
    assert event.payload == {
        "system": str(tenant.systems[0].pk),
        "revision": 1,
        "answered": 1,
        "answers_sha256": sha256_hex(canonical_json({"care": "p5"})),
    }


def test_an_unknown_question_is_rejected_naming_it_and_nothing_is_stored(tenant):
    response = start(
        tenant.client("owner"), tenant.systems[0], boundary_questionnaire(), answers={"mood": "p1"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": A.ANSWERS_INVALID,
        "errors": [
            {
                "field": "answers.mood",
                "message": A.UNKNOWN_QUESTION.format(
                    question_id="mood", key="records-test", version=1
                ),
            }
        ],
    }
    assert ImpactAssessment.objects.count() == 0
    assert not LedgerEvent.objects.filter(verb__startswith="assessment.").exists()


def test_a_wrong_option_is_rejected_naming_the_question(tenant):
    owner = tenant.client("owner")
    draft = start(owner, tenant.systems[0], boundary_questionnaire(), answers={"care": "p2"}).json()

    response = patch(owner, draft["id"], {"answers": {"risk": "p99"}})

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "answers.risk",
            "message": A.UNKNOWN_OPTION.format(value="p99", options=RISK_OPTIONS),
        }
    ]
    assert ImpactAssessment.objects.get(pk=draft["id"]).answers == {"care": "p2"}


def test_submitting_without_a_required_answer_names_it_and_changes_nothing(tenant):
    owner = tenant.client("owner")
    draft = start(owner, tenant.systems[0], boundary_questionnaire(), answers={"care": "p2"}).json()

    response = submit(owner, draft["id"])

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "answers.risk", "message": A.MISSING_REQUIRED}]
    stored = ImpactAssessment.objects.get(pk=draft["id"])
    assert (stored.status, stored.score, stored.answers_sha256) == (
        AssessmentStatus.DRAFT,
        None,
        "",
    )
    assert not LedgerEvent.objects.filter(verb="assessment.submitted").exists()


def test_client_supplied_scores_are_refused_naming_them(tenant):
    owner = tenant.client("owner")
    questionnaire = boundary_questionnaire()

    created = start(
        owner, tenant.systems[0], questionnaire, answers={"risk": "p20"}, score=1, level="I"
    )
    draft = start(owner, tenant.systems[0], questionnaire, answers={"risk": "p20"}).json()
    patched = patch(owner, draft["id"], {"answers": {"risk": "p20"}, "raw": 0})
    submitted = submit(owner, draft["id"], {"max_raw": 1000})

    assert created.status_code == 400
    assert created.json()["errors"] == [
        {"field": "level", "message": COMPUTED_FIELD},
        {"field": "score", "message": COMPUTED_FIELD},
    ]
    assert patched.status_code == 400
    assert patched.json()["errors"] == [{"field": "raw", "message": COMPUTED_FIELD}]
    assert submitted.status_code == 400
    assert submitted.json()["errors"] == [{"field": "max_raw", "message": COMPUTED_FIELD}]
    assert ImpactAssessment.objects.count() == 1
    assert ImpactAssessment.objects.get().status == AssessmentStatus.DRAFT


def test_answers_sent_at_submission_are_refused(tenant):
    owner = tenant.client("owner")
    draft = start(owner, tenant.systems[0], boundary_questionnaire()).json()

    response = submit(owner, draft["id"], {"answers": {"risk": "p1", "care": "p1"}})

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "answers", "message": SUBMIT_TAKES_NOTHING}]


def test_points_sent_inside_an_answer_are_refused(tenant):
    response = start(
        tenant.client("owner"),
        tenant.systems[0],
        boundary_questionnaire(),
        answers={"risk": {"value": "p20", "risk": 0}},
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "answers.risk", "message": A.SINGLE_NOT_TEXT}]


def test_submitting_twice_is_a_conflict(tenant):
    owner = tenant.client("owner")
    draft = start(
        owner, tenant.systems[0], boundary_questionnaire(), answers={"risk": "p1", "care": "p0"}
    ).json()
    submit(owner, draft["id"])

    response = submit(owner, draft["id"])

    assert response.status_code == 409
    assert response.json() == {
        "detail": ALREADY_SUBMITTED.format(revision=1),
        "code": "transition_not_allowed",
    }
    assert LedgerEvent.objects.filter(verb="assessment.submitted").count() == 1


def test_a_new_submission_supersedes_the_open_deployment_requests(tenant):
    questionnaire = boundary_questionnaire()
    owner = tenant.client("owner")
    first = start(owner, tenant.systems[0], questionnaire, answers={"risk": "p1", "care": "p0"})
    submit(owner, first.json()["id"])
    request = DeploymentRequest.objects.create(
        model_version=tenant.versions[0],
        assessment=ImpactAssessment.objects.get(pk=first.json()["id"]),
        audit_run_id=uuid.uuid4(),
        audit_result_sha256="a" * 64,
        screening={},
        evidence={},
        evidence_sha256="b" * 64,
        requested_by=tenant.members["owner"],
    )
    other = DeploymentRequest.objects.create(
        model_version=tenant.versions[1],
        assessment=ImpactAssessment.objects.get(pk=first.json()["id"]),
        audit_run_id=uuid.uuid4(),
        audit_result_sha256="a" * 64,
        screening={},
        evidence={},
        evidence_sha256="c" * 64,
        requested_by=tenant.members["owner"],
    )
    second = patch(owner, first.json()["id"], {"answers": {"risk": "p2"}}).json()

    submit(owner, second["id"])

    request.refresh_from_db()
    other.refresh_from_db()
    assert request.status == RequestStatus.SUPERSEDED
    assert request.status_reason == SUPERSEDE_REASON
    assert other.status == RequestStatus.OPEN  # another system's request
    assert LedgerEvent.objects.filter(
        verb="deployment_request.superseded", target_id=str(request.pk)
    ).exists()


def test_without_a_questionnaire_the_default_one_is_used_and_a_draft_shows_a_preview(tenant):
    owner = tenant.client("owner")
    default = default_questionnaire()

    response = start(owner, tenant.systems[0])

    assert response.status_code == 201
    body = response.json()
    assert (body["questionnaire_key"], body["questionnaire_version"]) == ("emotion-ai-smb", 1)
    assert body["answers"] == {}
    assert body["score"]["frozen"] is False
    assert body["score"]["raw"] == 0
    assert body["score"]["max_raw"] == default.max_raw
    assert body["score"]["unanswered"] == [q.id for q in default.questions if q.required]


def test_a_system_of_another_organization_is_not_found(tenant, other_tenant):
    response = start(tenant.client("owner"), other_tenant.systems[0])

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "system", "message": SYSTEM_NOT_FOUND}]
    assert ImpactAssessment.objects.count() == 0


def test_questionnaires_are_listed_with_their_questions(tenant):
    default = default_questionnaire()

    listed = tenant.client("viewer").get("/api/v1/questionnaires/")
    one = listed.json()["results"][0]
    detail = tenant.client("viewer").get(f"/api/v1/questionnaires/{one['id']}/")

    assert listed.status_code == 200
    assert [(q["key"], q["version"]) for q in listed.json()["results"]] == [("emotion-ai-smb", 1)]
    assert detail.status_code == 200
    assert detail.json()["max_raw"] == default.max_raw
    assert detail.json()["max_mitigation"] == default.max_mitigation
    assert detail.json()["questions"] == [q.to_dict() for q in default.questions]


def test_the_list_takes_the_same_number_of_queries_for_one_or_many_revisions(tenant):
    questionnaire = boundary_questionnaire()
    owner = tenant.client("owner")
    viewer = tenant.client("viewer")
    start(owner, tenant.systems[0], questionnaire, answers={"risk": "p1"})
    with CaptureQueriesContext(connection) as one:
        assert len(viewer.get("/api/v1/assessments/").json()["results"]) == 1
    for system in [
        tenant.systems[1],
        *AISystemFactory.create_batch(2, organization=tenant.organization),
    ]:
        draft = start(owner, system, questionnaire, answers={"risk": "p2", "care": "p1"}).json()
        submit(owner, draft["id"])

    with CaptureQueriesContext(connection) as four:
        assert len(viewer.get("/api/v1/assessments/").json()["results"]) == 4

    assert len(four.captured_queries) == len(one.captured_queries)


def test_a_revision_on_a_newer_questionnaire_keeps_only_the_answers_that_still_fit(tenant):
    owner = tenant.client("owner")
    first = start(
        owner, tenant.systems[0], boundary_questionnaire(), answers={"risk": "p3", "care": "p4"}
    ).json()
    submit(owner, first["id"])
    newer = stored_questionnaire(scale("risk", 5), scale("notice", 2), version=2)

    response = start(owner, tenant.systems[0], newer)

    assert response.status_code == 201
    assert response.json()["questionnaire_version"] == 2
    # "care" is not a question of version 2; "risk" p3 is still an option of it.
    assert response.json()["answers"] == {"risk": "p3"}
