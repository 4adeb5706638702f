"""Helpers for the ingest tests: run `ingest_file` on bytes; a rejection must leave no file."""

import pathlib
from collections.abc import Callable

import pytest

from audits.ingest import IngestError, IngestResult, ingest_file

LABELS = ("anger", "joy", "neutral")
KEY = b"test-pseudonym-key"


class Uploader:
    """`upload(data, ...)` ingests bytes; `reject(data, ...)` expects an IngestError."""

    def __init__(self, folder: pathlib.Path) -> None:
        self.folder = folder
        self.source = folder / "incoming" / "upload.bin"
        self.destination = folder / "stored" / "batch.parquet"

    def upload(
        self,
        data: bytes,
        *,
        filename: str = "batch.csv",
        fmt: str | None = None,
        labels: tuple[str, ...] = LABELS,
        sensitive: tuple[str, ...] = ("gender",),
        features: tuple[str, ...] | None = None,
        subject_column: str | None = None,
        max_groups: int = 1000,
        consent_filter: Callable | None = None,
    ) -> IngestResult:
        self.source.parent.mkdir(parents=True, exist_ok=True)
        self.source.write_bytes(data)
        return ingest_file(
            source=self.source,
            fmt=fmt,
            filename=filename,
            labels=labels,
            sensitive=sensitive,
            features=features,
            subject_column=subject_column,
            pseudonym_key=KEY,
            destination=self.destination,
            max_groups=max_groups,
            consent_filter=consent_filter,
        )

    def reject(self, data: bytes, **options) -> IngestError:
        with pytest.raises(IngestError) as caught:
            self.upload(data, **options)
        # Atomicity: no stored file and no temporary file left beside where it would go.
        assert not self.destination.exists()
        stored = self.destination.parent
        assert not stored.exists() or list(stored.iterdir()) == []
        return caught.value


def csv_bytes(*lines: str, newline: str = "\n") -> bytes:
    return (newline.join(lines) + newline).encode("utf-8")


def error(row: int | None, column: str | None, message: str) -> dict:
    return {"row": row, "column": column, "message": message}
