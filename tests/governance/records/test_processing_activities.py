"""The record of processing (GDPR Art. 30): CRUD, warnings, CSV and PDF exports."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from governance import selectors_records as sr
from governance.api.records_views import SYSTEMS_NOT_FOUND, UNKNOWN_FIELD
from governance.exports.register import CSV_COLUMNS
from governance.models import LedgerEvent, ProcessingActivity, SystemStatus
from governance.services.records import NAME_TAKEN
from tests.governance.records.helpers import published_policy

pytestmark = pytest.mark.django_db

URL = "/api/v1/processing-activities/"

COMPLETE = {
    "name": "Support inbox triage",
    "controller_name": "Bakery Brun Ltd",
    "controller_contact": "privacy@bakery.example, 1 Rue du Pain, Lyon",
    "dpo_contact": "dpo@bakery.example",
    "purposes": ["Route upset customers to a senior agent"],
    "legal_basis": "legitimate_interests",
    "special_category_basis": "explicit_consent",
    "special_category_necessity": "Tone is inferred only to prioritise replies.",
    "data_subject_categories": ["customers"],
    "personal_data_categories": ["e-mail text", "inferred emotion"],
    "recipients": ["Vendor (processor)"],
    "third_country_transfers": ["United States"],
    "transfer_safeguards": "Standard contractual clauses (2021/914)",
    "retention": "90 days",
    "security_measures": "Pseudonymised references; encryption at rest",
    "automated_decision_making": False,
}


def create(client, **overrides):
    return client.post(URL, {**COMPLETE, **overrides}, format="json")


def codes(body) -> list[str]:
    return [warning["code"] for warning in body["warnings"]]


def test_an_owner_records_a_complete_activity_with_every_art_30_field(tenant):
    response = create(tenant.client("owner"), systems=[str(tenant.systems[0].pk)])

    assert response.status_code == 201
    body = response.json()
    assert {key: body[key] for key in COMPLETE} == COMPLETE
    assert body["processes_inferred_emotions"] is True
    assert body["relies_on_consent"] is True  # explicit consent, Art. 9(2)(a)
    assert body["systems"] == [{"id": str(tenant.systems[0].pk), "name": tenant.systems[0].name}]
    assert body["warnings"] == []
    event = LedgerEvent.objects.get(verb="processing_activity.created")
    assert event.target_id == body["id"]
    assert event.payload == {
        "fields": sorted([*COMPLETE, "systems"]),
        "legal_basis": "legitimate_interests",
        "special_category_basis": "explicit_consent",
        "automated_decision_making": False,
        "systems": [str(tenant.systems[0].pk)],
        "warnings": [],
    }


def test_a_bare_record_lists_every_gap(tenant):
    response = tenant.client("owner").post(
        URL,
        {"name": "Call tone", "controller_name": "Shop", "controller_contact": "a@shop.example"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["warnings"] == [
        {
            "code": code,
            "message": message,
            "processing_activity": response.json()["id"],
            "system": None,
        }
        for code, message in [
            ("no_legal_basis", sr.NO_LEGAL_BASIS),
            ("no_special_category_basis", sr.NO_SPECIAL_CATEGORY_BASIS),
            ("no_purpose", sr.NO_PURPOSE),
            ("no_data_subject_categories", sr.NO_SUBJECT_CATEGORIES),
            ("no_personal_data_categories", sr.NO_DATA_CATEGORIES),
            ("no_retention", sr.NO_RETENTION),
            ("no_security_measures", sr.NO_SECURITY),
        ]
    ]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"legal_basis": ""}, ["no_legal_basis"]),
        (
            {"special_category_basis": "", "special_category_necessity": ""},
            ["no_special_category_basis"],
        ),
        (
            {
                "special_category_basis": "",
                "processes_inferred_emotions": False,
                "special_category_necessity": "",
            },
            [],
        ),
        ({"special_category_necessity": ""}, ["no_special_category_necessity"]),
        ({"transfer_safeguards": ""}, ["transfer_without_safeguards"]),
        ({"transfer_safeguards": "", "third_country_transfers": []}, []),
        ({"retention": " "}, ["no_retention"]),
        # Art. 22: explicit consent is an Art. 22(2)(c) exception and an Art. 22(4) basis.
        ({"automated_decision_making": True}, []),
        (
            {
                "automated_decision_making": True,
                "special_category_basis": "substantial_public_interest",
            },
            ["automated_decision_without_exception"],
        ),
        (
            {
                "automated_decision_making": True,
                "legal_basis": "contract",
                "special_category_basis": "employment",
            },
            ["automated_decision_on_special_category"],
        ),
        (
            {
                "automated_decision_making": True,
                "legal_basis": "contract",
                "special_category_basis": "employment",
                "processes_inferred_emotions": False,
            },
            [],
        ),
    ],
)
def test_each_gap_gives_its_warning(tenant, overrides, expected):
    response = create(tenant.client("owner"), **overrides)

    assert response.status_code == 201
    assert codes(response.json()) == expected


def test_transfers_without_safeguards_name_the_countries(tenant):
    response = create(
        tenant.client("owner"), third_country_transfers=["India", "Brazil"], transfer_safeguards=""
    )

    assert response.json()["warnings"][0]["message"] == sr.TRANSFER_WITHOUT_SAFEGUARDS.format(
        countries="India, Brazil"
    )


def test_consent_from_employees_is_flagged_as_rarely_free(tenant):
    system = tenant.systems[1]
    system.subjects = "employees"
    system.save()

    response = create(tenant.client("owner"), systems=[str(system.pk)])

    assert response.json()["warnings"] == [
        {
            "code": "consent_with_power_imbalance",
            "message": sr.CONSENT_POWER_IMBALANCE.format(systems=system.name, who="employees"),
            "processing_activity": response.json()["id"],
            "system": None,
        }
    ]


def test_a_wrong_choice_is_rejected_naming_the_field_and_nothing_is_stored(tenant):
    response = create(tenant.client("owner"), legal_basis="because")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "legal_basis", "message": '"because" is not a valid choice.'}
    ]
    assert ProcessingActivity.objects.count() == 0
    assert not LedgerEvent.objects.filter(verb__startswith="processing_activity.").exists()


def test_systems_of_another_organization_are_rejected_naming_systems(tenant, other_tenant):
    foreign = other_tenant.systems[0]

    response = create(tenant.client("owner"), systems=[str(tenant.systems[0].pk), str(foreign.pk)])

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "systems", "message": SYSTEMS_NOT_FOUND.format(id=foreign.pk)}
    ]
    assert ProcessingActivity.objects.count() == 0


def test_an_unknown_field_is_rejected(tenant):
    response = create(tenant.client("owner"), lawful=True)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "lawful"
    assert response.json()["errors"][0]["message"].startswith(UNKNOWN_FIELD.split(";")[0])


def test_names_are_unique_in_an_organization(tenant):
    create(tenant.client("owner"))

    response = create(tenant.client("owner"))

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "name", "message": NAME_TAKEN}]
    assert ProcessingActivity.objects.count() == 1


def test_an_owner_changes_a_record_and_the_ledger_says_which_fields(tenant):
    owner = tenant.client("owner")
    created = create(owner).json()

    response = owner.patch(
        f"{URL}{created['id']}/",
        {"retention": "", "systems": [str(tenant.systems[1].pk)]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["retention"] == ""
    assert codes(response.json()) == ["no_retention"]
    assert [s["id"] for s in response.json()["systems"]] == [str(tenant.systems[1].pk)]
    event = LedgerEvent.objects.get(verb="processing_activity.updated")
    assert event.payload["fields"] == ["retention", "systems"]
    assert event.payload["warnings"] == ["no_retention"]
    assert ProcessingActivity.objects.get(pk=created["id"]).retention == ""


def test_a_failed_change_changes_nothing(tenant):
    owner = tenant.client("owner")
    created = create(owner).json()

    response = owner.patch(
        f"{URL}{created['id']}/", {"retention": "", "legal_basis": "whim"}, format="json"
    )

    assert response.status_code == 400
    assert ProcessingActivity.objects.get(pk=created["id"]).retention == "90 days"
    assert not LedgerEvent.objects.filter(verb="processing_activity.updated").exists()


def test_an_owner_deletes_a_record(tenant):
    owner = tenant.client("owner")
    created = create(owner).json()

    response = owner.delete(f"{URL}{created['id']}/")

    assert response.status_code == 204
    assert ProcessingActivity.objects.count() == 0
    assert LedgerEvent.objects.get(verb="processing_activity.deleted").target_id == created["id"]


def test_organization_warnings_name_systems_without_a_record_or_consent_policy(tenant):
    owner = tenant.client("owner")
    first, second = tenant.systems
    create(owner, systems=[str(first.pk)])  # relies on explicit consent, no policy yet
    retired = tenant.systems[1].__class__.objects.create(
        organization=tenant.organization,
        name="Old system",
        purpose="Retired.",
        modality="text",
        subjects="customers",
        context="other",
        status=SystemStatus.RETIRED,
    )

    before = owner.get(f"{URL}warnings/").json()
    published_policy(tenant, systems=[first])
    after = tenant.client("viewer").get(f"{URL}warnings/").json()

    assert before["organization"] == str(tenant.organization.pk)
    assert before["warnings"] == [
        {
            "code": code,
            "message": message,
            "processing_activity": None,
            "system": str(system.pk),
        }
        for code, message, system in sorted(
            [
                (
                    "consent_without_policy",
                    sr.CONSENT_WITHOUT_POLICY.format(system=first.name),
                    first,
                ),
                (
                    "system_without_record",
                    sr.SYSTEM_WITHOUT_RECORD.format(system=second.name),
                    second,
                ),
            ],
            key=lambda item: item[2].name,
        )
    ]
    assert all(w["system"] != str(retired.pk) for w in before["warnings"])
    assert after["warnings"] == [w for w in before["warnings"] if w["system"] == str(second.pk)]


def test_organization_warnings_include_each_records_own(tenant):
    owner = tenant.client("owner")
    created = create(owner, retention="", systems=[str(s.pk) for s in tenant.systems]).json()
    published_policy(tenant, systems=tenant.systems)

    response = owner.get(f"{URL}warnings/")

    assert response.json()["warnings"] == [
        {
            "code": "no_retention",
            "message": sr.NO_RETENTION,
            "processing_activity": created["id"],
            "system": None,
        }
    ]


def test_selector_relies_on_consent_follows_the_linked_records(tenant):
    owner = tenant.client("owner")
    create(owner, systems=[str(tenant.systems[0].pk)])
    create(
        owner,
        name="Without consent",
        special_category_basis="substantial_public_interest",
        systems=[str(tenant.systems[1].pk)],
    )

    assert sr.system_relies_on_consent(system=tenant.systems[0]) is True
    assert sr.system_relies_on_consent(system=tenant.systems[1]) is False


def test_the_list_takes_the_same_number_of_queries_for_one_or_many_records(tenant):
    owner = tenant.client("owner")
    create(owner, systems=[str(s.pk) for s in tenant.systems])
    with CaptureQueriesContext(connection) as one:
        assert len(owner.get(URL).json()["results"]) == 1
    for index in range(4):
        create(owner, name=f"Activity {index}", systems=[str(tenant.systems[index % 2].pk)])

    with CaptureQueriesContext(connection) as five:
        assert len(owner.get(URL).json()["results"]) == 5

    assert len(five.captured_queries) == len(one.captured_queries)


# Exports


INJECTIONS = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)"]
# The API trims whitespace around text, so a leading tab or CR can only come from elsewhere
# (the admin, an import): the export must neutralise those too.
WHITESPACE_INJECTIONS = ["\tcmd", "\rcmd"]


def parsed_csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))


def test_the_csv_export_neutralises_formula_injection(tenant):
    owner = tenant.client("owner")
    create(
        owner,
        name="=cmd|' /C calc'!A0",
        purposes=INJECTIONS,
        retention="-1 day",
        controller_name="@Shop",
        systems=[str(tenant.systems[0].pk)],
    )

    response = owner.get(f"{URL}export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="attune-record-of-')
    rows = parsed_csv(response.content)
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert rows[0]["name"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["controller_name"] == "'@Shop"
    assert rows[0]["retention"] == "'-1 day"
    # The first item starts the cell; the others sit inside it after "; ".
    assert rows[0]["purposes"] == "'" + "; ".join(INJECTIONS)
    assert rows[0]["legal_basis"] == "Legitimate interests (Art. 6(1)(f))"
    assert rows[0]["special_category_basis"] == "Explicit consent (Art. 9(2)(a))"
    assert rows[0]["ai_systems"] == tenant.systems[0].name
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("text", INJECTIONS)
def test_every_formula_trigger_is_neutralised_in_a_cell_of_its_own(tenant, text):
    create(tenant.client("owner"), retention=text)

    rows = parsed_csv(tenant.client("owner").get(f"{URL}export.csv").content)

    assert rows[0]["retention"] == "'" + text


@pytest.mark.parametrize("text", WHITESPACE_INJECTIONS)
def test_a_leading_tab_or_carriage_return_is_neutralised(tenant, text):
    ProcessingActivity.objects.create(
        organization=tenant.organization,
        name="Imported",
        controller_name=text,
        controller_contact="a@shop.example",
        purposes=[text],
    )

    rows = parsed_csv(tenant.client("owner").get(f"{URL}export.csv").content)

    assert rows[0]["controller_name"] == "'" + text
    assert rows[0]["purposes"] == "'" + text


def test_the_api_trims_leading_whitespace_so_it_never_stores_a_tab_trigger(tenant):
    response = create(tenant.client("owner"), retention="\t90 days", purposes=["\rTriage"])

    assert (response.json()["retention"], response.json()["purposes"]) == ("90 days", ["Triage"])


def test_the_csv_export_lists_every_record_with_its_warnings(tenant):
    owner = tenant.client("owner")
    create(owner, name="B record", retention="")
    create(owner, name="A record")

    rows = parsed_csv(owner.get(f"{URL}export.csv").content)

    assert [(row["name"], row["warnings"]) for row in rows] == [
        ("A record", ""),
        ("B record", sr.NO_RETENTION),
    ]


def test_the_pdf_export_is_a_pdf_of_the_record(tenant):
    owner = tenant.client("owner")
    create(owner, name="Support inbox triage", retention="")

    response = owner.get(f"{URL}export.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Support inbox triage" in text
    assert tenant.organization.name in text


def test_exports_are_for_owners_and_errors_stay_json(tenant, other_tenant):
    viewer = tenant.client("viewer")

    forbidden = viewer.get(f"{URL}export.csv")
    pdf_forbidden = viewer.get(f"{URL}export.pdf")
    elsewhere = tenant.client("owner").get(
        f"{URL}export.csv", {"organization": str(other_tenant.organization.pk)}
    )

    assert forbidden.status_code == 403
    assert forbidden["Content-Type"] == "application/json"
    assert "owner" in forbidden.json()["detail"]
    assert pdf_forbidden.status_code == 403
    assert elsewhere.status_code == 400
    assert elsewhere.json()["errors"][0]["field"] == "organization"
