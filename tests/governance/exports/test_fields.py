import uuid
from datetime import UTC, date, datetime

import pytest

from governance.exports import fields
from governance.exports.fields import ExportDataError

WHERE = "context.request"


def test_moment_reads_text_datetimes_and_dates_as_utc():
    record = {
        "aware": "2026-03-12T14:05:09+01:00",
        "naive": "2026-03-12T13:05:09",
        "date": date(2026, 9, 8),
        "empty": "",
    }

    read = {key: fields.moment(record, key, where=WHERE) for key in record}

    assert read["aware"] == datetime(2026, 3, 12, 13, 5, 9, tzinfo=UTC)  # 14:05 at +01:00
    assert read["naive"] == datetime(2026, 3, 12, 13, 5, 9, tzinfo=UTC)
    assert read["date"] == datetime(2026, 9, 8, tzinfo=UTC)
    assert read["empty"] is None


def test_moment_refuses_a_number():
    with pytest.raises(ExportDataError) as error:
        fields.moment({"at": 1773320709}, "at", where=WHERE)

    assert str(error.value) == fields.ERR_BAD_DATE.format(where=WHERE, key="at", value=1773320709)


def test_text_accepts_identifiers_and_refuses_other_types():
    request_id = uuid.UUID("6f1c2d9e-5b7a-4c3e-9a10-2f4e8d7c6b5a")

    assert fields.text({"id": request_id}, "id", where=WHERE) == str(request_id)
    assert fields.text({"id": 42}, "id", where=WHERE) == "42"
    assert fields.text({"id": None}, "id", where=WHERE) == ""
    for bad in (True, 4.5, ["a"]):
        with pytest.raises(ExportDataError) as error:
            fields.text({"id": bad}, "id", where=WHERE)
        assert str(error.value) == fields.ERR_NOT_TEXT.format(
            where=WHERE, key="id", kind=type(bad).__name__
        )


def test_whole_numbers_are_not_booleans():
    with pytest.raises(ExportDataError) as error:
        fields.whole_number({"quorum": True}, "quorum", where="context")

    assert str(error.value) == fields.ERR_NOT_INT.format(where="context", key="quorum", value=True)


def test_a_single_mapping_is_not_a_list_of_mappings():
    with pytest.raises(ExportDataError) as error:
        fields.mapping_list({"signoffs": {"member": "A"}}, "signoffs", where="context")

    assert str(error.value) == fields.ERR_NOT_A_LIST.format(
        where="context", key="signoffs", kind="dict"
    )


def test_items_of_a_list_of_mappings_are_checked_by_index():
    with pytest.raises(ExportDataError) as error:
        fields.mapping_list({"recusals": [{"member": "A"}, "B"]}, "recusals", where="context")

    assert str(error.value) == fields.ERR_NOT_A_MAPPING.format(
        where="context.recusals[1]", kind="str"
    )


def test_optional_digests_may_be_empty_but_never_malformed():
    assert fields.digest({"head": None}, "head", where="context.ledger", optional=True) == ""
    with pytest.raises(ExportDataError):
        fields.digest({"head": "0" * 63}, "head", where="context.ledger", optional=True)
