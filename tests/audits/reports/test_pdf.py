import copy
import io
import subprocess
import sys
import textwrap

import pypdf
import pytest

from audits.reports.context import build_context
from audits.reports.layout import escape
from audits.reports.pdf import FOOTER_TEMPLATE, render_pdf
from tests.audits.reports.sample import (
    INPUT_SHA,
    RESULT_SHA,
    SCOTS_FINDING,
    SCREENING_CLAUSE,
    build_inputs,
    build_results,
)


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text with whitespace collapsed, so wrapped lines compare as one string."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.fixture(scope="module")
def report() -> bytes:
    """Rendered once per module: rendering draws several matplotlib figures."""
    return render_pdf(build_context(**build_inputs(build_results())))


def test_a_finished_audit_renders_a_pdf_with_findings_and_hashes(report):
    pages = page_texts(report)
    text = " ".join(pages)

    assert report.startswith(b"%PDF-")
    assert SCOTS_FINDING in text
    assert RESULT_SHA in text
    assert INPUT_SHA in text
    assert SCREENING_CLAUSE in text
    assert "Regulatory screening: High-risk" in text


def test_findings_come_right_after_the_cover(report):
    pages = page_texts(report)

    assert "What the audit found" in pages[1]
    assert pages[1].index("Customers writing in scots") < pages[1].index("Too few rows")


def test_every_page_carries_the_result_hash_footer(report):
    pages = page_texts(report)

    for number, text in enumerate(pages, start=1):
        assert FOOTER_TEMPLATE.format(result_sha256=RESULT_SHA, page=number) in text


def test_page_count_is_plausible(report):
    pages = page_texts(report)

    # cover, findings + data, three attribute sections, comparisons, notes, reproducibility
    assert 8 <= len(pages) <= 20


def test_suppressed_group_is_reported_as_insufficient_data(report):
    text = " ".join(page_texts(report))

    assert "Groups with insufficient data" in text
    assert "dialect (missing) 20 0.5% insufficient data" in text


def test_report_sections_cover_the_published_report_contents(report):
    text = " ".join(page_texts(report))

    for heading in (
        "The data audited",
        "Missing values",
        "Accuracy by group (EU AI Act Art. 13(3)(b)(v))",
        "All group comparisons",
        "FLAGGED",
        "Explainability",
        "Possible proxies for sensitive attributes",
        "Cross-check with fairlearn and aif360",
        "Limits of emotion recognition",
        "Recital 44",
        "Not recorded in this audit",
        "Reproducibility",
        "attune-engine 0.1.0",
    ):
        assert heading in text, heading


def test_without_explainability_the_report_says_not_provided(inputs_without_explainability):
    pdf = render_pdf(build_context(**inputs_without_explainability))

    text = " ".join(page_texts(pdf))
    assert "Not provided: the audit produced no explanation artefacts." in text
    assert "Surrogate model" not in text


def test_user_strings_print_literally_not_as_markup():
    group = "<b>x</b> & co"
    inputs = build_inputs(build_results(scots=group))
    inputs["vendor"]["name"] = 'Acme <font size="40">Big</font> & Sons'
    inputs["system"]["name"] = "Mood <i>triage</i>\x00"

    text = " ".join(page_texts(render_pdf(build_context(**inputs))))

    assert "<b>x</b> & co" in text
    assert f"Customers writing in {group} are labelled angry twice as often" in text
    assert 'Acme <font size="40">Big</font> & Sons' in text
    assert "Mood <i>triage</i>\ufffd" in text  # the NUL the parser would reject is replaced


def test_escape_makes_markup_literal():
    assert escape('<b>x</b> & "q"') == "&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot;"
    assert escape("a\x07b") == "a\ufffdb"


def test_accented_group_names_print(results):
    inputs = build_inputs(build_results(scots="Åsa Ñúñez-Øre"))

    text = " ".join(page_texts(render_pdf(build_context(**inputs))))

    assert "Åsa Ñúñez-Øre" in text


def test_the_same_context_renders_identical_bytes(inputs):
    context = build_context(**inputs)

    assert render_pdf(copy.deepcopy(context)) == render_pdf(context)


def test_many_groups_and_very_long_names_still_lay_out(results):
    long_name = "x" * 900
    extra = [
        {
            "attribute": "age_band",
            "group": f"band {i:02d} {long_name if i == 0 else ''}".strip(),
            "n": 40,
            "share": 0.01,
            "suppressed": False,
        }
        for i in range(40)
    ]
    results["groups"] += extra
    for i, group in enumerate(extra):
        results["metrics"].append(
            {
                "attribute": "age_band",
                "group": group["group"],
                "label": "anger",
                "metric": "selection_rate",
                "value": (i % 10) / 40,
                "ci_low": 0.0,
                "ci_high": 0.3,
                "n": 40,
            }
        )

    pdf = render_pdf(build_context(**build_inputs(results)))

    text = " ".join(page_texts(pdf))
    assert "band 39" in text
    assert "in full in results.csv" in text  # the 900-character name is cut in table cells


def test_rendering_imports_no_django():
    code = textwrap.dedent(
        """
        import sys
        from audits.reports import build_context, render_pdf, render_results_csv
        from tests.audits.reports.sample import build_inputs, build_results
        context = build_context(**build_inputs(build_results()))
        render_pdf(context)
        render_results_csv(context)
        loaded = sorted(name for name in sys.modules if name.split(".")[0] == "django")
        print(",".join(loaded))
        """
    )

    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )

    assert completed.stdout.strip() == ""
