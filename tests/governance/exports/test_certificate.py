import copy
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from governance.exports import ExportDataError, render_certificate_pdf
from governance.exports.certificate import ERR_APPROVED_WITHOUT_EXPIRY, FOOTER_TEMPLATE
from governance.exports.fields import (
    ERR_BAD_DATE,
    ERR_MISSING,
    ERR_NOT_A_DIGEST,
    ERR_NOT_BOOL,
    ERR_NOT_ONE_OF,
)
from governance.exports.signatures import DECISIONS, VERIFY_COMMAND
from tests.governance.exports.sample import (
    EVIDENCE_SHA,
    INPUT_SHA,
    LEDGER_HASHES,
    OLD_EVIDENCE_SHA,
    REQUEST_ID,
    RESULT_SHA,
    SCREENING_CLAUSE,
    VERIFY_INSTRUCTIONS,
    certificate_context,
    page_texts,
)


def render_text(context: dict) -> str:
    return " ".join(page_texts(render_certificate_pdf(context)))


@pytest.fixture(scope="module")
def approved() -> bytes:
    return render_certificate_pdf(certificate_context())


@pytest.fixture(scope="module")
def approved_text(approved) -> str:
    return " ".join(page_texts(approved))


def test_an_approved_request_opens_with_the_approval_banner_and_its_expiry(approved):
    first_page = page_texts(approved)[0]

    assert approved.startswith(b"%PDF-")
    assert "Deployment approval certificate" in first_page
    assert "APPROVED for deployment until 2026-09-08" in first_page
    assert "Decided 2026-03-12 13:05:09 UTC" in first_page  # 14:05:09 at +01:00
    assert "2 counted approvals; quorum 2" in first_page  # Priya and Olu; Tom signed old evidence


def test_every_signoff_shows_printed_name_time_meaning_and_digest(approved_text):
    signatures = [
        ("1. APPROVE · Priya Reviewer — reviewer", "2026-03-11 10:15:42 UTC", EVIDENCE_SHA),
        ("2. APPROVE · Tom Stale — reviewer", "2026-03-05 08:00:00 UTC", OLD_EVIDENCE_SHA),
        ("3. APPROVE · Olu Owner — owner", "2026-03-12 13:05:09 UTC", EVIDENCE_SHA),
    ]

    for heading, signed_at, signed_digest in signatures:
        block = approved_text[approved_text.index(heading) :]
        name = heading.split(" · ")[1].split(" — ")[0]
        assert block.startswith(f"{heading} Printed name {name}")
        assert f"Signed (date and time, UTC) {signed_at}" in block
        assert f"Meaning of the signature {DECISIONS['approve'][2]}" in block
        assert f"Evidence SHA-256 signed {signed_digest}" in block


def test_signoff_reasons_conditions_and_ledger_event_are_printed(approved_text):
    priya = approved_text[
        approved_text.index("1. APPROVE · Priya") : approved_text.index("2. APPROVE")
    ]

    assert "Reasons The disparity is mitigated by human review of every flagged e-mail." in priya
    assert "Conditions Re-audit after the dialect fix ships." in priya
    assert "Conditions expire (UTC) 2026-06-01 00:00:00 UTC" in priya
    assert "Counted toward the decision yes" in priya
    assert f"Ledger event #39 {LEDGER_HASHES[1]}" in priya


def test_a_signature_on_earlier_evidence_is_shown_as_not_counted(approved_text):
    tom = approved_text[approved_text.index("2. APPROVE · Tom") : approved_text.index("3. APPROVE")]

    assert "Counted toward the decision no: it signed different evidence" in tom
    assert "Conditions expire" not in tom  # no conditions, no expiry row


def test_recusals_screening_assessment_and_audit_are_printed(approved_text):
    assert "Vera Vendor Affiliated with the vendor." in approved_text
    assert (
        f"{SCREENING_CLAUSE} It recognises emotions from the voices of customers." in approved_text
    )
    assert "Screening: High-risk" in approved_text
    assert "EU AI Act Art. 50(3) Tell the people analysed" in approved_text
    assert "from 2026-08-02" in approved_text  # a duty not yet in force shows when it applies
    assert "Impact level II" in approved_text
    assert "Score 17 of 48 (35.4% of the maximum)" in approved_text  # 17 / 48 = 0.354
    assert "Mitigation points 26 of 30" in approved_text
    assert "round(0.85 x 20) = 17" in approved_text
    assert f"Result SHA-256 {RESULT_SHA}" in approved_text
    assert f"Input SHA-256 {INPUT_SHA}" in approved_text
    assert "People analysed customers Setting customer service" in approved_text


def test_findings_are_listed_most_severe_first(approved_text):
    high = approved_text.index("HIGH Scots speakers labelled angry more often")
    medium = approved_text.index("MEDIUM Wide interval for the over-65 group")
    low = approved_text.index("LOW Small groups")

    assert high < medium < low
    assert "NYC LL 144; 29 CFR 1607.4(D)" in approved_text


def test_ledger_hashes_head_and_how_to_verify_them_are_printed(approved_text):
    for seq, verb, digest in [
        (30, "deployment_request.created", LEDGER_HASHES[3]),
        (41, "deployment_request.approved", LEDGER_HASHES[4]),
    ]:
        assert f"{seq} {verb} {digest}" in approved_text
    assert f"Ledger head when issued {LEDGER_HASHES[4]}" in approved_text
    assert f"Run {VERIFY_COMMAND} on the platform" in approved_text
    assert VERIFY_INSTRUCTIONS in approved_text


def test_every_page_carries_the_evidence_digest_footer(approved):
    pages = page_texts(approved)

    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert FOOTER_TEMPLATE.format(digest=EVIDENCE_SHA, page=number) in text
    assert f"Request {REQUEST_ID}" in pages[0]


def test_a_rejected_request_says_rejected_and_never_approved():
    context = certificate_context()
    context["request"].update(status="rejected", valid_until=None)
    context["signoffs"][2].update(decision="reject", reasons="Scots finding is unmitigated.")

    text = render_text(context)

    assert "REJECTED Model version 2.3.1 of Mood triage must not be deployed." in text
    assert "APPROVED" not in text
    assert "3. REJECT · Olu Owner — owner" in text
    assert f"Meaning of the signature {DECISIONS['reject'][2]}" in text
    assert "Reasons Scots finding is unmitigated." in text
    assert "1 counted approval; quorum 2" in text  # only Priya: Tom's is stale, Olu rejected


def test_a_superseded_request_says_it_does_not_authorise_deployment():
    context = certificate_context()
    context["request"]["status"] = "superseded"

    text = render_text(context)

    assert "SUPERSEDED This request is superseded: this certificate does not authorise" in text
    assert "APPROVED for deployment" not in text


def test_an_abstention_prints_its_meaning():
    context = certificate_context()
    context["signoffs"][1].update(decision="abstain", reasons="")

    text = render_text(context)

    assert "2. ABSTAIN · Tom Stale — reviewer" in text
    assert DECISIONS["abstain"][2] in text
    assert "Reasons none given" in text


def test_user_strings_print_literally_not_as_markup():
    context = certificate_context()
    context["signoffs"][0]["member"] = "<b>x</b> & co"
    context["signoffs"][0]["reasons"] = 'Fine <font size="40">Big</font> & safe'
    context["system"]["name"] = "Mood <i>triage</i>\x00"
    context["audit"]["findings"][0]["title"] = "<script>alert(1)</script>"
    context["recusals"][0]["reason"] = "A & B <br/> C"

    text = render_text(context)

    assert "1. APPROVE · <b>x</b> & co — reviewer Printed name <b>x</b> & co" in text
    assert 'Reasons Fine <font size="40">Big</font> & safe' in text
    assert "Mood <i>triage</i>\ufffd" in text  # the NUL the parser would reject is replaced
    assert "<script>alert(1)</script>" in text
    assert "A & B <br/> C" in text


def test_multi_line_reasons_keep_their_line_breaks():
    context = certificate_context()
    context["signoffs"][0]["reasons"] = "First point.\nSecond point."

    pages = page_texts(render_certificate_pdf(context))

    assert "First point. Second point." in " ".join(pages)


def test_the_same_context_renders_identical_bytes(approved):
    again = render_certificate_pdf(copy.deepcopy(certificate_context()))
    changed = certificate_context()
    changed["signoffs"][0]["at"] = "2026-03-11T10:15:43Z"

    assert again == approved
    assert render_certificate_pdf(changed) != approved  # one second later is another record


def test_very_long_reasons_continue_on_the_next_page_uncut():
    context = certificate_context()
    context["signoffs"][0]["reasons"] = " ".join(f"reason{i:04d}" for i in range(1500))

    text = render_text(context)

    assert "reason0000" in text
    assert "reason1499" in text


def test_datetime_objects_and_naive_times_are_read_as_utc():
    context = certificate_context()
    context["signoffs"][0]["at"] = datetime(
        2026, 3, 11, 12, 15, 42, tzinfo=timezone(timedelta(hours=2))
    )
    context["signoffs"][2]["at"] = "2026-03-12T13:05:09"  # naive: taken as UTC
    context["request"]["valid_until"] = date(2026, 9, 8)
    context["request"]["decided_at"] = datetime(2026, 3, 12, 13, 5, 9, tzinfo=UTC)

    text = render_text(context)

    assert "Signed (date and time, UTC) 2026-03-11 10:15:42 UTC" in text  # 12:15:42 at +02:00
    assert "Signed (date and time, UTC) 2026-03-12 13:05:09 UTC" in text
    assert "APPROVED for deployment until 2026-09-08" in text


# Bad input: each names its field


def without(path: tuple) -> dict:
    """The sample context with the field at ``path`` deleted."""
    context = certificate_context()
    target = context
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return context


@pytest.mark.parametrize(
    ("path", "where", "key"),
    [
        (("signoffs", 1, "at"), "context.signoffs[1]", "at"),
        (("request", "evidence_sha256"), "context.request", "evidence_sha256"),
        (("ledger",), "context", "ledger"),
        (("audit", "findings", 0, "severity"), "context.audit.findings[0]", "severity"),
        (("screening", "duties", 1, "in_force"), "context.screening.duties[1]", "in_force"),
        (("verify_instructions",), "context", "verify_instructions"),
    ],
)
def test_a_missing_field_is_named_by_its_path(path, where, key):
    with pytest.raises(ExportDataError) as error:
        render_certificate_pdf(without(path))

    assert str(error.value) == ERR_MISSING.format(where=where, key=key)


def test_wrong_values_are_named_by_their_path():
    cases = [
        (
            ("signoffs", 0, "decision"),
            "approved",
            ERR_NOT_ONE_OF.format(
                where="context.signoffs[0]",
                key="decision",
                allowed="approve, reject, abstain",
                value="approved",
            ),
        ),
        (
            ("signoffs", 2, "at"),
            "yesterday",
            ERR_BAD_DATE.format(where="context.signoffs[2]", key="at", value="yesterday"),
        ),
        (
            ("signoffs", 1, "counted"),
            "no",
            ERR_NOT_BOOL.format(where="context.signoffs[1]", key="counted", value="no"),
        ),
        (
            ("request", "evidence_sha256"),
            EVIDENCE_SHA.upper(),
            ERR_NOT_A_DIGEST.format(
                where="context.request", key="evidence_sha256", value=EVIDENCE_SHA.upper()
            ),
        ),
        (
            ("ledger", "events", 4, "hash"),
            "abc",
            ERR_NOT_A_DIGEST.format(where="context.ledger.events[4]", key="hash", value="abc"),
        ),
    ]
    for path, bad, message in cases:
        context = certificate_context()
        target = context
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = bad

        with pytest.raises(ExportDataError) as error:
            render_certificate_pdf(context)

        assert str(error.value) == message


def test_an_approval_without_an_expiry_is_refused():
    context = certificate_context()
    context["request"]["valid_until"] = None

    with pytest.raises(ExportDataError) as error:
        render_certificate_pdf(context)

    assert str(error.value) == ERR_APPROVED_WITHOUT_EXPIRY


def test_rendering_imports_neither_django_nor_audits():
    code = textwrap.dedent(
        """
        import sys
        from governance.exports import render_certificate_pdf, render_register_csv
        from governance.exports import render_register_pdf
        from tests.governance.exports.sample import GENERATED_AT, ORGANIZATION, activity
        from tests.governance.exports.sample import certificate_context
        render_certificate_pdf(certificate_context())
        render_register_pdf(ORGANIZATION, [activity()], generated_at=GENERATED_AT)
        render_register_csv(ORGANIZATION, [activity()])
        loaded = sorted(
            name for name in sys.modules if name.split(".")[0] in ("django", "audits")
        )
        print(",".join(loaded))
        """
    )

    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )

    assert completed.stdout.strip() == ""
