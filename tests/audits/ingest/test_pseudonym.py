import pytest

from audits.ingest import pseudonymise
from audits.ingest.pseudonym import EMPTY_KEY


def test_pseudonym_is_hmac_sha256_hex_rfc_4231_test_case_2():
    # RFC 4231 section 4.3: key "Jefe", data "what do ya want for nothing?".
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

    assert pseudonymise("what do ya want for nothing?", b"Jefe") == expected


def test_surrounding_whitespace_does_not_change_the_pseudonym():
    assert pseudonymise("  alice@example.com\t", b"k") == pseudonymise("alice@example.com", b"k")


def test_another_key_gives_another_pseudonym():
    assert pseudonymise("alice", b"key-1") != pseudonymise("alice", b"key-2")


def test_an_empty_key_is_refused():
    with pytest.raises(ValueError, match=EMPTY_KEY):
        pseudonymise("alice", b"")
