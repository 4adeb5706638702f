"""`consented_subjects` and `system_relies_on_consent`, which the consent-aware upload calls."""

from datetime import UTC, date, datetime, timedelta

import pytest

from governance.models import ConsentAction, ConsentPolicy, ConsentPolicyStatus, ConsentRecord
from governance.selectors_records import SUBJECT_IN_CLAUSE_LIMIT, consented_subjects
from tests.governance.records.helpers import published_policy

pytestmark = pytest.mark.django_db

ON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 5, day, hour, 0, tzinfo=UTC)


def add(policy, subject_ref: str, action: str, when: datetime) -> ConsentRecord:
    return ConsentRecord.objects.create(
        organization=policy.organization,
        policy=policy,
        subject_ref=subject_ref,
        action=action,
        at=when,
        channel="test",
        recorded_by="system",
    )


GRANTED, WITHDRAWN = ConsentAction.GRANTED, ConsentAction.WITHDRAWN


def test_only_subjects_whose_latest_record_is_a_grant_have_consent(tenant):
    system = tenant.systems[0]
    policy = published_policy(tenant, systems=[system])
    other_version = published_policy(tenant, name="Support tone v2", systems=[system])
    unlinked = published_policy(tenant, name="Other system", systems=[tenant.systems[1]])
    later = published_policy(
        tenant, name="Not yet in effect", systems=[system], effective=date(2026, 7, 1)
    )
    add(policy, "granted", GRANTED, at(1))
    add(policy, "withdrawn-later", GRANTED, at(1))
    add(policy, "withdrawn-later", WITHDRAWN, at(2))
    add(policy, "regranted", GRANTED, at(1))
    add(policy, "regranted", WITHDRAWN, at(2))
    add(other_version, "regranted", GRANTED, at(3))  # any linked policy counts
    add(policy, "withdrawn-elsewhere", GRANTED, at(1))
    add(other_version, "withdrawn-elsewhere", WITHDRAWN, at(2))
    add(unlinked, "other-system", GRANTED, at(1))
    add(later, "future-policy", GRANTED, at(1))
    # Same `at`: the record created later decides.
    add(policy, "tie", GRANTED, at(4))
    add(policy, "tie", WITHDRAWN, at(4))
    # A withdrawal after `on` still wins: withdrawn rows must not be stored.
    add(policy, "withdrawn-after-on", GRANTED, at(1))
    add(policy, "withdrawn-after-on", WITHDRAWN, ON + timedelta(days=1))
    asked = [
        "granted",
        "withdrawn-later",
        "regranted",
        "withdrawn-elsewhere",
        "other-system",
        "future-policy",
        "tie",
        "withdrawn-after-on",
        "never-asked",
    ]

    result = consented_subjects(system=system, subject_refs=asked, on=ON)

    assert result == {"granted", "regranted"}


def test_subjects_not_asked_about_are_left_out(tenant):
    policy = published_policy(tenant)
    add(policy, "a", GRANTED, at(1))
    add(policy, "b", GRANTED, at(1))

    assert consented_subjects(system=tenant.systems[0], subject_refs={"a"}, on=ON) == {"a"}
    assert consented_subjects(system=tenant.systems[0], subject_refs=[], on=ON) == set()


def test_a_draft_policy_gives_no_consent(tenant):
    policy = published_policy(tenant)
    add(policy, "a", GRANTED, at(1))
    draft = ConsentPolicy.objects.create(
        organization=tenant.organization,
        name="Draft",
        version=1,
        text="Draft text.",
        effective_from=date(2026, 1, 1),
        status=ConsentPolicyStatus.DRAFT,
        text_sha256="0" * 64,
    )
    draft.systems.set([tenant.systems[0]])
    add(draft, "b", GRANTED, at(1))

    assert consented_subjects(system=tenant.systems[0], subject_refs=["a", "b"], on=ON) == {"a"}


@pytest.mark.parametrize("count", [SUBJECT_IN_CLAUSE_LIMIT, SUBJECT_IN_CLAUSE_LIMIT + 1, 5000])
def test_many_subjects_take_one_query(tenant, django_assert_num_queries, count):
    policy = published_policy(tenant)
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            organization=tenant.organization,
            policy=policy,
            subject_ref=f"{index:064x}",
            action=GRANTED if index % 3 else WITHDRAWN,
            at=at(1),
            channel="test",
            recorded_by="system",
        )
        for index in range(count)
    )
    asked = [f"{index:064x}" for index in range(count)]

    with django_assert_num_queries(1):
        result = consented_subjects(system=tenant.systems[0], subject_refs=asked, on=ON)

    # Every third subject (index divisible by 3) withdrew: count - ceil(count / 3) remain.
    assert len(result) == count - (count + 2) // 3
    assert f"{0:064x}" not in result
    assert f"{1:064x}" in result
