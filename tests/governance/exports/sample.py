"""Hand-built export inputs: a decided deployment request and a small Art. 30 register."""

import hashlib
import io

import pypdf


def digest(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


EVIDENCE_SHA = digest("evidence")
OLD_EVIDENCE_SHA = digest("evidence before the re-audit")
RESULT_SHA = digest("result")
INPUT_SHA = digest("input")
LEDGER_HASHES = [digest(f"ledger event {seq}") for seq in range(1, 6)]
SCREENING_CLAUSE = "EU AI Act Annex III 1(c)"
REQUEST_ID = "6f1c2d9e-5b7a-4c3e-9a10-2f4e8d7c6b5a"
VERIFY_INSTRUCTIONS = (
    "Ask the organization for a read-only export of its ledger, or run the command on a copy "
    "of its database, and check that event #41 carries the hash printed here."
)


def certificate_context() -> dict:
    """An approved request: two counted approvals, one approval on stale evidence, one recusal."""
    return {
        "organization": {"name": "Brightside Retail Ltd"},
        "system": {
            "name": "Mood triage",
            "purpose": "Route angry customer e-mails to senior agents first.",
            "vendor": "Acme Emotion AI",
            "modality": "voice",
            "subjects": "customers",
            "context": "customer_service",
        },
        "screening": {
            "category": "high_risk",
            "reasons": [
                {
                    "clause": SCREENING_CLAUSE,
                    "text": "It recognises emotions from the voices of customers.",
                },
                {"clause": "GDPR Art. 35", "text": "Emotion inference about identifiable people."},
            ],
            "duties": [
                {
                    "clause": "EU AI Act Art. 50(3)",
                    "text": "Tell the people analysed that an emotion recognition system is used.",
                    "in_force": False,
                    "applies_from": "2026-08-02",
                },
                {"clause": "GDPR Art. 35", "text": "Carry out a DPIA.", "in_force": True},
            ],
        },
        "version": {
            "version": "2.3.1",
            "labels": ["anger", "joy", "neutral"],
            "flagged_labels": ["anger"],
        },
        "request": {
            "id": REQUEST_ID,
            "status": "approved",
            "requested_by": "Dana Requester",
            "requested_at": "2026-03-10T09:00:00+00:00",
            "decided_at": "2026-03-12T14:05:09+01:00",
            "valid_until": "2026-09-08T13:05:09+00:00",
            "evidence_sha256": EVIDENCE_SHA,
        },
        "assessment": {
            "revision": 3,
            "level": "II",
            "score": 17,
            "max_raw": 48,
            "raw": 20,
            "mitigation": 26,
            "max_mitigation": 30,
            "explanation": (
                "Mitigation 26 of 30 points is at least 80%, so the score is round(0.85 x 20) = 17; "
                "17 / 48 = 35.4%, which is level II (above 25%, at most 50%)."
            ),
            "submitted_at": "2026-03-09T16:30:00Z",
        },
        "audit": {
            "id": "a3b0c442-98fc-4c1c-b9ad-1f2e3d4c5b6a",
            "result_sha256": RESULT_SHA,
            "input_sha256": INPUT_SHA,
            "engine_version": "attune-engine 0.1.0",
            "finished_at": "2026-03-08T11:00:00Z",
            "findings": [
                {
                    "severity": "low",
                    "title": "Small groups",
                    "text": "Two groups had fewer than 30 rows and were left out of comparisons.",
                    "clauses": [],
                },
                {
                    "severity": "high",
                    "title": "Scots speakers labelled angry more often",
                    "text": "Customers writing in Scots are labelled angry 1.6 times as often.",
                    "clauses": ["NYC LL 144", "29 CFR 1607.4(D)"],
                },
                {
                    "severity": "medium",
                    "title": "Wide interval for the over-65 group",
                    "text": "The interval for the over-65 group is wide.",
                    "clauses": [],
                },
            ],
        },
        "signoffs": [
            {
                "member": "Priya Reviewer",
                "role": "reviewer",
                "decision": "approve",
                "reasons": "The disparity is mitigated by human review of every flagged e-mail.",
                "conditions": "Re-audit after the dialect fix ships.",
                "conditions_expire_at": "2026-06-01T00:00:00Z",
                "at": "2026-03-11T10:15:42Z",
                "evidence_sha256": EVIDENCE_SHA,
                "counted": True,
                "ledger_hash": LEDGER_HASHES[1],
                "ledger_seq": 39,
            },
            {
                "member": "Tom Stale",
                "role": "reviewer",
                "decision": "approve",
                "reasons": "Looks fine.",
                "conditions": "",
                "conditions_expire_at": None,
                "at": "2026-03-05T08:00:00Z",
                "evidence_sha256": OLD_EVIDENCE_SHA,
                "counted": False,
                "ledger_hash": LEDGER_HASHES[0],
                "ledger_seq": 31,
            },
            {
                "member": "Olu Owner",
                "role": "owner",
                "decision": "approve",
                "reasons": "Benefits outweigh the residual risk.",
                "conditions": "",
                "conditions_expire_at": None,
                "at": "2026-03-12T13:05:09Z",
                "evidence_sha256": EVIDENCE_SHA,
                "counted": True,
                "ledger_hash": LEDGER_HASHES[2],
                "ledger_seq": 40,
            },
        ],
        "recusals": [{"member": "Vera Vendor", "reason": "Affiliated with the vendor."}],
        "quorum": 2,
        "ledger": {
            "events": [
                {"seq": 30, "verb": "deployment_request.created", "hash": LEDGER_HASHES[3]},
                {"seq": 31, "verb": "signoff.recorded", "hash": LEDGER_HASHES[0]},
                {"seq": 39, "verb": "signoff.recorded", "hash": LEDGER_HASHES[1]},
                {"seq": 40, "verb": "signoff.recorded", "hash": LEDGER_HASHES[2]},
                {"seq": 41, "verb": "deployment_request.approved", "hash": LEDGER_HASHES[4]},
            ],
            "head": LEDGER_HASHES[4],
        },
        "verify_instructions": VERIFY_INSTRUCTIONS,
    }


def activity(**overrides) -> dict:
    """One complete processing activity; ``overrides`` replace fields."""
    base = {
        "name": "Customer e-mail triage",
        "controller_name": "Brightside Retail Ltd",
        "controller_contact": "privacy@brightside.example, 1 High St, Leeds",
        "dpo_contact": "dpo@brightside.example",
        "purposes": ["Prioritise complaints", "Measure service quality"],
        "legal_basis": "Art. 6(1)(f) legitimate interests",
        "special_category_basis": "Art. 9(2)(a) explicit consent",
        "data_subject_categories": ["customers"],
        "personal_data_categories": ["e-mail text", "inferred emotions"],
        "recipients": ["Acme Emotion AI (processor)"],
        "third_country_transfers": ["United States"],
        "transfer_safeguards": "Standard contractual clauses (2021/914)",
        "retention": "90 days after the ticket closes",
        "security_measures": "Encryption at rest, role-based access, audit log",
        "automated_decision_making": False,
        "ai_systems": ["Mood triage", "Churn predictor"],
        "warnings": [],
        "created_at": "2026-01-05T09:30:00Z",
        "updated_at": "2026-03-01T10:00:00+01:00",
    }
    base.update(overrides)
    return base


ORGANIZATION = {"name": "Brightside Retail Ltd"}
GENERATED_AT = "2026-03-12T14:05:09+01:00"


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text with whitespace collapsed, so wrapped lines compare as one string."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]
