import numpy as np

from audits.ingest import errors as msg
from audits.ingest.errors import ErrorCollector, quote
from tests.audits.ingest.helpers import csv_bytes, error


def test_collector_orders_file_errors_first_then_rows_then_discovery():
    collector = ErrorCollector()
    collector.add(row=7, column="b", message="late")
    collector.add(row=None, column="a", message="whole column")
    collector.add(row=2, column="c", message="early")
    collector.add(row=7, column="a", message="late, found second")

    assert collector.errors() == [
        error(None, "a", "whole column"),
        error(2, "c", "early"),
        error(7, "b", "late"),
        error(7, "a", "late, found second"),
    ]
    assert collector.total == 4


def test_collector_keeps_the_first_hundred_rows_and_counts_all():
    collector = ErrorCollector()
    # Two checks, each over rows in ascending order: 150 odd indices then 150 even indices.
    collector.add_rows(np.arange(1, 300, 2), column="x", message="odd")
    collector.add_rows(np.arange(0, 300, 2), column="y", message=lambda index: f"even {index}")

    kept = collector.errors()

    assert collector.total == 300  # 150 + 150
    assert len(kept) == msg.MAX_REPORTED_ERRORS == 100
    # The first 100 rows overall are rows 1..100: index 0 is row 1 (even), index 1 row 2 (odd).
    assert [e["row"] for e in kept] == list(range(1, 101))
    assert kept[0] == error(1, "y", "even 0")
    assert kept[1] == error(2, "x", "odd")


def test_quote_escapes_control_characters_and_shortens_long_text():
    assert quote("a\r\nb") == "'a\\r\\nb'"
    assert quote("x" * 61) == repr("x" * 60) + "..."


def test_a_file_with_250_bad_rows_reports_100_and_the_total(uploader):
    rows = ["y_pred,gender"] + ["happy,f"] * 250

    rejected = uploader.reject(csv_bytes(*rows))

    assert rejected.total == 250
    assert len(rejected.errors) == 100
    assert rejected.errors[99]["row"] == 100
    assert str(rejected) == "The upload was rejected: 250 problem(s) found."
