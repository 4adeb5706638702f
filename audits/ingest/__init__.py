"""Prediction-batch ingestion: CSV, Parquet and JSON Lines in, one normalised Parquet file out.

Pure Python with pyarrow and numpy; no Django. The upload service calls `ingest_file`; audit
tasks call `read_codes` (and `read_features` for explanations); consent withdrawal calls
`erase_subject` with a pseudonym from `pseudonymise`.
"""

from audits.ingest.errors import IngestError
from audits.ingest.pipeline import ingest_file
from audits.ingest.pseudonym import pseudonymise
from audits.ingest.store import erase_subject, read_codes, read_features
from audits.ingest.types import (
    MISSING_GROUP,
    CodedBatch,
    CodedColumn,
    FeatureColumn,
    FeatureSample,
    IngestResult,
)

__all__ = [
    "MISSING_GROUP",
    "CodedBatch",
    "CodedColumn",
    "FeatureColumn",
    "FeatureSample",
    "IngestError",
    "IngestResult",
    "erase_subject",
    "ingest_file",
    "pseudonymise",
    "read_codes",
    "read_features",
]
