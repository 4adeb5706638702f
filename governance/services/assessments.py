"""Impact assessments (DESIGN.md §4): revisions, draft answers, and the submission that freezes
a revision's answers and score.

A system has numbered revisions. At most one is an open draft; its answers may change (partial
answers allowed). Submitting validates every required answer, freezes the answers, the score and
the answers' digest, and closes the system's open deployment requests, whose evidence changed. A
change after submission is a new draft revision; the submitted one is never touched.
Answers that do not fit the questionnaire raise `governance.questionnaires.AnswerError`, whose
`errors` are the 400 body's `[{"field": "answers.<question>", "message"}]`.
"""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from governance.canonical import canonical_json, sha256_hex
from governance.exceptions import DomainError, TransitionNotAllowed
from governance.ledger import event_record
from governance.models import AISystem, AssessmentStatus, ImpactAssessment, Questionnaire
from governance.permissions import OWNER, require_role
from governance.questionnaires import AnswerError, score, validate_answers
from governance.selectors_records import questionnaire_content, questionnaire_default
from governance.services.board import deployment_requests_supersede

DRAFT_EXISTS = (
    "The system {system} already has an open draft assessment (revision {revision}): change "
    "or submit that draft first."
)
ALREADY_SUBMITTED = (
    "Revision {revision} is already submitted: its answers and score are frozen. Change it "
    "to make a new revision."
)
NO_QUESTIONNAIRE = "No questionnaire is installed: run the migrations to install the default one."
SUPERSEDE_REASON = "A new impact assessment revision was submitted."


def answers_digest(answers: Mapping[str, Any]) -> str:
    """SHA-256 of the answers' canonical JSON: what a submission freezes and a sign-off cites."""
    return sha256_hex(canonical_json(dict(answers)))


def _carried_over(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The earlier answers that still fit `questionnaire` (all of them for the same version)."""
    content = questionnaire_content(questionnaire=questionnaire)
    kept: dict[str, Any] = {}
    for question_id, value in answers.items():
        try:
            kept.update(validate_answers(content, {question_id: value}, require_complete=False))
        except AnswerError:
            continue
    return kept


def _open_revision(
    *,
    actor,
    system: AISystem,
    questionnaire: Questionnaire | None,
    answers: Mapping[str, Any] | None,
    based_on: ImpactAssessment | None,
    merge: bool,
) -> ImpactAssessment:
    """The next revision of a locked system as a draft; 409 while another draft is open."""
    revisions = ImpactAssessment.objects.filter(system=system)
    draft = revisions.filter(status=AssessmentStatus.DRAFT).first()
    if draft is not None:
        raise DomainError(
            DRAFT_EXISTS.format(system=system.name, revision=draft.revision), code="draft_exists"
        )
    if based_on is None:
        based_on = revisions.filter(status=AssessmentStatus.SUBMITTED).order_by("-revision").first()
    if questionnaire is None:
        questionnaire = based_on.questionnaire if based_on else questionnaire_default()
    if questionnaire is None:
        raise DomainError(NO_QUESTIONNAIRE, code="no_questionnaire")
    earlier = _carried_over(questionnaire, based_on.answers) if based_on else {}
    if answers is None:
        answers = earlier
    elif merge:
        answers = {**earlier, **answers}
    content = questionnaire_content(questionnaire=questionnaire)
    validated = validate_answers(content, answers, require_complete=False)
    revision = (revisions.aggregate(top=Max("revision"))["top"] or 0) + 1
    assessment = ImpactAssessment(
        system=system,
        questionnaire=questionnaire,
        revision=revision,
        status=AssessmentStatus.DRAFT,
        answers=validated,
        created_by=actor,
    )
    assessment.full_clean()
    assessment.save()
    event_record(
        organization=system.organization,
        actor=actor,
        verb="assessment.created",
        target=assessment,
        payload={
            "system": str(system.pk),
            "revision": revision,
            "questionnaire": str(questionnaire.pk),
            "based_on": str(based_on.pk) if based_on else None,
            "answered": len(validated),
        },
    )
    return assessment


@transaction.atomic
def assessment_create(
    *,
    actor,
    system: AISystem,
    answers: Mapping[str, Any] | None = None,
    questionnaire: Questionnaire | None = None,
) -> ImpactAssessment:
    """Open the system's next revision as a draft (owners only; one open draft per system).

    Without `answers`, the latest submitted revision's answers are carried over (those that fit
    the questionnaire); without `questionnaire`, that revision's questionnaire, else the newest
    default one.
    """
    require_role(actor=actor, organization=system.organization, roles=OWNER)
    # The system row lock serialises revision numbering and the one-draft rule.
    system = AISystem.objects.select_for_update().select_related("organization").get(pk=system.pk)
    return _open_revision(
        actor=actor,
        system=system,
        questionnaire=questionnaire,
        answers=answers,
        based_on=None,
        merge=False,
    )


@transaction.atomic
def assessment_update(
    *, actor, assessment: ImpactAssessment, answers: Mapping[str, Any]
) -> tuple[ImpactAssessment, bool]:
    """Change answers (owners only): a draft's answers are replaced; a submitted revision stays
    frozen and a new draft revision gets its answers merged with the new ones.

    Returns the changed or new revision and whether it is new.
    """
    require_role(actor=actor, organization=assessment.system.organization, roles=OWNER)
    system = (
        AISystem.objects.select_for_update()
        .select_related("organization")
        .get(pk=assessment.system_id)
    )
    assessment = ImpactAssessment.objects.select_related("questionnaire").get(pk=assessment.pk)
    if assessment.status == AssessmentStatus.SUBMITTED:
        revision = _open_revision(
            actor=actor,
            system=system,
            questionnaire=assessment.questionnaire,
            answers=answers,
            based_on=assessment,
            merge=True,
        )
        return revision, True
    content = questionnaire_content(questionnaire=assessment.questionnaire)
    assessment.answers = validate_answers(content, answers, require_complete=False)
    assessment.full_clean()
    assessment.save(update_fields=["answers", "updated_at"])
    event_record(
        organization=system.organization,
        actor=actor,
        verb="assessment.updated",
        target=assessment,
        payload={
            "system": str(system.pk),
            "revision": assessment.revision,
            "answered": len(assessment.answers),
            "answers_sha256": answers_digest(assessment.answers),
        },
    )
    return assessment, False


@transaction.atomic
def assessment_submit(*, actor, assessment: ImpactAssessment) -> ImpactAssessment:
    """Freeze a draft's answers and score (owners only; every required question answered)."""
    require_role(actor=actor, organization=assessment.system.organization, roles=OWNER)
    system = (
        AISystem.objects.select_for_update()
        .select_related("organization")
        .get(pk=assessment.system_id)
    )
    assessment = ImpactAssessment.objects.select_related("questionnaire").get(pk=assessment.pk)
    if assessment.status != AssessmentStatus.DRAFT:
        raise TransitionNotAllowed(ALREADY_SUBMITTED.format(revision=assessment.revision))
    content = questionnaire_content(questionnaire=assessment.questionnaire)
    answers = validate_answers(content, assessment.answers, require_complete=True)
    result = score(content, answers)
    assessment.answers = answers
    assessment.score = result.to_dict()
    assessment.answers_sha256 = answers_digest(answers)
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_by = actor
    assessment.submitted_at = timezone.now()
    assessment.full_clean()
    assessment.save()
    event_record(
        organization=system.organization,
        actor=actor,
        verb="assessment.submitted",
        target=assessment,
        payload={
            "system": str(system.pk),
            "revision": assessment.revision,
            "questionnaire": str(assessment.questionnaire_id),
            "answers_sha256": assessment.answers_sha256,
            "score": result.score,
            "max_raw": result.max_raw,
            "level": result.level,
        },
    )
    deployment_requests_supersede(system=system, reason=SUPERSEDE_REASON)
    return assessment
