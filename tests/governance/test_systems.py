"""Registering systems and versions, the lifecycle table and the prohibition hard stop."""

import pytest

from governance.models import AISystem, LedgerEvent
from governance.services import ALLOWED_TRANSITIONS
from governance.services.systems import BOARD_ONLY_MESSAGE, REASON_REQUIRED, TRANSITION_MESSAGE
from tests.factories import AISystemFactory

pytestmark = pytest.mark.django_db

VOICE_ON_STAFF = {
    "name": "Agent stress meter",
    "purpose": "Measure call-centre agents' emotions from their voice.",
    "modality": "voice",
    "subjects": "employees",
    "context": "customer_service",
}


def test_registering_a_system_returns_its_screening_and_records_it(tenant):
    body = {
        "name": "Review sentiment",
        "purpose": "Sort product reviews by mood.",
        "vendor": str(tenant.vendors[0].pk),
        "modality": "text",
        "subjects": "customers",
        "context": "marketing",
    }

    response = tenant.client("owner").post("/api/v1/systems/", body, format="json")

    assert response.status_code == 201
    screening = response.json()["screening"]
    assert screening["category"] == "minimal_risk"
    assert screening["reasons"][0] == {
        "clause": "EU AI Act Art. 3(39)",
        "text": screening["reasons"][0]["text"],
    }
    assert [d["duty"] for d in screening["duties"]] == [
        "gdpr_dpia",
        "gdpr_special_category",
        "gdpr_record_of_processing",
    ]
    system = AISystem.objects.get(pk=response.json()["id"])
    assert system.owner_of_record == tenant.members["owner"]
    event = LedgerEvent.objects.get(verb="system.created", target_id=str(system.pk))
    assert event.payload["screening"]["category"] == "minimal_risk"


def test_a_prohibited_system_can_be_recorded_but_never_sent_for_review(tenant):
    created = tenant.client("owner").post("/api/v1/systems/", VOICE_ON_STAFF, format="json").json()

    response = tenant.client("owner").post(
        f"/api/v1/systems/{created['id']}/transition/", {"status": "in_review"}, format="json"
    )

    assert created["screening"]["category"] == "prohibited"
    assert response.status_code == 409
    assert response.json()["code"] == "prohibited_system"
    assert response.json()["detail"].endswith("(EU AI Act Art. 5(1)(f))")
    assert AISystem.objects.get(pk=created["id"]).status == "draft"


def test_editing_a_deployed_system_into_a_prohibited_one_is_refused(tenant):
    system = tenant.systems[0]
    AISystem.objects.filter(pk=system.pk).update(status="deployed")

    response = tenant.client("owner").patch(
        f"/api/v1/systems/{system.pk}/",
        {"modality": "voice", "subjects": "employees"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "prohibited_system"
    system.refresh_from_db()
    assert (system.modality, system.screening_category) == ("text", "minimal_risk")


def test_an_edit_rescreens_the_system(tenant):
    system = tenant.systems[0]

    response = tenant.client("owner").patch(
        f"/api/v1/systems/{system.pk}/", {"modality": "voice"}, format="json"
    )

    assert response.json()["screening"]["category"] == "high_risk"
    event = LedgerEvent.objects.get(verb="system.updated", target_id=str(system.pk))
    assert event.payload["screening_changed"] is True
    assert event.payload["fields"] == ["modality"]


def test_bad_choices_name_the_field(tenant):
    body = {**VOICE_ON_STAFF, "modality": "telepathy", "subjects": ""}

    response = tenant.client("owner").post("/api/v1/systems/", body, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid input."
    assert {e["field"] for e in response.json()["errors"]} == {"modality", "subjects"}
    assert not AISystem.objects.filter(name=VOICE_ON_STAFF["name"]).exists()


def test_a_duplicate_name_in_the_organization_is_400(tenant):
    body = {**VOICE_ON_STAFF, "modality": "text", "name": tenant.systems[0].name}

    response = tenant.client("owner").post("/api/v1/systems/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] is None


@pytest.mark.parametrize(
    ("current", "target"),
    [(c, t) for c, allowed in ALLOWED_TRANSITIONS.items() for t in allowed if t != "approved"],
)
def test_every_allowed_transition_works(current, target):
    system = AISystemFactory(status=current)
    from governance.services import system_transition
    from tests.factories import MembershipFactory

    owner = MembershipFactory(organization=system.organization, role="owner").user

    system = system_transition(actor=owner, system=system, to=target, reason="risk found")

    assert system.status == target
    assert (
        LedgerEvent.objects.filter(verb=f"system.{target}", target_id=str(system.pk)).count() == 1
    )


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (c, t)
        for c in ALLOWED_TRANSITIONS
        for t in ALLOWED_TRANSITIONS
        if t not in ALLOWED_TRANSITIONS[c] and t != "approved"
    ],
)
def test_every_other_transition_is_a_conflict_that_changes_nothing(current, target):
    from governance.exceptions import TransitionNotAllowed
    from governance.services import system_transition
    from tests.factories import MembershipFactory

    system = AISystemFactory(status=current)
    owner = MembershipFactory(organization=system.organization, role="owner").user

    with pytest.raises(TransitionNotAllowed) as excinfo:
        system_transition(actor=owner, system=system, to=target, reason="x")

    assert str(excinfo.value) == TRANSITION_MESSAGE.format(
        current=system.get_status_display().lower(), target=target.replace("_", " ")
    )
    system.refresh_from_db()
    assert system.status == current


def test_approval_only_comes_from_the_board(tenant):
    system = tenant.systems[0]
    AISystem.objects.filter(pk=system.pk).update(status="in_review")

    response = tenant.client("owner").post(
        f"/api/v1/systems/{system.pk}/transition/", {"status": "approved"}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {"detail": BOARD_ONLY_MESSAGE, "code": "transition_not_allowed"}


def test_a_reviewer_may_suspend_with_a_reason_but_not_without(tenant):
    system = tenant.systems[0]
    AISystem.objects.filter(pk=system.pk).update(status="deployed")
    reviewer = tenant.client("reviewer")

    without = reviewer.post(
        f"/api/v1/systems/{system.pk}/transition/", {"status": "suspended"}, format="json"
    )
    with_reason = reviewer.post(
        f"/api/v1/systems/{system.pk}/transition/",
        {"status": "suspended", "reason": "Complaints about anger flags on older customers."},
        format="json",
    )

    assert without.status_code == 400
    assert without.json()["errors"] == [{"field": "reason", "message": REASON_REQUIRED}]
    assert with_reason.status_code == 200
    assert with_reason.json()["status"] == "suspended"


@pytest.mark.parametrize(
    ("body", "field", "message_start"),
    [
        ({"labels": ["anger"]}, "labels", "A classifier needs at least two"),
        ({"labels": ["Anger", "joy"]}, "labels", "Labels must be lowercase"),
        ({"labels": ["anger", "flagged"]}, "labels", "Labels must be lowercase"),
        ({"labels": ["anger", "anger"]}, "labels", "Labels must be unique"),
        (
            {"flagged_labels": ["fear"]},
            "flagged_labels",
            "Flagged labels must be among the labels: fear",
        ),
        ({"artifact_sha256": "xyz"}, "artifact_sha256", "artifact_sha256 must be 64"),
    ],
)
def test_version_validation_names_the_field(tenant, body, field, message_start):
    payload = {"version": "2.0", "labels": ["anger", "joy"], "flagged_labels": ["anger"], **body}

    response = tenant.client("vendor0").post(
        f"/api/v1/systems/{tenant.systems[0].pk}/versions/", payload, format="json"
    )

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == field
    assert error["message"].startswith(message_start)


def test_the_same_version_twice_is_refused(tenant):
    existing = tenant.versions[0]

    response = tenant.client("owner").post(
        f"/api/v1/systems/{existing.system_id}/versions/",
        {"version": existing.version, "labels": ["a", "b"]},
        format="json",
    )

    assert response.status_code == 400


def test_rescreen_records_a_change_when_a_duty_comes_into_force(tenant):
    from datetime import date

    from governance.services import system_rescreen

    system = AISystemFactory(organization=tenant.organization, modality="voice")
    system_rescreen(system=system, on=date(2026, 7, 1))

    changed = system_rescreen(system=system, on=date(2026, 8, 2))
    unchanged = system_rescreen(system=system, on=date(2026, 8, 3))

    system.refresh_from_db()
    assert changed is True
    assert unchanged is False
    duty = next(d for d in system.screening["duties"] if d["duty"] == "inform_exposed_persons")
    assert duty["in_force"] is True
    assert (
        LedgerEvent.objects.filter(verb="system.rescreened", target_id=str(system.pk)).count() == 2
    )
