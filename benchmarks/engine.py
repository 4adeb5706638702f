"""Audit engine speed against fairlearn and aif360 on the same data (DESIGN.md section 7).

    .venv/bin/python benchmarks/engine.py            # 100k, 1M and 10M rows (a few minutes)
    .venv/bin/python benchmarks/engine.py --quick    # 100k rows, fairlearn on 20k (seconds)
    .venv/bin/python benchmarks/engine.py --sizes 1000000 --no-aif360

Data: 3 sensitive attributes of 3, 5 and 6 levels (text), 6 emotion labels, ground truth and a
score per label. Timed with every import already loaded:

(a) point metrics: counting the codes and every per-group metric (singles, pairs, intersection;
    each label one-vs-rest, the flagged view, accuracy; Wilson intervals included);
(b) the full engine: encoding the text columns, counting (scores included), finalize (all
    metrics, score metrics, 1,000 bootstrap resamples on every disparity, Holm, findings) and the
    canonical result hash.

fairlearn's MetricFrame recomputes the same 6-class point metrics on the first size's rows (or
--fairlearn-rows), aif360's ClassificationMetric the flagged view's rates on the 1M rows (or the
largest size below it); both print the largest difference on values defined in both. Peak memory
is the process's resident set, sampled every 5 ms during each engine run.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audits.engine import AuditConfig, count, encode, finalize, point_metrics, result_sha256
from audits.engine.references import _aif360, _compare, _fairlearn, _index, _text

LABELS = ("anger", "joy", "sadness", "fear", "surprise", "neutral")
FLAGGED = ("anger", "fear")
ATTRIBUTES = {
    "gender": ("female", "male", "nonbinary"),
    "age_band": ("18-24", "25-34", "35-44", "45-64", "65+"),
    "region": ("north", "south", "east", "west", "wales", "scotland"),
}
CONFIG = AuditConfig(
    sensitive=tuple(ATTRIBUTES), labels=LABELS, flagged_labels=FLAGGED, inequality_sample=0
)
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE


class PeakMemory:
    """Highest resident set size seen while the block runs."""

    def __enter__(self) -> PeakMemory:
        self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())


def generate(n: int, seed: int = 0) -> dict:
    """Text columns (shared string objects, as a reader produces them) and scores."""
    rng = np.random.default_rng(seed)
    names = np.array(LABELS, dtype=object)
    sensitive = {}
    for column, values in ATTRIBUTES.items():
        weights = np.linspace(2.0, 1.0, len(values))
        codes = rng.choice(len(values), size=n, p=weights / weights.sum()).astype(np.int8)
        sensitive[column] = np.array(values, dtype=object)[codes]
    truth = rng.integers(0, len(LABELS), n, dtype=np.int8)
    guess = rng.integers(0, len(LABELS), n, dtype=np.int8)
    predicted = np.where(rng.random(n, dtype=np.float32) < 0.6, truth, guess)
    older = sensitive["age_band"] == "65+"
    predicted[older & (rng.random(n, dtype=np.float32) < 0.1)] = 0  # something to find
    scores, total = [], np.zeros(n)
    for j in range(len(LABELS)):
        raw = rng.random(n)
        raw[truth == j] += 2.0
        total += raw
        scores.append(raw)
    for raw in scores:
        raw /= total
    return {
        "y_pred": names[predicted],
        "y_true": names[truth],
        "sensitive": sensitive,
        "scores": dict(zip(LABELS, scores, strict=True)),
    }


def run_engine(data: dict) -> dict:
    """(a) and (b) on one batch; returns timings and the results."""
    coded = encode(
        y_pred=data["y_pred"], y_true=data["y_true"], labels=LABELS, sensitive=data["sensitive"]
    )
    gc.collect()
    start = time.perf_counter()
    _, metrics = point_metrics(count(coded), CONFIG)
    point = time.perf_counter() - start
    del coded
    gc.collect()
    with PeakMemory() as memory:
        clock = time.perf_counter()
        encoded = encode(labels=LABELS, **data)
        encoded_at = time.perf_counter()
        counts = count(encoded)
        counted_at = time.perf_counter()
        results = finalize(counts, CONFIG)
        finalized_at = time.perf_counter()
        digest = result_sha256(results)
        done = time.perf_counter()
    return {
        "point": point,
        "metrics": metrics,
        "full": done - clock,
        "encode": encoded_at - clock,
        "count": counted_at - encoded_at,
        "finalize": finalized_at - counted_at,
        "hash": done - finalized_at,
        "peak": memory.peak,
        "digest": digest,
        "findings": len(results["findings"]),
        "disparities": len(results["disparities"]),
    }


def reference_inputs(data: dict, rows: int) -> dict:
    return {
        "y_pred": np.asarray(data["y_pred"][:rows], dtype=object),
        "y_true": np.asarray(data["y_true"][:rows], dtype=object),
        "columns": {c: _text(v[:rows]) for c, v in data["sensitive"].items()},
    }


def views() -> list[dict]:
    config_views = [((c,), c) for c in ATTRIBUTES]
    names = list(ATTRIBUTES)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            config_views.append(((names[i], names[j]), f"{names[i]}&{names[j]}"))
    config_views.append((tuple(names), "&".join(names)))
    return [{"attribute": a, "columns": list(c)} for c, a in config_views]


def engine_point(data: dict, rows: int) -> tuple[float, dict]:
    coded = encode(
        y_pred=data["y_pred"][:rows],
        y_true=data["y_true"][:rows],
        labels=LABELS,
        sensitive={c: v[:rows] for c, v in data["sensitive"].items()},
    )
    start = time.perf_counter()
    _, metrics = point_metrics(count(coded), CONFIG)
    return time.perf_counter() - start, _index(metrics)


def gb(value: int) -> str:
    return f"{value / 2**30:.2f} GB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100k rows only, fairlearn on 20k")
    parser.add_argument("--sizes", type=int, nargs="+", help="row counts to run")
    parser.add_argument("--fairlearn-rows", type=int, help="rows for fairlearn (default 100k)")
    parser.add_argument("--aif360-rows", type=int, help="rows for aif360 (default 1M)")
    parser.add_argument("--no-fairlearn", action="store_true")
    parser.add_argument("--no-aif360", action="store_true")
    args = parser.parse_args()
    sizes = args.sizes or ([100_000] if args.quick else [100_000, 1_000_000, 10_000_000])
    fair_rows = args.fairlearn_rows or (20_000 if args.quick else 100_000)
    aif_rows = args.aif360_rows or (min(100_000, max(sizes)) if args.quick else 1_000_000)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cores")
    print(
        f"{len(ATTRIBUTES)} attributes (3, 5, 6 levels) + pairs + intersection, {len(LABELS)} labels"
    )
    warm = generate(2000, seed=1)
    run_engine(warm)
    engine_point(warm, 2000)
    print()
    print(
        f"{'rows':>11} {'(a) point':>10} {'rows/s':>12} {'(b) full':>10} {'rows/s':>12} "
        f"{'encode':>8} {'count':>8} {'finalize':>9} {'hash':>7} {'peak RSS':>10}"
    )
    previous = None
    for n in sorted(sizes):
        data = generate(n)
        result = run_engine(data)
        print(
            f"{n:>11,} {result['point']:>9.3f}s {n / result['point']:>12,.0f} "
            f"{result['full']:>9.3f}s {n / result['full']:>12,.0f} {result['encode']:>7.3f}s "
            f"{result['count']:>7.3f}s {result['finalize']:>8.3f}s {result['hash']:>6.3f}s "
            f"{gb(result['peak']):>10}"
        )
        previous = (n, result)
        if not args.no_fairlearn and n == min(sizes):
            rows = min(fair_rows, n)
            inputs = reference_inputs(data, rows)
            ours_time, ours = engine_point(data, rows)
            start = time.perf_counter()
            theirs = _fairlearn(**inputs, views=views(), labels=LABELS, flagged=FLAGGED)
            fair_time = time.perf_counter() - start
            diff, compared = _compare(ours, theirs)
            fair_line = (
                f"fairlearn MetricFrame, {rows:,} rows, 6-class point metrics: {fair_time:.2f} s; "
                f"engine {ours_time:.4f} s; {fair_time / ours_time:,.0f}x faster; "
                f"max abs diff {diff:.3g} over {compared:,} values"
            )
            print("   " + fair_line)
        if not args.no_aif360 and n == max(s for s in sizes if s <= max(aif_rows, min(sizes))):
            rows = min(aif_rows, n)
            inputs = reference_inputs(data, rows)
            ours_time, ours = engine_point(data, rows)
            start = time.perf_counter()
            theirs = _aif360(**inputs, views=views(), flagged=FLAGGED)
            aif_time = time.perf_counter() - start
            diff, compared = _compare(ours, theirs)
            print(
                f"   aif360 ClassificationMetric, {rows:,} rows, flagged view: {aif_time:.2f} s; "
                f"engine {ours_time:.4f} s; {aif_time / ours_time:,.0f}x faster; "
                f"max abs diff {diff:.3g} over {compared:,} values"
            )
        del data
        gc.collect()
    if previous:
        print(
            f"\nlast result: {previous[1]['disparities']} disparity rows, "
            f"{previous[1]['findings']} findings, sha256 {previous[1]['digest'][:16]}..."
        )


if __name__ == "__main__":
    main()
