"""Plain-language findings: what an owner reads first, most severe first.

Verdicts are honest: `flag` only when the ratio is below the threshold and its interval excludes
equal rates; `pass` only when the whole interval is at or above the threshold; everything else
(undefined ratios, suppressed or single groups, intervals too wide to say) is
`insufficient_data`. Severity: `high` for a flag that survives the Holm adjustment, `medium` for
a flag that does not, or for a rate below the line that could be chance, `low` for a pass that
the data cannot confirm, `info` for context.
"""

from __future__ import annotations

from fractions import Fraction

from .config import FLAGGED, MISSING, AuditConfig
from .disparities import RATIO, UNDEFINED_RATES, ZERO_RATES
from .metrics import (
    ACCURACY,
    FALSE_POSITIVE_RATE,
    SELECTION_RATE,
    SINGLE,
    TRUE_POSITIVE_RATE,
    View,
)

FOUR_FIFTHS = "29 CFR 1607.4(D)"
BIAS_EXAMINATION = "EU AI Act Art. 10(2)(f)"
GROUP_PERFORMANCE = "EU AI Act Art. 13(3)(b)(v)"

HIGH, MEDIUM, LOW, INFO = "high", "medium", "low", "info"
FLAG, PASS, INSUFFICIENT = "flag", "pass", "insufficient_data"
_RANK = {HIGH: 0, MEDIUM: 1, LOW: 2, INFO: 3}

METRIC_NAMES = {
    SELECTION_RATE: "selection rate",
    TRUE_POSITIVE_RATE: "true positive rate",
    FALSE_POSITIVE_RATE: "false positive rate",
    ACCURACY: "accuracy",
}
METRIC_WORDS = {
    SELECTION_RATE: "how often rows get the label (selection rate)",
    TRUE_POSITIVE_RATE: "how often the true label is found (true positive rate)",
    FALSE_POSITIVE_RATE: "how often the label is given wrongly (false positive rate)",
    ACCURACY: "accuracy per group",
}


def significance_level(config: AuditConfig) -> float:
    """1 - confidence, exactly as written (0.05, not 0.050000000000000044)."""
    return float(1 - Fraction(repr(config.confidence)))


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _num(value: float) -> str:
    return f"{value:.2f}"


class _Words:
    """Names of groups and labels as the owner will read them."""

    def __init__(self, views: list[View], config: AuditConfig) -> None:
        self.config = config
        self.groups: dict[tuple[str, str], str] = {}
        for view in views:
            for group, values in zip(view.groups, view.values, strict=True):
                parts = [f"{c} {v}" for c, v in zip(view.columns, values, strict=True)]
                self.groups[(view.attribute, group)] = " and ".join(parts)

    def group(self, attribute: str, group: str) -> str:
        return self.groups[(attribute, group)]

    def label(self, label: str) -> str:
        if label == FLAGGED:
            return f"flagged ({' or '.join(self.config.flagged_labels)})"
        return label

    def given(self, label: str) -> str:
        """The verb phrase of getting a label: 'labelled anger' or 'flagged (anger or fear)'."""
        return self.label(label) if label == FLAGGED else f"labelled {label}"


def _times(ratio_row: dict, *, config: AuditConfig) -> tuple[str, str]:
    """'1.70' and '(95% CI 1.40-2.10)': how many times as often the higher group is affected,
    the inverse of the ratio lowest / highest and of its interval."""
    value, low, high = ratio_row["value"], ratio_row["ci_low"], ratio_row["ci_high"]
    times = _num(1 / value) if value else "infinitely many"
    level = f"{100 * config.confidence:g}% CI"
    if low is None or high is None:
        return (
            times,
            "(no interval computed)" if config.bootstrap == 0 else "(no interval: too little data)",
        )
    if high <= 0:
        return times, f"({level} unbounded)"
    if low <= 0:
        return times, f"({level} {_num(1 / high)} or more)"
    return times, f"({level} {_num(1 / high)}-{_num(1 / low)})"


def verdict(row: dict, *, config: AuditConfig) -> tuple[str, str]:
    """(verdict, severity) of one defined ratio row (or accuracy ratio row)."""
    alpha = significance_level(config)
    if row["ci_low"] is None or row["ci_high"] is None:
        if config.bootstrap == 0 and row["p_value"] is not None:  # no intervals asked for
            if not row["flagged"]:
                return PASS, INFO
            if row["p_value"] < alpha:
                return FLAG, HIGH if row["significant_holm"] else MEDIUM
            return INSUFFICIENT, MEDIUM
        return INSUFFICIENT, MEDIUM if row["flagged"] else LOW
    if row["flagged"]:
        if row["significant"]:
            return FLAG, HIGH if row["significant_holm"] else MEDIUM
        return INSUFFICIENT, MEDIUM
    if row["ci_low"] >= config.threshold:
        return PASS, INFO
    return INSUFFICIENT, LOW


def _closing(row: dict, result: str, severity: str, *, config: AuditConfig, family: int) -> str:
    level = f"{100 * config.confidence:g}%"
    if row["ci_low"] is None and config.bootstrap == 0 and row["p_value"] is not None:
        test = f"a two-proportion test gives p = {row['p_value']:.2g}"
        if result == FLAG and severity == HIGH:
            return f"Without intervals (bootstrap off), {test}: chance is an unlikely explanation."
        if result == FLAG:
            return (
                f"Without intervals (bootstrap off), {test}, but allowing for the {family} "
                "comparisons in this audit (Holm) it could still be chance."
            )
        return f"Without intervals (bootstrap off), {test}: this could be chance."
    if result == FLAG and severity == HIGH:
        return f"The {level} interval excludes equal rates, so chance is an unlikely explanation."
    if result == FLAG:
        return (
            f"The {level} interval excludes equal rates, but allowing for the {family} comparisons "
            "in this audit (Holm) it could still be chance. Check it with more data."
        )
    if row["ci_low"] is None:
        return (
            "There is too little data in these groups for an interval, so no conclusion is drawn."
        )
    if row["flagged"]:
        return (
            f"But the {level} interval includes equal rates: this data cannot tell a real "
            "difference from chance. More rows for these groups would settle it."
        )
    if result == INSUFFICIENT:
        return (
            f"That is above the line, but the {level} interval reaches down to "
            f"{_num(row['ci_low'])}, so the data cannot rule out a problem."
        )
    return f"The whole {level} interval is at or above the line."


def _rate_finding(row: dict, words: _Words, *, config: AuditConfig, family: int) -> dict:
    result, severity = verdict(row, config=config)
    low = words.group(row["attribute"], row["group"])
    high = words.group(row["attribute"], row["reference_group"])
    label, metric = row["label"], row["metric"]
    times, interval = _times(row, config=config)
    ratio_ci = ""
    if metric in (TRUE_POSITIVE_RATE, ACCURACY) and row["ci_low"] is not None:
        level = f"{100 * config.confidence:g}% CI"
        ratio_ci = f" ({level} {_num(row['ci_low'])}-{_num(row['ci_high'])})"
    line = (
        f"The lower rate is {_num(row['value'])} of the higher one{ratio_ci}, "
        f"{'below' if row['flagged'] else 'at or above'} the line of {config.threshold:g}"
    )
    clauses = [BIAS_EXAMINATION]
    never = not row["value"]  # the lower group's rate is 0: no finite "times as often"
    if metric == SELECTION_RATE and never:
        title = f"{high} is {words.given(label)}, {low} never is"
        text = (
            f"Rows with {high} are {words.given(label)} {_pct(row['reference_value'])} of the "
            f"time; rows with {low} never are ({_pct(row['group_value'])}). "
            f"{line} (the four-fifths rule of {FOUR_FIFTHS})."
        )
        clauses = [FOUR_FIFTHS, BIAS_EXAMINATION]
    elif metric == SELECTION_RATE:
        title = f"{high} is {words.given(label)} {times} times as often as {low}"
        text = (
            f"Rows with {high} are {words.given(label)} {times} times as often as rows with {low} "
            f"{interval}: {_pct(row['reference_value'])} against {_pct(row['group_value'])}. "
            f"{line} (the four-fifths rule of {FOUR_FIFTHS})."
        )
        clauses = [FOUR_FIFTHS, BIAS_EXAMINATION]
    elif metric == FALSE_POSITIVE_RATE and never:
        title = f"{high} is wrongly {words.given(label)}, {low} never is"
        text = (
            f"Among rows that should not be {words.given(label)}, the model still does so for "
            f"{_pct(row['reference_value'])} of rows with {high} and for none with {low} "
            f"({_pct(row['group_value'])}). {line}."
        )
        clauses = [BIAS_EXAMINATION, GROUP_PERFORMANCE]
    elif metric == TRUE_POSITIVE_RATE:
        title = f"{words.label(label)} is recognised less often for {low} than for {high}"
        text = (
            f"When {words.label(label)} is the true answer, the model gets it for "
            f"{_pct(row['reference_value'])} of rows with {high} but only "
            f"{_pct(row['group_value'])} with {low}. {line}."
        )
        clauses = [BIAS_EXAMINATION, GROUP_PERFORMANCE]
    elif metric == FALSE_POSITIVE_RATE:
        title = f"{high} is wrongly {words.given(label)} {times} times as often as {low}"
        text = (
            f"Among rows that should not be {words.given(label)}, the model still does so for "
            f"{_pct(row['reference_value'])} of rows with {high} against "
            f"{_pct(row['group_value'])} with {low}: {times} times as often {interval}. {line}."
        )
        clauses = [BIAS_EXAMINATION, GROUP_PERFORMANCE]
    else:
        title = f"The model is less accurate for {low} than for {high}"
        text = (
            f"The model's label is right for {_pct(row['reference_value'])} of rows with {high} "
            f"but for {_pct(row['group_value'])} with {low}. {line}. Accuracy for specific "
            f"groups belongs in the instructions for use ({GROUP_PERFORMANCE})."
        )
        clauses = [GROUP_PERFORMANCE, BIAS_EXAMINATION]
    if result == INSUFFICIENT and row["flagged"]:
        title = f"Possibly: {title[0].lower()}{title[1:]} (not conclusive)"
    elif result == INSUFFICIENT:
        title = (
            f"Cannot confirm that {METRIC_NAMES[metric]}"
            f"{'' if label is None else ' for ' + words.label(label)} is similar across "
            f"{row['attribute']}"
        )
    text += " " + _closing(row, result, severity, config=config, family=family)
    return _finding(
        severity, title, text, clauses, row=row, result=result, label=label, metric=metric
    )


def _finding(
    severity: str,
    title: str,
    text: str,
    clauses: list[str],
    *,
    result: str,
    row: dict | None = None,
    attribute: str | None = None,
    label: str | None = None,
    metric: str | None = None,
) -> dict:
    return {
        "severity": severity,
        "title": title,
        "text": text,
        "clauses": clauses,
        "attribute": row["attribute"] if row else attribute,
        "label": label,
        "metric": metric,
        "value": row["value"] if row else None,
        "ci_low": row["ci_low"] if row else None,
        "ci_high": row["ci_high"] if row else None,
        "verdict": result,
        "group": row["group"] if row else None,
        "reference_group": row["reference_group"] if row else None,
    }


def _view_findings(views: list[View], config: AuditConfig) -> list[dict]:
    found = []
    for view in views:
        n = view.n.tolist()
        if view.kind == SINGLE and len(view.groups) == 1:
            text = (
                f"Every row has the same {view.attribute} ({view.groups[0]}), so the model "
                f"cannot be compared across {view.attribute} groups with this data."
            )
            found.append(
                _finding(
                    MEDIUM,
                    f"Only one {view.attribute} group in the data",
                    text,
                    [BIAS_EXAMINATION],
                    result=INSUFFICIENT,
                    attribute=view.attribute,
                )
            )
            continue
        hidden = [g for g, s in enumerate(view.suppressed.tolist()) if s]
        if hidden:
            remaining = len(view.groups) - len(hidden)
            listed = ", ".join(f"{view.groups[g]}: {n[g]} rows" for g in hidden[:5])
            more = f" and {len(hidden) - 5} more" if len(hidden) > 5 else ""
            text = (
                f"{len(hidden)} of {len(view.groups)} {view.attribute} groups have fewer than "
                f"{config.min_group_size} rows ({listed}{more}). Their counts are reported, but "
                "their rates are withheld and they take no part in the comparisons."
            )
            if remaining < 2:
                text += f" That leaves too few groups to compare {view.attribute} at all."
            found.append(
                _finding(
                    MEDIUM if remaining < 2 else LOW,
                    f"Too few rows to report some {view.attribute} groups",
                    text,
                    [BIAS_EXAMINATION],
                    result=INSUFFICIENT,
                    attribute=view.attribute,
                )
            )
        if view.kind == SINGLE and MISSING in view.groups:
            g = view.groups.index(MISSING)
            total = sum(n)
            text = (
                f"{n[g]} rows ({_pct(n[g] / total)}) have no {view.attribute} value. They are "
                f"reported as the group {MISSING} rather than dropped."
            )
            found.append(
                _finding(
                    INFO,
                    f"Missing {view.attribute} values",
                    text,
                    [BIAS_EXAMINATION],
                    result=INSUFFICIENT,
                    attribute=view.attribute,
                )
            )
    return found


def _undefined_findings(rows: list[dict], words: _Words) -> list[dict]:
    """One finding per (label, metric, reason) whose ratio is undefined for data reasons."""
    grouped: dict[tuple, list[str]] = {}
    for row in rows:
        if row["value"] is None and row["reason"] in (UNDEFINED_RATES, ZERO_RATES):
            grouped.setdefault((row["label"], row["metric"], row["reason"]), []).append(
                row["attribute"]
            )
    found = []
    for (label, metric, reason), attributes in grouped.items():
        where = ", ".join(attributes)
        name = words.label(label) if label else "accuracy"
        if reason == ZERO_RATES:
            title = f"No comparison possible for {name} ({METRIC_NAMES[metric]}): zero everywhere"
            text = (
                f"For {where}, every group compared has a {METRIC_NAMES[metric]} of 0 for "
                f"{name}, so the ratio is 0/0 and undefined. That is not a pass: the data shows "
                "nothing either way."
            )
        else:
            title = f"No comparison possible for {name} ({METRIC_NAMES[metric]})"
            text = (
                f"For {where}, fewer than two groups have rows that define the "
                f"{METRIC_NAMES[metric]} for {name} (for example no row whose true label is "
                f"{name}), so it cannot be compared."
            )
        found.append(
            _finding(
                LOW,
                title,
                text,
                [BIAS_EXAMINATION],
                result=INSUFFICIENT,
                label=label,
                metric=metric,
            )
        )
    return found


def _summary(
    *, n: int, views: list[View], config: AuditConfig, has_truth: bool, tally: dict[str, int]
) -> dict:
    singles = [v.attribute for v in views if v.kind == SINGLE]
    combined = [v.attribute for v in views if v.kind != SINGLE]
    labels = ", ".join(config.labels)
    checked = [METRIC_WORDS[SELECTION_RATE]]
    if has_truth:
        checked += [METRIC_WORDS[m] for m in (TRUE_POSITIVE_RATE, FALSE_POSITIVE_RATE, ACCURACY)]
    text = f"Checked {n} rows by {', '.join(singles)}"
    text += f" and their combinations ({', '.join(combined)})" if combined else ""
    text += f", for the labels {labels}"
    text += (
        f" and the flagged view ({' or '.join(config.flagged_labels)})"
        if config.flagged_labels
        else ""
    )
    text += f": {'; '.join(checked)}. "
    text += (
        f"{tally[FLAG]} comparisons fall below the line of {config.threshold:g} with an interval "
        f"that excludes equal rates; {tally[INSUFFICIENT]} cannot be decided from this data; "
        f"{tally[PASS]} pass."
    )
    if not tally[FLAG]:
        text += " Nothing was flagged."
    if not has_truth:
        text += " The batch has no true labels, so error rates and accuracy were not checked."
    result = FLAG if tally[FLAG] else INSUFFICIENT if tally[INSUFFICIENT] else PASS
    clauses = [FOUR_FIFTHS, BIAS_EXAMINATION] + ([GROUP_PERFORMANCE] if has_truth else [])
    return _finding(INFO, "What was checked", text, clauses, result=result)


def build(
    *,
    n: int,
    views: list[View],
    disparities: list[dict],
    accuracy: list[dict],
    holm: dict,
    config: AuditConfig,
    has_truth: bool,
) -> list[dict]:
    """The findings, most severe first (then lowest ratio first)."""
    words = _Words(views, config)
    family = holm["family_size"]
    tally = {FLAG: 0, PASS: 0, INSUFFICIENT: 0}
    found = []
    ratios = [row for row in disparities + accuracy if row["kind"] == RATIO]
    for row in ratios:
        if row["value"] is None:
            tally[INSUFFICIENT] += 1
            continue
        result, _ = verdict(row, config=config)
        tally[result] += 1
        if result != PASS:
            found.append(_rate_finding(row, words, config=config, family=family))
    found += _undefined_findings(ratios, words)
    found += _view_findings(views, config)
    found.sort(key=lambda f: (_RANK[f["severity"]], f["value"] if f["value"] is not None else 2.0))
    summary = _summary(n=n, views=views, config=config, has_truth=has_truth, tally=tally)
    first_info = next((i for i, f in enumerate(found) if f["severity"] == INFO), len(found))
    found.insert(first_info, summary)
    return found
