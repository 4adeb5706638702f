"""A finished audit built by hand: two attributes and their intersection, a suppressed group, a
flagged disparity, an undefined ratio, explainability present (and a variant without it).

Counts are chosen so the figures are hand-computable: scots 160 anger of 800 = 0.20, standard
318 of 3,180 = 0.10, so the dialect anger ratio is 0.10 / 0.20 = 0.50 (flagged at 0.8).
"""

import math
from statistics import NormalDist

CONFIDENCE = 0.95
MIN_GROUP_SIZE = 30
THRESHOLD = 0.8
RESULT_SHA = "a" * 8 + "1f2e3d4c5b6a79881726354453627180a9b8c7d6e5f40312" + "b" * 8
INPUT_SHA = "c" * 8 + "0123456789abcdef0123456789abcdef0123456789abcdef" + "d" * 8
FILE_SHA = "e" * 64
SCOTS_FINDING = (
    "The model labels messages from customers writing in scots as anger 2.0 times as often as "
    "those writing in standard English (95% CI 1.62-2.41)."
)
SCREENING_CLAUSE = "EU AI Act Annex III 1(c)"

# group -> n, anger predicted, anger true, anger true positives, joy predicted, correct
DIALECT = {
    "scots": (800, 160, 150, 120, 240, 600),
    "standard": (3180, 318, 330, 280, 1000, 2600),
    "(missing)": (20, 4, 3, 2, 6, 15),
}
AGE_BAND = {
    "18-34": (1500, 150, 150, 150, 500, 1200),
    "35-64": (2000, 240, 240, 240, 600, 1500),
    "65+": (500, 85, 85, 85, 146, 380),
}
INTERSECTION = {
    "scots&18-34": (300, 60, 55, 45, 90, 225),
    "scots&35-64": (400, 80, 75, 60, 120, 300),
    "scots&65+": (100, 20, 20, 15, 30, 75),
    "standard&18-34": (1190, 119, 120, 100, 380, 980),
    "standard&35-64": (1590, 159, 165, 140, 500, 1300),
    "standard&65+": (400, 40, 45, 40, 120, 320),
    "(missing)&18-34": (10, 2, 2, 1, 3, 8),
    "(missing)&35-64": (10, 2, 1, 1, 3, 7),
}
N = 4000


def wilson(successes: int, total: int) -> tuple[float | None, float | None]:
    if total == 0:
        return None, None
    z = NormalDist().inv_cdf(1 - (1 - CONFIDENCE) / 2)
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return centre - half, centre + half


def rate(attribute, group, label, metric, successes, total, *, suppressed):
    if suppressed or total == 0:
        value, low, high = None, None, None
    else:
        value = successes / total
        low, high = wilson(successes, total)
    return {
        "attribute": attribute,
        "group": group,
        "label": label,
        "metric": metric,
        "value": value,
        "ci_low": low,
        "ci_high": high,
        "n": total,
    }


def group_rows(attribute: str, spec: dict) -> tuple[list, list]:
    groups, metrics = [], []
    for group, (n, anger, anger_true, tp, joy, correct) in spec.items():
        suppressed = n < MIN_GROUP_SIZE
        groups.append(
            {
                "attribute": attribute,
                "group": group,
                "n": n,
                "share": round(n / N, 4),
                "suppressed": suppressed,
            }
        )
        for label in ("anger", "flagged"):
            metrics += [
                rate(attribute, group, label, "selection_rate", anger, n, suppressed=suppressed),
                rate(
                    attribute,
                    group,
                    label,
                    "true_positive_rate",
                    tp,
                    anger_true,
                    suppressed=suppressed,
                ),
                rate(
                    attribute,
                    group,
                    label,
                    "false_positive_rate",
                    anger - tp,
                    n - anger_true,
                    suppressed=suppressed,
                ),
                rate(
                    attribute,
                    group,
                    label,
                    "false_negative_rate",
                    anger_true - tp,
                    anger_true,
                    suppressed=suppressed,
                ),
                rate(attribute, group, label, "precision", tp, anger, suppressed=suppressed),
            ]
        metrics += [
            rate(attribute, group, "joy", "selection_rate", joy, n, suppressed=suppressed),
            rate(
                attribute,
                group,
                "neutral",
                "selection_rate",
                n - anger - joy,
                n,
                suppressed=suppressed,
            ),
            rate(attribute, group, None, "accuracy", correct, n, suppressed=suppressed),
        ]
    return groups, metrics


def disparity(attribute, label, metric, kind, value, low, high, lowest, highest, *, significant):
    if value is None:
        flagged = False
    elif kind == "ratio":
        flagged = value < THRESHOLD
    else:
        flagged = value > 1 - THRESHOLD
    return {
        "attribute": attribute,
        "label": label,
        "metric": metric,
        "kind": kind,
        "value": value,
        "group": lowest,
        "reference_group": highest,
        "ci_low": low,
        "ci_high": high,
        "threshold": THRESHOLD,
        "flagged": flagged,
        "significant": significant,
    }


def build_results(*, scots: str = "scots") -> dict:
    """The results dict; ``scots`` renames that dialect group everywhere (escaping tests)."""
    dialect = {scots if name == "scots" else name: row for name, row in DIALECT.items()}
    intersection = {name.replace("scots&", f"{scots}&"): row for name, row in INTERSECTION.items()}
    groups, metrics = [], []
    for attribute, spec in (
        ("dialect", dialect),
        ("age_band", AGE_BAND),
        ("dialect&age_band", intersection),
    ):
        more_groups, more_metrics = group_rows(attribute, spec)
        groups += more_groups
        metrics += more_metrics
    disparities = [
        # 0.10 / 0.20 = 0.50 and 0.20 - 0.10 = 0.10
        disparity(
            "dialect",
            "anger",
            "selection_rate",
            "ratio",
            0.5,
            0.41,
            0.62,
            "standard",
            scots,
            significant=True,
        ),
        disparity(
            "dialect",
            "anger",
            "selection_rate",
            "difference",
            0.1,
            0.07,
            0.13,
            "standard",
            scots,
            significant=True,
        ),
        disparity(
            "dialect",
            "flagged",
            "selection_rate",
            "ratio",
            0.5,
            0.41,
            0.62,
            "standard",
            scots,
            significant=True,
        ),
        disparity(
            "dialect",
            "joy",
            "selection_rate",
            "ratio",
            0.8434,
            0.76,
            0.93,
            "standard",
            scots,
            significant=True,
        ),
        # 0.10 / 0.17 = 0.588
        disparity(
            "age_band",
            "anger",
            "selection_rate",
            "ratio",
            0.5882,
            0.47,
            0.73,
            "18-34",
            "65+",
            significant=True,
        ),
        disparity(
            "age_band",
            "anger",
            "selection_rate",
            "difference",
            0.07,
            0.03,
            0.11,
            "18-34",
            "65+",
            significant=True,
        ),
        # every age band has FPR 0 for anger: 0 / 0 is undefined, never a pass
        disparity(
            "age_band",
            "anger",
            "false_positive_rate",
            "ratio",
            None,
            None,
            None,
            None,
            None,
            significant=None,
        ),
        disparity(
            "dialect&age_band",
            "anger",
            "selection_rate",
            "ratio",
            0.5,
            0.38,
            0.66,
            "standard&18-34",
            f"{scots}&18-34",
            significant=True,
        ),
    ]
    findings = [
        {
            "severity": "info",
            "title": "Too few rows to judge one group",
            "text": "Only 20 messages have no dialect recorded (fewer than 30): insufficient data.",
            "clauses": [],
            "verdict": "insufficient_data",
        },
        {
            "severity": "high",
            "title": f"Customers writing in {scots} are labelled angry twice as often",
            "text": SCOTS_FINDING.replace("scots", scots),
            "clauses": ["29 CFR 1607.4(D)", "EU AI Act Art. 10(2)(f)"],
            "attribute": "dialect",
            "label": "anger",
            "metric": "selection_rate",
            "value": 0.5,
            "ci_low": 0.41,
            "ci_high": 0.62,
            "verdict": "flag",
        },
        {
            "severity": "medium",
            "title": "Older customers are labelled angry more often",
            "text": "Customers aged 65+ are labelled as anger 1.7 times as often as those aged 18-34 (95% CI 1.37-2.13).",
            "clauses": ["29 CFR 1607.4(D)"],
            "verdict": "flag",
        },
    ]
    explainability = {
        "surrogate": {
            "model": "HistGradientBoostingClassifier",
            "fidelity": 0.912,
            "n_fit": 3000,
            "n_holdout": 1000,
        },
        "importance": [
            {"feature": "message_length", "mean_abs_shap": 0.12},
            {"feature": "channel", "mean_abs_shap": 0.31},
            {"feature": "hour", "mean_abs_shap": 0.0204},
        ],
        "proxies": [
            {
                "feature": "channel",
                "attribute": "dialect",
                "association": 0.41,
                "measure": "cramers_v",
            }
        ],
        "findings": [
            {
                "severity": "medium",
                "title": "Channel stands in for dialect",
                "text": "The model's output depends strongly on 'channel', which closely tracks dialect (Cramer's V 0.41).",
                "clauses": ["EU AI Act Art. 10(2)(f)", "GDPR Art. 9"],
                "verdict": "flag",
            }
        ],
    }
    return {
        "n": N,
        "labels": ["anger", "joy", "neutral"],
        "has_ground_truth": True,
        "excluded_rows": {"no_consent": 12},
        "groups": groups,
        "metrics": metrics,
        "disparities": disparities,
        "findings": findings,
        "explainability": explainability,
        "crosscheck": {
            "fairlearn": {"max_abs_diff": 0.0, "compared": 120, "rows": N},
            "aif360": {"max_abs_diff": 1.1e-16, "compared": 24, "rows": N},
        },
    }


def build_inputs(results: dict, **overrides) -> dict:
    inputs = {
        "run": {
            "id": "5d0c8a7e-1b2f-4c3d-9e8f-0a1b2c3d4e5f",
            "status": "done",
            "config": {
                "sensitive": ["dialect", "age_band"],
                "intersections": True,
                "min_group_size": MIN_GROUP_SIZE,
                "threshold": THRESHOLD,
                "bootstrap": 1000,
                "confidence": CONFIDENCE,
                "explain": True,
                "seed": 0,
            },
            "engine_version": "attune-engine 0.1.0",
            "input_sha256": INPUT_SHA,
            "result_sha256": RESULT_SHA,
            "created_at": "2026-03-12T14:05:09+01:00",
            "finished_at": "2026-03-12T14:05:11+01:00",
        },
        "results": results,
        "system": {
            "name": "Ticket mood triage",
            "purpose": "Route angry customer messages to a senior agent",
            "modality": "text",
            "subjects": "customers",
            "context": "customer_service",
            "screening": {
                "category": "high_risk",
                "duties": [
                    "Inform exposed persons (Art. 50(3))",
                    "Carry out a DPIA (GDPR Art. 35)",
                ],
                "reasons": [
                    {
                        "clause": SCREENING_CLAUSE,
                        "text": "Emotion recognition from voice of customers is high-risk.",
                    }
                ],
            },
        },
        "version": {
            "version": "2.1.0",
            "labels": ["anger", "joy", "neutral"],
            "flagged_labels": ["anger"],
            "description": "Fine-tuned on support tickets",
        },
        "vendor": {"name": "Acme Emotion Ltd"},
        "organization": {"name": "Bramble & Thistle Teas"},
        "batch": {
            "id": "0b6f0d2e-7a44-4d0e-8a5e-4f4c1a0e9d11",
            "row_count": N + 12,
            "sha256": FILE_SHA,
            "sensitive": ["dialect", "age_band"],
            "features": ["message_length", "channel", "hour"],
            "labels_seen": ["anger", "joy", "neutral"],
            "excluded_rows": {},
            "created_at": "2026-03-12T13:59:00Z",
            "format": "csv",
        },
    }
    for key, value in overrides.items():
        inputs[key] = value
    return inputs
