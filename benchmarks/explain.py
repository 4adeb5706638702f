"""Explanations cost the same at any batch size: sample first, then fit and explain the sample.

Target (DESIGN.md section 7): at most 5 s per batch of 100,000, 1,000,000 and (``--big``)
10,000,000 rows, fitting on at most 50,000 rows and computing SHAP values for at most 10,000.
Prints seconds per phase, SHAP rows/s (rows explained in both views, labels and flagged, per
second), the sample sizes and the surrogate's fidelity, and beside them the reference:
``shap.TreeExplainer`` on a default ``HistGradientBoostingClassifier`` fitted on the same sample
size, and what SHAP over the whole batch would cost at that rate.

    .venv/bin/python benchmarks/explain.py            # 100,000 and 1,000,000 rows
    .venv/bin/python benchmarks/explain.py --big      # and 10,000,000 rows (1.7 GB peak)
    .venv/bin/python benchmarks/explain.py --quick    # 100,000 rows, smaller reference
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from audits.engine.explain import _tree_explainer, explain

TARGET_SECONDS = 5.0
FIT_SAMPLE = 50_000
SHAP_SAMPLE = 10_000
LABELS = ["anger", "joy", "sadness", "fear", "surprise", "neutral"]
FLAGGED = ["anger", "fear"]
AGE_BANDS = np.array(["18-29", "30-44", "45-64", "65+"], dtype=object)
GENDERS = np.array(["female", "male", "nonbinary", None], dtype=object)
CHANNELS = np.array(["app", "web", "email", "phone", "store"], dtype=object)
REGIONS = np.array([f"region-{i:02d}" for i in range(20)], dtype=object)
PRODUCTS = np.array([f"product-{i:02d}" for i in range(12)], dtype=object)


def shop(n: int, seed: int = 0) -> dict:
    """A shop's batch: 'channel' follows the age band 70% of the time and drives anger."""
    rng = np.random.default_rng(seed)
    age = rng.integers(0, 4, n)
    channel = np.where(rng.random(n) < 0.7, age + 1, rng.integers(0, 5, n))
    region = rng.integers(0, 20, n)
    length = rng.gamma(2.0, 60.0, n)
    length[rng.random(n) < 0.03] = np.nan
    hour = rng.integers(0, 24, n)
    scores = rng.gumbel(size=(n, len(LABELS))) * 0.5
    scores[:, 0] += 1.5 * (channel == 4)  # anger on the phone
    scores[:, 1] += 0.01 * length.clip(0, 300) * (region % 3 == 0)
    scores[:, 2] += 0.8 * (hour >= 20)
    scores[:, 5] += 0.6
    return {
        "features": {
            "channel": CHANNELS[channel],
            "region": REGIONS[region],
            "product": PRODUCTS[rng.integers(0, 12, n)],
            "message_length": length,
            "hour": hour,
        },
        "predictions": np.array(LABELS, dtype=object)[scores.argmax(axis=1)],
        "labels": LABELS,
        "sensitive": {"age_band": AGE_BANDS[age], "gender": GENDERS[rng.integers(0, 4, n)]},
    }


def reference(data: dict, rows: int) -> tuple[float, float]:
    """SHAP rows/s of a default HistGradientBoostingClassifier fitted on the same sample size."""
    features = data["features"]
    matrix = np.column_stack(
        [
            np.unique(v[:FIT_SAMPLE].astype(str), return_inverse=True)[1]
            if v.dtype == object
            else v[:FIT_SAMPLE]
            for v in features.values()
        ]
    ).astype(np.float64)
    model = HistGradientBoostingClassifier(early_stopping=False, random_state=0)
    model.fit(matrix, data["predictions"][:FIT_SAMPLE])
    clock = time.perf_counter()
    _tree_explainer()(model).shap_values(matrix[:rows])
    elapsed = time.perf_counter() - clock
    return rows / elapsed, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also 10,000,000 rows")
    parser.add_argument("--quick", action="store_true", help="100,000 rows only")
    args = parser.parse_args()
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    if args.big and not args.quick:
        sizes.append(10_000_000)

    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    clock = time.perf_counter()
    explain(**shop(1_000), flagged_labels=FLAGGED)  # imports shap once (about 2 s), untimed
    print(f"warm-up (shap import): {time.perf_counter() - clock:.2f} s\n")
    header = (
        f"{'rows':>11} {'total s':>8} {'valid.':>7} {'sampling':>8} {'proxies':>8} "
        f"{'fit':>6} {'shap':>6} {'shap rows/s':>11} {'n_fit':>6} {'n_hold':>6} "
        f"{'n_shap':>6} {'fidelity':>8} {'flagged':>8}  sampling / target"
    )
    print(header)
    outcomes = []
    for n in sizes:
        data = shop(n)
        clock = time.perf_counter()
        result = explain(
            **data,
            seed=0,
            fit_sample=FIT_SAMPLE,
            shap_sample=SHAP_SAMPLE,
            flagged_labels=FLAGGED,
        )
        total = time.perf_counter() - clock
        s, surrogate = result.seconds, result.labels.surrogate
        explained = surrogate.n_shap * (2 if result.flagged else 1)
        ok = total <= TARGET_SECONDS
        outcomes.append(ok)
        print(
            f"{n:>11,} {total:>8.2f} {s['validation']:>7.2f} {s['sampling']:>8.2f} "
            f"{s['proxies']:>8.2f} {s['fit']:>6.2f} {s['shap']:>6.2f} "
            f"{explained / s['shap']:>11,.0f} {surrogate.n_fit:>6} {surrogate.n_holdout:>6} "
            f"{surrogate.n_shap:>6} {surrogate.fidelity:>8.3f} "
            f"{result.flagged.surrogate.fidelity:>8.3f}  {surrogate.sampling} / "
            f"{'ok' if ok else 'OVER'} (<= {TARGET_SECONDS:.0f} s)"
        )
        top = ", ".join(f"{i.feature} {i.mean_abs_shap:.3f}" for i in result.labels.importance)
        proxies = ", ".join(
            f"{p.feature}~{p.attribute} {p.association:.2f}"
            for p in result.proxies[:3]
            if p.association is not None
        )
        print(f"{'':>11} mean |SHAP|: {top}; strongest associations: {proxies}")
        print(f"{'':>11} findings: {[(f.severity, f.title) for f in result.findings]}")
        del data

    rows = 500 if args.quick else 2_000
    rate, elapsed = reference(shop(FIT_SAMPLE), rows)
    print(
        f"\nreference: shap.TreeExplainer on a default HistGradientBoostingClassifier "
        f"(100 iterations, 31 leaves, 6 labels) fitted on {FIT_SAMPLE:,} rows: "
        f"{rate:,.0f} rows/s ({rows:,} rows in {elapsed:.2f} s)"
    )
    for n in sizes:
        print(f"  SHAP over all {n:>11,} rows at that rate: {n / rate:>10,.0f} s")
    print("DESIGN.md reference: SHAP TreeExplainer about 6,000 rows/s on one core")
    print(f"\nall sizes within {TARGET_SECONDS:.0f} s: {all(outcomes)}")


if __name__ == "__main__":
    main()
