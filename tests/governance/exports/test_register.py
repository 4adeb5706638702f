import copy
import csv
import io

import pytest
from reportlab.pdfbase import pdfmetrics

from governance.exports import ExportDataError, render_register_csv, render_register_pdf
from governance.exports.fields import (
    ERR_BAD_DATE,
    ERR_ITEM_NOT_TEXT,
    ERR_MISSING,
    ERR_NOT_A_LIST,
    ERR_NOT_BOOL,
)
from governance.exports.layout import ELLIPSIS, FONT, FOOTER_SIZE, FRAME_WIDTH, register_fonts
from governance.exports.register import CSV_COLUMNS, FOOTER_TEMPLATE, TITLE, _footer
from tests.governance.exports.sample import GENERATED_AT, ORGANIZATION, activity, page_texts

GENERATED_TEXT = "2026-03-12 13:05 UTC"  # 14:05:09 at +01:00, to the minute
ART_9_WARNING = "Inferred emotions processed without a special-category basis (GDPR Art. 9(2))"


def parsed_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# CSV


def test_csv_has_the_header_and_one_row_per_activity_with_every_field():
    activities = [activity(), activity(name="Voice analytics", automated_decision_making=True)]

    text = render_register_csv(ORGANIZATION, activities)

    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    rows = parsed_csv(text)
    assert len(rows) == 2
    assert rows[0] == {
        "name": "Customer e-mail triage",
        "controller_name": "Brightside Retail Ltd",
        "controller_contact": "privacy@brightside.example, 1 High St, Leeds",
        "dpo_contact": "dpo@brightside.example",
        "purposes": "Prioritise complaints; Measure service quality",
        "legal_basis": "Art. 6(1)(f) legitimate interests",
        "special_category_basis": "Art. 9(2)(a) explicit consent",
        "data_subject_categories": "customers",
        "personal_data_categories": "e-mail text; inferred emotions",
        "recipients": "Acme Emotion AI (processor)",
        "third_country_transfers": "United States",
        "transfer_safeguards": "Standard contractual clauses (2021/914)",
        "retention": "90 days after the ticket closes",
        "security_measures": "Encryption at rest, role-based access, audit log",
        "automated_decision_making": "no",
        "ai_systems": "Mood triage; Churn predictor",
        "warnings": "",
        "created_at": "2026-01-05T09:30:00Z",
        "updated_at": "2026-03-01T09:00:00Z",  # 10:00 at +01:00 is 09:00 UTC
    }
    assert rows[1]["name"] == "Voice analytics"
    assert rows[1]["automated_decision_making"] == "yes"


def test_csv_neutralises_formulas_in_every_kind_of_cell():
    hostile = activity(
        name="\tTabbed name",
        purposes=['=HYPERLINK("http://x")', "Measure service quality"],
        recipients=["@SUM(A1)"],
        retention="\rCR retention",
        third_country_transfers=["-2+3"],
        ai_systems=["+cmd|' /C calc'!A0"],
        warnings=["=1+1"],
    )

    row = parsed_csv(render_register_csv(ORGANIZATION, [hostile]))[0]

    assert row["name"] == "'\tTabbed name"
    assert row["purposes"] == '\'=HYPERLINK("http://x"); Measure service quality'
    assert row["recipients"] == "'@SUM(A1)"
    assert row["retention"] == "'\rCR retention"
    assert row["third_country_transfers"] == "'-2+3"
    assert row["ai_systems"] == "'+cmd|' /C calc'!A0"
    assert row["warnings"] == "'=1+1"


def test_csv_keeps_legitimate_text_with_formula_characters_inside_intact():
    ordinary = activity(
        name="Sentiment: e-mail + chat",
        controller_contact="privacy@brightside.example",
        purposes=["Reply time < 2h", 'Quality "A" = good'],
    )

    row = parsed_csv(render_register_csv(ORGANIZATION, [ordinary]))[0]

    assert row["name"] == "Sentiment: e-mail + chat"
    assert row["controller_contact"] == "privacy@brightside.example"
    assert row["purposes"] == 'Reply time < 2h; Quality "A" = good'


def test_csv_quotes_commas_quotes_and_line_breaks_per_rfc_4180():
    tricky = activity(name='Calls, "urgent"\nand chats')

    text = render_register_csv(ORGANIZATION, [tricky])

    assert '"Calls, ""urgent""\nand chats"' in text
    assert text.endswith("\r\n")
    assert text.count("\r\n") == 2  # header and one record; the embedded \n is inside quotes
    assert parsed_csv(text)[0]["name"] == 'Calls, "urgent"\nand chats'


def test_csv_of_an_empty_register_is_the_header_alone():
    assert render_register_csv(ORGANIZATION, []) == ",".join(CSV_COLUMNS) + "\r\n"


def test_csv_writes_missing_optional_values_as_empty_cells():
    sparse = activity(dpo_contact=None, special_category_basis="", created_at=None, purposes=None)

    row = parsed_csv(render_register_csv(ORGANIZATION, [sparse]))[0]

    assert (row["dpo_contact"], row["special_category_basis"]) == ("", "")
    assert (row["created_at"], row["purposes"]) == ("", "")


# Bad input


def test_a_missing_field_names_the_activity_and_the_field():
    broken = activity(name="Voice analytics")
    del broken["retention"]

    with pytest.raises(ExportDataError) as error:
        render_register_csv(ORGANIZATION, [activity(), broken])

    assert str(error.value) == ERR_MISSING.format(
        where="activity 2 ('Voice analytics')", key="retention"
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"purposes": "Prioritise complaints"},
            ERR_NOT_A_LIST.format(where="activity 1 ('X')", key="purposes", kind="str"),
        ),
        (
            {"ai_systems": [{"name": "Mood triage"}]},
            ERR_ITEM_NOT_TEXT.format(
                where="activity 1 ('X')", key="ai_systems", index=0, kind="dict"
            ),
        ),
        (
            {"automated_decision_making": "yes"},
            ERR_NOT_BOOL.format(
                where="activity 1 ('X')", key="automated_decision_making", value="yes"
            ),
        ),
        (
            {"updated_at": "last week"},
            ERR_BAD_DATE.format(where="activity 1 ('X')", key="updated_at", value="last week"),
        ),
    ],
)
def test_a_wrongly_typed_field_is_refused_by_name(overrides, message):
    with pytest.raises(ExportDataError) as error:
        render_register_csv(ORGANIZATION, [activity(name="X", **overrides)])

    assert str(error.value) == message


def test_an_organization_without_a_name_is_refused():
    with pytest.raises(ExportDataError) as error:
        render_register_pdf({}, [activity()], generated_at=GENERATED_AT)

    assert str(error.value) == ERR_MISSING.format(where="organization", key="name")


# PDF


@pytest.fixture(scope="module")
def register_pdf() -> bytes:
    activities = [
        activity(),
        activity(
            name="Voice analytics in the call centre",
            legal_basis="",
            special_category_basis="",
            automated_decision_making=True,
            warnings=["No legal basis recorded", ART_9_WARNING],
        ),
    ]
    return render_register_pdf(ORGANIZATION, activities, generated_at=GENERATED_AT)


def test_pdf_has_the_title_organization_and_every_clause_of_art_30_1(register_pdf):
    text = " ".join(page_texts(register_pdf))

    assert register_pdf.startswith(b"%PDF-")
    assert TITLE in text
    assert "Brightside Retail Ltd" in text
    for label in (
        "(a) Controller, contact details Brightside Retail Ltd privacy@brightside.example",
        "(a) Data protection officer dpo@brightside.example",
        "(b) Purposes of the processing Prioritise complaints; Measure service quality",
        "Legal basis (Art. 6(1)) Art. 6(1)(f) legitimate interests",
        "Special-category basis (Art. 9(2)) Art. 9(2)(a) explicit consent",
        "(c) Categories of data subjects customers",
        "(c) Categories of personal data e-mail text; inferred emotions",
        "(d) Categories of recipients Acme Emotion AI (processor)",
        "(e) Transfers to third countries United States",
        "(e) Safeguards for those transfers Standard contractual clauses (2021/914)",
        "(f) Time limits for erasure 90 days after the ticket closes",
        "(g) Security measures (Art. 32(1)) Encryption at rest",
        "Linked AI systems Mood triage; Churn predictor",
    ):
        assert label in text, label


def test_pdf_highlights_each_activitys_warnings_under_its_heading(register_pdf):
    text = " ".join(page_texts(register_pdf))

    section = text[text.index("2. Voice analytics in the call centre") :]
    assert section.index("Warning: No legal basis recorded") < section.index("(a) Controller")
    assert f"Warning: {ART_9_WARNING}" in section
    assert "Legal basis (Art. 6(1)) not recorded" in section
    assert "Automated decision-making (Art. 22) yes" in section
    first = text[text.index("1. Customer e-mail triage") : text.index("2. Voice analytics")]
    assert "Warning:" not in first
    assert "Activities with warnings 1" in text


def test_pdf_footer_on_every_page_names_organization_time_and_page(register_pdf):
    pages = page_texts(register_pdf)

    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        footer = FOOTER_TEMPLATE.format(
            organization="Brightside Retail Ltd", generated=GENERATED_TEXT, page=number
        )
        assert footer in text


def test_pdf_prints_user_strings_literally():
    hostile = activity(
        name="<b>x</b> & co",
        purposes=['<font size="40">Big</font>'],
        recipients=["Smith & Sons <ltd>"],
        retention="30 days\x00",
    )

    text = " ".join(
        page_texts(
            render_register_pdf({"name": "A&B <i>Ltd</i>"}, [hostile], generated_at=GENERATED_AT)
        )
    )

    assert "1. <b>x</b> & co" in text
    assert '<font size="40">Big</font>' in text
    assert "Smith & Sons <ltd>" in text
    assert "30 days\ufffd" in text  # the NUL the PDF parser would reject is replaced
    assert "Record of processing - A&B <i>Ltd</i> - generated" in text


def test_pdf_of_an_empty_register_says_so():
    text = " ".join(page_texts(render_register_pdf(ORGANIZATION, [], generated_at=GENERATED_AT)))

    assert "No processing activities are recorded." in text
    assert "Processing activities 0" in text


def test_pdf_renders_identical_bytes_for_the_same_input():
    activities = [activity(), activity(name="Second", warnings=["No legal basis recorded"])]

    first = render_register_pdf(ORGANIZATION, activities, generated_at=GENERATED_AT)
    second = render_register_pdf(
        copy.deepcopy(ORGANIZATION), copy.deepcopy(activities), generated_at=GENERATED_AT
    )
    later = render_register_pdf(ORGANIZATION, activities, generated_at="2026-03-12T14:06:00+01:00")

    assert first == second
    assert later != first  # the generation time is printed, so the bytes follow it


def test_pdf_long_entries_continue_on_the_next_page_uncut():
    measures = " ".join(f"measure{i:04d}" for i in range(1500))  # far more than one page

    pages = page_texts(
        render_register_pdf(
            ORGANIZATION, [activity(security_measures=measures)], generated_at=GENERATED_AT
        )
    )

    text = " ".join(pages)
    assert len(pages) >= 3
    assert "measure0000" in text
    assert "measure1499" in text


def test_a_very_long_organization_name_is_shortened_to_keep_the_footer_on_the_page():
    register_fonts()
    footer = _footer("Brightside " * 40, GENERATED_TEXT)

    text = footer(9999)

    assert ELLIPSIS in text
    assert text.endswith(f"- generated {GENERATED_TEXT} - page 9999")
    assert pdfmetrics.stringWidth(text, FONT, FOOTER_SIZE) <= FRAME_WIDTH


def test_pdf_rejects_a_generation_time_that_is_not_iso_8601():
    with pytest.raises(ExportDataError) as error:
        render_register_pdf(ORGANIZATION, [], generated_at="12/03/2026")

    assert str(error.value) == ERR_BAD_DATE.format(
        where="arguments", key="generated_at", value="12/03/2026"
    )
