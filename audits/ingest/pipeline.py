"""`ingest_file`: one uploaded file in, one validated, normalised, pseudonymised Parquet file out."""

from __future__ import annotations

import pathlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa

from audits.ingest import errors as msg
from audits.ingest.columns import (
    GROUND_TRUTH,
    PREDICTION,
    SCORE_PREFIX,
    Plan,
    Spec,
    check_names,
    make_spec,
    plan_columns,
)
from audits.ingest.csv_reader import read_csv_table
from audits.ingest.errors import ErrorCollector, IngestError
from audits.ingest.jsonl_reader import read_jsonl_table
from audits.ingest.normalise import Normalised, normalise_table
from audits.ingest.parquet_reader import open_parquet, read_parquet_table
from audits.ingest.pseudonym import EMPTY_KEY
from audits.ingest.sniff import check_content, resolve_format, sniff_csv
from audits.ingest.store import (
    StoredLayout,
    compact_groups,
    dictionary_column,
    sha256_file,
    write_atomically,
)
from audits.ingest.types import IngestResult

CONSENT_FILTER_RESULT = (
    "consent_filter must return a boolean array as long as the array of pseudonyms it was given."
)

ConsentFilter = Callable[[np.ndarray], np.ndarray]


def ingest_file(
    *,
    source: pathlib.Path,
    fmt: str | None,
    filename: str,
    labels: Sequence[str],
    sensitive: Sequence[str],
    features: Sequence[str] | None,
    subject_column: str | None,
    pseudonym_key: bytes,
    destination: pathlib.Path,
    max_groups: int = 1000,
    consent_filter: ConsentFilter | None = None,
    known_sha256: str | None = None,
) -> IngestResult:
    """Validate an uploaded prediction batch completely, then store it normalised at
    `destination` (Parquet, written to a temporary file beside it and renamed into place).

    `fmt` is "csv", "parquet", "jsonl" or None (then taken from `filename`'s ending); the content
    must match it. Every problem is collected in one pass and raised together as `IngestError`
    (first 100 plus the total), and then nothing is written. Subject references are replaced by
    `pseudonymise(value, pseudonym_key)` before anything is stored or reported.

    `consent_filter`, if given, is called once with the distinct pseudonyms (an object array
    of str) and returns a boolean mask of the same length, True to keep; rows of subjects not
    kept are left out and counted in `excluded_rows["no_consent"]`. Raises ValueError for
    arguments that break this contract (empty or repeated labels, an empty key with a subject
    column, a malformed filter result). `known_sha256`: the upload's digest when the caller
    already computed it (the idempotency check does), so the file is not hashed twice.
    """
    started = time.perf_counter()
    spec = make_spec(
        labels=labels,
        sensitive=sensitive,
        features=features,
        subject_column=subject_column,
        max_groups=max_groups,
    )
    if spec.subject_column is not None and not pseudonym_key:
        raise ValueError(EMPTY_KEY)
    chosen = resolve_format(fmt, filename)
    check_content(source, chosen)
    collector = ErrorCollector()
    if consent_filter is not None and spec.subject_column is None:
        collector.add(row=None, column=None, message=msg.CONSENT_NEEDS_SUBJECT)
    timings: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The upload's own digest is computed while pyarrow parses; both release the GIL.
        hashing = (
            pool.submit(lambda: (known_sha256, 0.0))
            if known_sha256
            else pool.submit(_timed_digest, source)
        )
        mark = time.perf_counter()
        table, plan, broken = _read(source, chosen, spec, collector)
        timings["read"] = time.perf_counter() - mark
        mark = time.perf_counter()
        normalised = normalise_table(
            table,
            plan=plan,
            spec=spec,
            pseudonym_key=pseudonym_key,
            collector=collector,
            broken=broken,
        )
        del table
        keep = _consent_mask(normalised, consent_filter)
        timings["validate"] = time.perf_counter() - mark
        # Before writing: a failed read of the upload must leave the destination untouched.
        sha256, timings["hash"] = hashing.result()
        mark = time.perf_counter()
        stored, groups = _stored_table(normalised, plan, spec, keep)
        normalized_sha256 = write_atomically(stored, destination)
        timings["write"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    row_count = stored.num_rows
    return IngestResult(
        format=chosen,
        sha256=sha256,
        normalized_sha256=normalized_sha256,
        row_count=row_count,
        columns=tuple(stored.column_names),
        sensitive=plan.sensitive,
        features=plan.features,
        subject_column=plan.subject_column,
        labels_seen=_labels_seen(normalised, spec, keep),
        has_ground_truth=plan.has_ground_truth,
        score_labels=plan.score_labels,
        groups=groups,
        warnings=normalised.warnings,
        excluded_rows={"no_consent": normalised.n - row_count},
        timings=timings,
    )


def _timed_digest(path: pathlib.Path) -> tuple[str, float]:
    mark = time.perf_counter()
    digest = sha256_file(path)
    return digest, time.perf_counter() - mark


def _read(
    source: pathlib.Path, fmt: str, spec: Spec, collector: ErrorCollector
) -> tuple[pa.Table, Plan, np.ndarray | None]:
    """The planned columns under their stripped names, the plan, and the reader's broken rows."""
    broken = None
    if fmt == "jsonl":
        parsed = read_jsonl_table(source, collector=collector)
        raw_names = parsed.table.column_names
        broken = parsed.broken
    elif fmt == "csv":
        layout = sniff_csv(source)
        raw_names = list(layout.names)
    else:
        parquet = open_parquet(source)
        raw_names = parquet.schema_arrow.names
    before = collector.total
    names = check_names(raw_names, collector)
    if collector.total > before:
        # Which column is meant is ambiguous, so nothing below can be checked reliably.
        collector.raise_if_any()
    plan = plan_columns(names, spec, collector)
    clean_of = dict(zip(raw_names, names, strict=True))
    kinds = {raw: plan.roles[clean] for raw, clean in clean_of.items() if clean in plan.roles}
    if fmt == "jsonl":
        table = parsed.table.select(list(kinds))
    elif fmt == "csv":
        table = read_csv_table(source, layout=layout, kinds=kinds, collector=collector)
    else:
        table = read_parquet_table(parquet, path=source, kinds=kinds, collector=collector)
    return table.rename_columns([clean_of[raw] for raw in table.column_names]), plan, broken


def _consent_mask(
    normalised: Normalised, consent_filter: ConsentFilter | None
) -> np.ndarray | None:
    """Rows to keep, or None to keep all."""
    if consent_filter is None or normalised.subject is None:
        return None
    codes, refs = normalised.subject
    distinct = np.empty(len(refs), dtype=object)
    distinct[:] = refs
    verdict = np.asarray(consent_filter(distinct))
    if verdict.dtype != np.bool_ or verdict.shape != distinct.shape:
        raise ValueError(CONSENT_FILTER_RESULT)
    keep = verdict[codes]
    kept = int(np.count_nonzero(keep))
    if kept == 0:
        message = msg.NO_ROWS_WITH_CONSENT.format(count=normalised.n)
        raise IngestError([{"row": None, "column": None, "message": message}], 1)
    return None if kept == normalised.n else keep


def _stored_table(
    normalised: Normalised, plan: Plan, spec: Spec, keep: np.ndarray | None
) -> tuple[pa.Table, dict[str, dict[str, int]]]:
    """The table to store (with its layout metadata) and the group counts per attribute."""

    def kept(values: np.ndarray) -> np.ndarray:
        return values if keep is None else values[keep]

    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        PREDICTION: dictionary_column(kept(normalised.y_pred), spec.labels)
    }
    if normalised.y_true is not None:
        columns[GROUND_TRUTH] = dictionary_column(kept(normalised.y_true), spec.labels)
    for label in plan.score_labels:
        columns[SCORE_PREFIX + label] = pa.array(kept(normalised.scores[label]))
    stored_groups: dict[str, tuple[str, ...]] = {}
    counts: dict[str, dict[str, int]] = {}
    for name in plan.sensitive:
        codes, categories = normalised.groups[name]
        codes, categories, sizes = compact_groups(kept(codes), categories)
        columns[name] = dictionary_column(codes, categories)
        stored_groups[name] = categories
        counts[name] = dict(zip(categories, sizes.tolist(), strict=True))
    mask = None if keep is None else pa.array(keep)
    for name in plan.features:
        feature = normalised.features[name]
        columns[name] = feature if mask is None else feature.filter(mask)
    if normalised.subject is not None and plan.subject_column is not None:
        codes, refs = normalised.subject
        columns[plan.subject_column] = pa.array(refs, pa.string()).take(pa.array(kept(codes)))
    layout = StoredLayout(
        labels=spec.labels,
        has_ground_truth=plan.has_ground_truth,
        score_labels=plan.score_labels,
        sensitive=stored_groups,
        features=plan.features,
        subject_column=plan.subject_column,
    )
    table = pa.table(columns).unify_dictionaries()
    return table.replace_schema_metadata(layout.as_metadata()), counts


def _labels_seen(normalised: Normalised, spec: Spec, keep: np.ndarray | None) -> tuple[str, ...]:
    seen = np.zeros(len(spec.labels), dtype=bool)
    for codes in (normalised.y_pred, normalised.y_true):
        if codes is not None:
            chosen = codes if keep is None else codes[keep]
            seen |= np.bincount(chosen, minlength=len(spec.labels)) > 0
    return tuple(sorted(label for label, present in zip(spec.labels, seen, strict=True) if present))
