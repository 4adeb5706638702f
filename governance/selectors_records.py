"""Reads for the owner's governance records: questionnaires, impact assessments, the Art. 30
record of processing with its warnings, consent policies, consent records and consent state.

Everything is scoped to the caller: a member sees the organizations they belong to, a vendor
token sees only published consent policies (and their records) linked to a system it supplies,
and nothing else here.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from governance.actors import is_vendor
from governance.models import (
    AISystem,
    AssessmentStatus,
    ConsentAction,
    ConsentPolicy,
    ConsentPolicyStatus,
    ConsentRecord,
    ImpactAssessment,
    LegalBasis,
    Organization,
    ProcessingActivity,
    Questionnaire,
    SpecialCategoryBasis,
    Subjects,
    SystemStatus,
)
from governance.questionnaires import DEFAULT_KEY, AnswerError, score, validate_questionnaire
from governance.questionnaires import Questionnaire as QuestionnaireContent
from governance.selectors import organization_list, system_list

# Above this many subjects the filter runs in Python over one scan of the system's consent
# records: a SQL IN list that long is slow and breaks SQLite's limit on bound parameters.
SUBJECT_IN_CLAUSE_LIMIT = 500
# Questionnaire rows never change (ImmutableModel); the cache only saves re-validating them.
CONTENT_CACHE_SIZE = 64

NO_LEGAL_BASIS = "No legal basis is recorded (GDPR Art. 6(1))."
NO_SPECIAL_CATEGORY_BASIS = (
    "Inferred emotions are treated as special-category data, but no special-category basis is "
    "recorded (GDPR Art. 9(2))."
)
NO_NECESSITY = (
    "A special-category basis is recorded without saying why processing that data is necessary "
    "(GDPR Art. 9(2), AI Act Art. 10(5)(f))."
)
NO_PURPOSE = "No purpose of the processing is recorded (GDPR Art. 30(1)(b))."
NO_SUBJECT_CATEGORIES = "No categories of data subjects are recorded (GDPR Art. 30(1)(c))."
NO_DATA_CATEGORIES = "No categories of personal data are recorded (GDPR Art. 30(1)(c))."
TRANSFER_WITHOUT_SAFEGUARDS = (
    "Transfers to {countries} have no documented safeguards (GDPR Art. 30(1)(e), Art. 46)."
)
NO_RETENTION = "No time limit for erasure is recorded (GDPR Art. 30(1)(f), Art. 5(1)(e))."
NO_SECURITY = "No security measures are described (GDPR Art. 30(1)(g), Art. 32(1))."
AUTOMATED_WITHOUT_EXCEPTION = (
    "Decisions based solely on automated processing (GDPR Art. 22(1)) need a contract, a law "
    "that authorises them or explicit consent (Art. 22(2)); none of these is recorded."
)
AUTOMATED_ON_SPECIAL_CATEGORY = (
    "Automated decisions based on inferred emotions (special-category data) need explicit "
    "consent or a substantial public interest (GDPR Art. 22(4))."
)
CONSENT_POWER_IMBALANCE = (
    "Consent is relied on, but the linked AI system {systems} concerns {who}, who can rarely "
    "give consent freely (GDPR Art. 7(4), Recital 43): record why no other basis applies."
)
SYSTEM_WITHOUT_RECORD = (
    "The AI system {system} infers emotions but has no processing record (GDPR Art. 30(1))."
)
CONSENT_WITHOUT_POLICY = (
    "The AI system {system} relies on consent, but no published consent policy covers it "
    "(GDPR Art. 7(1))."
)

# Art. 22(2)(a) contract, 22(2)(b) authorised by law, 22(2)(c) explicit consent.
ART_22_LEGAL_BASES = frozenset({LegalBasis.CONTRACT, LegalBasis.LEGAL_OBLIGATION})
# Art. 22(4): only 9(2)(a) or 9(2)(g) allow automated decisions on special-category data.
ART_22_4_BASES = frozenset(
    {SpecialCategoryBasis.EXPLICIT_CONSENT, SpecialCategoryBasis.PUBLIC_INTEREST}
)
POWER_IMBALANCE_SUBJECTS = (Subjects.EMPLOYEES, Subjects.JOB_APPLICANTS, Subjects.STUDENTS)


@dataclass(frozen=True)
class RecordWarning:
    """A gap in the records, in plain words, with the record or system it is about."""

    code: str
    message: str
    processing_activity: str | None = None
    system: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "processing_activity": self.processing_activity,
            "system": self.system,
        }


# Questionnaires and assessments


def questionnaire_list(*, actor) -> QuerySet[Questionnaire]:
    """Every questionnaire version (they are shared content); none for a vendor token."""
    if is_vendor(actor):
        return Questionnaire.objects.none()
    return Questionnaire.objects.all()


def questionnaire_default() -> Questionnaire | None:
    """The newest stored version of the shipped default questionnaire."""
    return Questionnaire.objects.filter(key=DEFAULT_KEY).order_by("-version").first()


_content_cache: dict[tuple[str, str], QuestionnaireContent] = {}


def questionnaire_content(*, questionnaire: Questionnaire) -> QuestionnaireContent:
    """The stored questionnaire as validated content (raises QuestionnaireError if broken)."""
    key = (str(questionnaire.pk), questionnaire.content_sha256)
    content = _content_cache.get(key)
    if content is None:
        content = validate_questionnaire(questionnaire.data)
        if len(_content_cache) >= CONTENT_CACHE_SIZE:
            _content_cache.clear()
        _content_cache[key] = content
    return content


def assessment_list(*, actor) -> QuerySet[ImpactAssessment]:
    """Assessment revisions of the systems of the member's organizations; none for vendors."""
    return ImpactAssessment.objects.filter(
        system__organization__in=organization_list(actor=actor)
    ).select_related("system", "questionnaire")


def assessment_score(*, assessment: ImpactAssessment) -> dict[str, Any] | None:
    """The frozen score of a submitted revision, or a live preview of a draft's answers.

    Either is `Score.to_dict()` plus `frozen`. None only if a draft's stored answers no longer
    fit its questionnaire, which the services never allow.
    """
    if assessment.status == AssessmentStatus.SUBMITTED:
        return {**assessment.score, "frozen": True}
    content = questionnaire_content(questionnaire=assessment.questionnaire)
    try:
        preview = score(content, assessment.answers)
    except AnswerError:
        return None
    return {**preview.to_dict(), "frozen": False}


# Record of processing (GDPR Art. 30)


def processing_activity_list(*, actor) -> QuerySet[ProcessingActivity]:
    """Processing records of the member's organizations, with their linked systems."""
    return (
        ProcessingActivity.objects.filter(organization__in=organization_list(actor=actor))
        .select_related("organization")
        .prefetch_related(Prefetch("systems", queryset=AISystem.objects.order_by("name")))
    )


def processing_activity_warnings(*, activity: ProcessingActivity) -> list[RecordWarning]:
    """What the record lacks for Art. 30(1), Art. 6, Art. 9 and Art. 22, in plain words.

    Uses `activity.systems.all()` (prefetched by `processing_activity_list`).
    """
    found: list[tuple[str, str]] = []
    if not activity.legal_basis:
        found.append(("no_legal_basis", NO_LEGAL_BASIS))
    if activity.processes_inferred_emotions and not activity.special_category_basis:
        found.append(("no_special_category_basis", NO_SPECIAL_CATEGORY_BASIS))
    if activity.special_category_basis and not activity.special_category_necessity.strip():
        found.append(("no_special_category_necessity", NO_NECESSITY))
    if not activity.purposes:
        found.append(("no_purpose", NO_PURPOSE))
    if not activity.data_subject_categories:
        found.append(("no_data_subject_categories", NO_SUBJECT_CATEGORIES))
    if not activity.personal_data_categories:
        found.append(("no_personal_data_categories", NO_DATA_CATEGORIES))
    if activity.third_country_transfers and not activity.transfer_safeguards.strip():
        countries = ", ".join(activity.third_country_transfers)
        found.append(
            ("transfer_without_safeguards", TRANSFER_WITHOUT_SAFEGUARDS.format(countries=countries))
        )
    if not activity.retention.strip():
        found.append(("no_retention", NO_RETENTION))
    if not activity.security_measures.strip():
        found.append(("no_security_measures", NO_SECURITY))
    if activity.automated_decision_making:
        if (
            activity.legal_basis not in ART_22_LEGAL_BASES
            and activity.special_category_basis != SpecialCategoryBasis.EXPLICIT_CONSENT
        ):
            found.append(("automated_decision_without_exception", AUTOMATED_WITHOUT_EXCEPTION))
        if (
            activity.processes_inferred_emotions
            and activity.special_category_basis not in ART_22_4_BASES
        ):
            found.append(("automated_decision_on_special_category", AUTOMATED_ON_SPECIAL_CATEGORY))
    if activity.relies_on_consent:
        imbalanced = [s for s in activity.systems.all() if s.subjects in POWER_IMBALANCE_SUBJECTS]
        if imbalanced:
            who = sorted({Subjects(s.subjects).label.lower() for s in imbalanced})
            found.append(
                (
                    "consent_with_power_imbalance",
                    CONSENT_POWER_IMBALANCE.format(
                        systems=", ".join(s.name for s in imbalanced), who=" and ".join(who)
                    ),
                )
            )
    return [
        RecordWarning(code=code, message=message, processing_activity=str(activity.pk))
        for code, message in found
    ]


def organization_record_warnings(*, organization: Organization) -> list[RecordWarning]:
    """Gaps across the organization's records: systems in use with no processing record, and
    systems whose processing relies on consent with no published consent policy covering them.
    Retired systems no longer process anything and are left out. One query."""
    consent_activity = ProcessingActivity.objects.filter(systems=OuterRef("pk")).filter(
        Q(legal_basis=LegalBasis.CONSENT)
        | Q(special_category_basis=SpecialCategoryBasis.EXPLICIT_CONSENT)
    )
    systems = (
        AISystem.objects.filter(organization=organization)
        .exclude(status=SystemStatus.RETIRED)
        .annotate(
            has_record=Exists(ProcessingActivity.objects.filter(systems=OuterRef("pk"))),
            relies_on_consent=Exists(consent_activity),
            has_policy=Exists(
                ConsentPolicy.objects.filter(
                    systems=OuterRef("pk"), status=ConsentPolicyStatus.PUBLISHED
                )
            ),
        )
        .order_by("name")
    )
    warnings: list[RecordWarning] = []
    for system in systems:
        if not system.has_record:
            warnings.append(
                RecordWarning(
                    code="system_without_record",
                    message=SYSTEM_WITHOUT_RECORD.format(system=system.name),
                    system=str(system.pk),
                )
            )
        elif system.relies_on_consent and not system.has_policy:
            warnings.append(
                RecordWarning(
                    code="consent_without_policy",
                    message=CONSENT_WITHOUT_POLICY.format(system=system.name),
                    system=str(system.pk),
                )
            )
    return warnings


def _label(choices, value: str) -> str:
    return choices(value).label if value else ""


def processing_activity_export_rows(*, organization: Organization) -> list[dict[str, Any]]:
    """The organization's record of processing as the plain dicts `governance.exports` renders."""
    activities = (
        ProcessingActivity.objects.filter(organization=organization)
        .prefetch_related(Prefetch("systems", queryset=AISystem.objects.order_by("name")))
        .order_by("name")
    )
    return [
        {
            "name": activity.name,
            "controller_name": activity.controller_name,
            "controller_contact": activity.controller_contact,
            "dpo_contact": activity.dpo_contact,
            "purposes": list(activity.purposes),
            "legal_basis": _label(LegalBasis, activity.legal_basis),
            "special_category_basis": _label(SpecialCategoryBasis, activity.special_category_basis),
            "data_subject_categories": list(activity.data_subject_categories),
            "personal_data_categories": list(activity.personal_data_categories),
            "recipients": list(activity.recipients),
            "third_country_transfers": list(activity.third_country_transfers),
            "transfer_safeguards": activity.transfer_safeguards,
            "retention": activity.retention,
            "security_measures": activity.security_measures,
            "automated_decision_making": activity.automated_decision_making,
            "ai_systems": [system.name for system in activity.systems.all()],
            "warnings": [w.message for w in processing_activity_warnings(activity=activity)],
            "created_at": activity.created_at,
            "updated_at": activity.updated_at,
        }
        for activity in activities
    ]


# Consent


def consent_policy_list(*, actor) -> QuerySet[ConsentPolicy]:
    """Policies of the member's organizations; for a vendor token, the published policies
    linked to a system it supplies (showing only those systems)."""
    if is_vendor(actor):
        vendor_systems = AISystem.objects.filter(vendor=actor.vendor)
        return (
            ConsentPolicy.objects.filter(
                status=ConsentPolicyStatus.PUBLISHED,
                pk__in=ConsentPolicy.objects.filter(systems__in=vendor_systems).values("pk"),
            )
            .select_related("organization")
            .prefetch_related(Prefetch("systems", queryset=vendor_systems.order_by("name")))
        )
    return (
        ConsentPolicy.objects.filter(organization__in=organization_list(actor=actor))
        .select_related("organization")
        .prefetch_related(Prefetch("systems", queryset=AISystem.objects.order_by("name")))
    )


def consent_record_list(*, actor) -> QuerySet[ConsentRecord]:
    """Consent records under the policies the caller can see."""
    if is_vendor(actor):
        policies = consent_policy_list(actor=actor).values("pk")
        qs = ConsentRecord.objects.filter(policy__in=policies)
    else:
        qs = ConsentRecord.objects.filter(organization__in=organization_list(actor=actor))
    return qs.select_related("policy")


def _day(on: datetime | date) -> date:
    if isinstance(on, datetime):
        return timezone.localdate(on) if timezone.is_aware(on) else on.date()
    return on


def consent_state(*, actor, subject_ref: str, on: datetime | None = None) -> dict[str, Any]:
    """A pseudonymised person's consent as the caller may see it, on `on` (default: now).

    `policies`: per policy version with a record for the person, the latest record (by `at`,
    then `created_at`). `systems`: per visible system linked to a published policy, whether
    the latest record under any of its policies in effect on that day is a grant (the rule of
    `consented_subjects`). Two queries, whatever the number of policies and systems.
    """
    day = _day(on or timezone.now())
    policies = consent_policy_list(actor=actor)
    records = (
        ConsentRecord.objects.filter(policy__in=policies.values("pk"), subject_ref=subject_ref)
        .select_related("policy")
        .order_by("at", "created_at")
    )
    latest_by_policy: dict[Any, ConsentRecord] = {}
    for record in records:
        latest_by_policy[record.policy_id] = record
    visible_systems = system_list(actor=actor)
    links = (
        ConsentPolicy.systems.through.objects.filter(
            consentpolicy__in=policies.filter(status=ConsentPolicyStatus.PUBLISHED).values("pk"),
            aisystem__in=visible_systems.values("pk"),
        )
        .select_related("aisystem", "consentpolicy")
        .order_by("aisystem__name", "aisystem_id")
    )
    systems: dict[Any, dict[str, Any]] = {}
    for link in links:
        entry = systems.setdefault(
            link.aisystem_id, {"system": link.aisystem, "latest": None, "policies": 0}
        )
        policy = link.consentpolicy
        if policy.effective_from > day:
            continue
        entry["policies"] += 1
        record = latest_by_policy.get(policy.pk)
        if record is not None and (
            entry["latest"] is None
            or (record.at, record.created_at) > (entry["latest"].at, entry["latest"].created_at)
        ):
            entry["latest"] = record
    return {
        "subject_ref": subject_ref,
        "policies": [
            {
                "policy": str(record.policy_id),
                "name": record.policy.name,
                "version": record.policy.version,
                "action": record.action,
                "at": record.at,
                "granted": record.action == ConsentAction.GRANTED,
            }
            for record in sorted(
                latest_by_policy.values(), key=lambda r: (r.policy.name, r.policy.version)
            )
        ],
        "systems": [
            {
                "system": str(entry["system"].pk),
                "name": entry["system"].name,
                "granted": entry["latest"] is not None
                and entry["latest"].action == ConsentAction.GRANTED,
            }
            for entry in systems.values()
        ],
    }


def system_relies_on_consent(*, system: AISystem) -> bool:
    """True when a processing record linked to the system relies on consent (Art. 6(1)(a) or
    Art. 9(2)(a)). One query."""
    return (
        ProcessingActivity.objects.filter(systems=system)
        .filter(
            Q(legal_basis=LegalBasis.CONSENT)
            | Q(special_category_basis=SpecialCategoryBasis.EXPLICIT_CONSENT)
        )
        .exists()
    )


def consented_subjects(
    *, system: AISystem, subject_refs: Collection[str], on: datetime
) -> set[str]:
    """The pseudonymised subjects among `subject_refs` who have consent for the system on `on`.

    A subject has consent when their latest record (by `at`, then `created_at`) under any
    published policy linked to the system whose `effective_from` is on or before `on`'s date is
    a grant. Every record counts, also one after `on`: a withdrawal always wins over an earlier
    grant, because a withdrawn person's rows must not be stored. One query, whatever the number
    of subjects: up to `SUBJECT_IN_CLAUSE_LIMIT` subjects are filtered in SQL, more in Python
    over one scan of the system's records.
    """
    wanted = set(subject_refs)
    if not wanted:
        return set()
    policies = ConsentPolicy.objects.filter(
        systems=system, status=ConsentPolicyStatus.PUBLISHED, effective_from__lte=_day(on)
    ).values("pk")
    records = ConsentRecord.objects.filter(policy__in=policies)
    if len(wanted) <= SUBJECT_IN_CLAUSE_LIMIT:
        records = records.filter(subject_ref__in=wanted)
    latest: dict[str, str] = {}
    rows = records.order_by("at", "created_at").values_list("subject_ref", "action")
    for subject_ref, action in rows.iterator(chunk_size=10_000):
        latest[subject_ref] = action
    return {
        subject_ref
        for subject_ref, action in latest.items()
        if action == ConsentAction.GRANTED and subject_ref in wanted
    }
