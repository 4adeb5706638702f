"""Counting: one pass of `np.bincount` per chunk of rows, from codes to `Counts`.

Score bins: with `score_bins = B`, a score s falls in bin `floor(s * B + 1e-6)`; bins 0..B-1
cover [k/B, (k+1)/B) (shifted down by 1e-9 of a score unit, so that a score written as a
multiple of 1/B lands in its own bin despite floating-point error) and bin B holds s = 1. Each bin
is split by whether the row's true label is the score's label (2 classes with ground truth, 1
without). Sums of scores are kept as integers in units of 2**-32 (each score is rounded to that
grid first), so that they are exact and independent of row order and chunking.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .counts import SCORE_SCALE, Counts, build, check_bins
from .encoding import Encoded

SCORE_BINS = 1000
BIN_TOLERANCE = 1e-6
# Sums of up to 2**20 quantized scores (each at most 2**32) stay below 2**53, so a chunk's
# float64 bincount of them is exact.
CHUNK_ROWS = 1 << 20
# Largest dense bincount (cells x classes) before counting switches to compact cell ids.
_DENSE_LIMIT = 1 << 22


def _compact_cells(
    codes: tuple[np.ndarray, ...], radices: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Cell ids for many-valued attributes: (ids per row, code table of the ids)."""
    import pandas as pd

    ids = codes[0].astype(np.int64)
    table = np.arange(radices[0], dtype=np.int64)[:, None]
    for column, radix in zip(codes[1:], radices[1:], strict=True):
        # ids < rows and radix <= rows, so the combined key fits in int64.
        key = ids * radix + column
        ids, distinct = pd.factorize(key)
        distinct = np.asarray(distinct, dtype=np.int64)
        table = np.column_stack([table[distinct // radix], distinct % radix])
    return ids, table


class _Tally:
    """Accumulators and scratch buffers of one counting thread."""

    def __init__(
        self, encoded: Encoded, *, ids: np.ndarray | None, n_cells: int, score_bins: int
    ) -> None:
        self.encoded, self.ids, self.bins = encoded, ids, score_bins
        self.radices = [len(c) for c in encoded.categories]
        self.t = len(encoded.labels) if encoded.y_true is not None else 1
        self.p = 2 if encoded.y_true is not None else 1
        self.width = score_bins + 1
        self.confusion = np.zeros(n_cells * self.t * len(encoded.labels), dtype=np.int64)
        self.hist = np.zeros((len(encoded.scores), n_cells * self.p * self.width), dtype=np.int64)
        self.sums = np.zeros_like(self.hist)
        chunk = min(encoded.n, CHUNK_ROWS)
        self.real = np.empty(chunk, dtype=np.float64)
        self.index, self.extra = np.empty(chunk, dtype=np.intp), np.empty(chunk, dtype=np.intp)
        self.is_label = np.empty(chunk, dtype=bool)
        self.score_codes = [encoded.labels.index(label) for label in encoded.score_labels]

    def add(self, start: int, stop: int) -> None:
        encoded, truth = self.encoded, self.encoded.y_true
        if self.ids is None:
            cell = encoded.sensitive[0][start:stop].astype(np.intp)
            for codes, radix in zip(encoded.sensitive[1:], self.radices[1:], strict=True):
                cell *= radix
                cell += codes[start:stop]
        else:
            cell = self.ids[start:stop].astype(np.intp)
        key = cell * self.t
        if truth is not None:
            key += truth[start:stop]
        key *= len(encoded.labels)
        key += encoded.y_pred[start:stop]
        self.confusion += np.bincount(key, minlength=self.confusion.shape[0])
        if not encoded.scores:
            return
        base = key  # reuse the buffer
        np.multiply(cell, self.p * self.width, out=base)
        size = stop - start
        real, index = self.real[:size], self.index[:size]
        extra, is_label = self.extra[:size], self.is_label[:size]
        for j, scores in enumerate(encoded.scores):
            values = scores[start:stop]
            np.multiply(values, self.bins, out=real)
            real += BIN_TOLERANCE
            np.copyto(index, real, casting="unsafe")  # truncation = floor for s >= 0
            index += base
            if truth is not None:
                np.equal(truth[start:stop], self.score_codes[j], out=is_label)
                np.multiply(is_label, self.width, out=extra, dtype=np.intp)
                index += extra
            self.hist[j] += np.bincount(index, minlength=self.hist.shape[1])
            np.multiply(values, SCORE_SCALE, out=real)
            np.rint(real, out=real)
            summed = np.bincount(index, weights=real, minlength=self.hist.shape[1])
            self.sums[j] += summed.astype(np.int64)


def count(encoded: Encoded, *, score_bins: int = SCORE_BINS, threads: int = 2) -> Counts:
    """Count one batch or chunk: one `np.bincount` over a mixed-radix key per chunk of rows.

    The key of a row is (cell, true label, predicted label), the cell being the mixed-radix
    number of its sensitive codes; scores add one histogram bincount and one weighted bincount
    per score label. Chunks of `CHUNK_ROWS` keep temporaries in cache and score sums exact.
    With scores, up to `threads` threads count alternate chunks (numpy's arithmetic runs while
    the other thread bincounts); integer sums make the result independent of that split.
    Raises AuditInputError (`COUNTS_SCORE_BINS`) for a bad `score_bins`.
    """
    check_bins(score_bins)
    n, n_labels = encoded.n, len(encoded.labels)
    truth = encoded.y_true
    t = n_labels if truth is not None else 1
    p, width = (2 if truth is not None else 1), score_bins + 1
    radices = [len(c) for c in encoded.categories]
    n_scores = len(encoded.scores)
    dense_cells = math.prod(radices)
    dense = dense_cells * t * n_labels <= _DENSE_LIMIT and (
        n_scores == 0 or dense_cells * p * width <= _DENSE_LIMIT
    )
    if dense:
        ids, cell_table, n_cells = None, None, dense_cells
    else:
        ids, cell_table = _compact_cells(encoded.sensitive, radices)
        n_cells = cell_table.shape[0]
    starts = list(range(0, n, CHUNK_ROWS))
    workers = max(1, min(threads, len(starts))) if n_scores else 1
    tallies = [
        _Tally(encoded, ids=ids, n_cells=n_cells, score_bins=score_bins) for _ in range(workers)
    ]

    def work(w: int) -> None:
        for start in starts[w::workers]:
            tallies[w].add(start, min(n, start + CHUNK_ROWS))

    if workers == 1:
        work(0)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(work, range(workers)))
    tally = tallies[0]
    for other in tallies[1:]:
        tally.confusion += other.confusion
        tally.hist += other.hist
        tally.sums += other.sums
    confusion = tally.confusion.reshape(n_cells, t, n_labels)
    occupied = np.flatnonzero(confusion.sum(axis=(1, 2)))
    if cell_table is None:
        cells = np.stack(np.unravel_index(occupied, radices), axis=1).astype(np.int64)
    else:
        cells = cell_table[occupied]

    def per_cell(array: np.ndarray) -> np.ndarray:
        shaped = array.reshape(n_scores, n_cells, p, width)[:, occupied]
        return np.ascontiguousarray(shaped.transpose(1, 0, 2, 3))

    template = Counts(
        labels=encoded.labels,
        attributes=encoded.attributes,
        categories=encoded.categories,
        has_ground_truth=truth is not None,
        score_labels=encoded.score_labels,
        score_bins=score_bins,
        cells=cells,
        confusion=confusion,
        score_hist=tally.hist,
        score_sum=tally.sums,
    )
    return build(
        template,
        categories=[list(c) for c in encoded.categories],
        cells=cells,
        arrays=[confusion[occupied], per_cell(tally.hist), per_cell(tally.sums)],
    )
