"""The fixed prose of a report: method notes, limits of emotion recognition, what is not recorded.

Figures that depend on the run (confidence, resamples, minimum group size, threshold) are passed
in already formatted; nothing here invents a value the run did not record.
"""

FOUR_FIFTHS_CLAUSE = "29 CFR 1607.4(D)"
LL144_CLAUSE = "6 RCNY 5-301"


def method_notes(
    *,
    confidence: str,
    bootstrap: str,
    seed: str,
    min_group_size: str,
    threshold: str,
    difference_threshold: str,
    flagged_labels: str,
) -> list[dict[str, str]]:
    """Plain-language notes on how every figure in the report was computed."""
    return [
        {
            "title": "What was measured",
            "text": (
                "Selection rate: the share of a group's items that the model gave a label. "
                "True positive rate: of the items whose true label is that label, the share the "
                "model also gave it. False positive rate: of the items whose true label is "
                "something else, the share the model gave that label anyway. False negative rate: "
                "of the items whose true label is that label, the share the model missed. "
                "Precision: of the items the model gave a label, the share whose true label agrees. "
                "Accuracy: the share of a group's items where the model's label equals the true "
                "label. Rates that need true labels appear only when the batch supplied them. "
                f'The "flagged" view treats any of the flagged labels ({flagged_labels}) as one '
                "outcome: these are the labels that trigger an action on a person."
            ),
        },
        {
            "title": "Comparing groups",
            "text": (
                "For each attribute, label and rate, the lowest group value is divided by the "
                "highest (the ratio; 1 means parity) and subtracted from it (the difference, in "
                "percentage points; 0 means parity). A group's impact ratio is its selection rate "
                "divided by the rate of the most-selected group, as in the four-fifths rule of the "
                f"US Uniform Guidelines ({FOUR_FIFTHS_CLAUSE}) and NYC Local Law 144 "
                f"({LL144_CLAUSE}). A comparison is flagged when the ratio is below {threshold} "
                f"(or the difference above {difference_threshold}). The threshold is a policy "
                "choice and a rule of thumb, not a legal finding: a small difference can still "
                "matter and a large one on few rows may be noise, which is why every figure "
                "comes with its interval."
            ),
        },
        {
            "title": "Uncertainty",
            "text": (
                f"Each rate carries a Wilson score interval at {confidence} confidence. Each ratio "
                f"and difference carries a percentile bootstrap interval from {bootstrap} "
                "resamples drawn separately within each group (stratified), with random seed "
                f"{seed}, so the same data and settings always give the same figures. A comparison "
                "is called significant when its interval excludes parity (1 for a ratio, 0 for a "
                "difference)."
            ),
        },
        {
            "title": "Small groups",
            "text": (
                f"A group with fewer than {min_group_size} rows is suppressed: its row count is "
                "reported, its rates are withheld (they would be noise and could single people "
                'out), its verdict is "insufficient data", and it takes no part in comparisons.'
            ),
        },
        {
            "title": "Undefined values",
            "text": (
                'A rate whose denominator is zero (0/0) is reported as "not defined", never as 0, '
                "and a comparison built on an undefined value is never counted as a pass."
            ),
        },
        {
            "title": "Intersections",
            "text": (
                "Attributes joined with & (for example gender&dialect) are intersections: each "
                "group is one combination of values, so disadvantages that only show when "
                "attributes combine become visible. Intersection groups are smaller, so more of "
                "them tend to be suppressed."
            ),
        },
        {
            "title": "Explanations and proxies",
            "text": (
                "When explanations are requested, a surrogate model is trained to imitate the "
                "audited model's labels from the submitted feature columns; its fidelity is the "
                "share of held-out items where it agrees with the audited model. Feature importance "
                "is the mean absolute SHAP value of each feature in the surrogate. A proxy is a "
                "feature strongly associated with a sensitive attribute (Cramer's V for categories, "
                "the correlation ratio for numbers): a model that relies on it can treat groups "
                "differently without seeing the attribute. Explanations describe the surrogate, "
                "not the vendor's model itself, and association is not proof of cause."
            ),
        },
        {
            "title": "Cross-check",
            "text": (
                "The per-group figures are recomputed independently with the open-source fairness "
                "libraries fairlearn (MetricFrame) and aif360 (ClassificationMetric), and the "
                "largest absolute difference is reported. Where a library returns 0 for a 0/0 "
                "rate, Attune reports it as not defined, and only values defined in both are "
                "compared."
            ),
        },
    ]


EMOTION_RECOGNITION_LIMITS = [
    (
        "Emotion recognition has a weak scientific basis. The EU AI Act (Recital 44) notes that "
        "the expression of emotions varies considerably across cultures and situations, and even "
        "within one person, and that such systems have limited reliability, lack specificity and "
        "generalise poorly. A label such as anger is the model's guess about a message, voice or "
        "face, not a fact about what the person felt."
    ),
    (
        "The same limits are a source of discrimination: people who write in another dialect, "
        "speak with an accent, are older or younger, or have a disability can be read "
        "differently, which is exactly what the group comparisons in this report look for."
    ),
    (
        "Inferring emotions of people at work or in education is prohibited in the EU "
        "(AI Act Art. 5(1)(f)) unless it is for medical or safety reasons. Other emotion "
        "recognition from biometric data is high-risk (Annex III point 1(c)) and the people "
        "exposed to it must be informed (Art. 50(3))."
    ),
    (
        "This audit compares groups within one batch of predictions. It does not show that the "
        "labels are right: even true labels are human judgements that can share the same biases. "
        "No flag is not a certificate of fairness, and other people, channels or time periods "
        "can give different results, so audits should be repeated."
    ),
]

NOT_RECORDED_ALWAYS = [
    (
        "Auditor",
        "Attune computed these figures automatically from the vendor's submitted predictions. "
        "No independent auditor and no independence statement are recorded with this audit.",
    ),
    (
        "Data period and collection",
        "The batch records when it was uploaded, not the period its predictions cover, how they "
        "were collected, or whether they are historical or test data.",
    ),
    (
        "How sensitive attributes were obtained",
        "Whether the group columns are self-reported, inferred or proxies is not recorded.",
    ),
    (
        "Model distribution date",
        "The date the model version was first put into use is not recorded.",
    ),
    (
        "Sign-off, mitigations and re-audit date",
        "No review-board sign-off, mitigation or residual-risk acceptance by a named owner is "
        "attached to this report. They are recorded with the deployment request that cites this "
        "audit's result hash. Plan the next audit within 12 months at the latest.",
    ),
]

NO_GROUND_TRUTH = (
    "Accuracy and error rates per group",
    "Not computed: the batch has no true labels (y_true), so accuracy per group (EU AI Act "
    "Art. 13(3)(b)(v)) and error-rate parity cannot be reported.",
)
NO_EXPLAINABILITY = (
    "Explainability",
    "Not provided: this audit has no explanation artefacts.",
)
NO_CROSSCHECK = (
    "Cross-check",
    "Not run: this audit has no recomputation with fairlearn or aif360.",
)
