"""An offline emotion classifier for support tickets, built on VADER.

VADER (Hutto & Gilbert, 2014; the `vaderSentiment` package) is a rule-based sentiment model
whose lexicon of about 7,500 English words, slang and emoticons ships inside the package, so
nothing is downloaded at run time. It gives each text a share of negative, neutral and positive
words (`neg`, `neu`, `pos`) and a normalised `compound` score in [-1, 1], and it amplifies words
written in capitals, "!!!" and boosters ("so", "really").

This model turns VADER's reading into six emotions with a small, hand-set linear layer over
features of the text and nothing else. First the greeting and sign-off formulas (`GREETINGS`,
`SIGN_OFFS`: "Hi,", "Many thanks.", "Kind regards.") are stripped from the ends of the message,
because their politeness says nothing about the customer's feeling; then the rest is split into
sentences and each sentence is scored by VADER on its own, so that one furious sentence is not
averaged away by a courteous one:

| feature        | definition                                                          |
|----------------|---------------------------------------------------------------------|
| `negativity`   | max(0, -lowest sentence compound)                                   |
| `positivity`   | max(0, highest sentence compound)                                   |
| `exclaim`      | min(number of "!", 3) / 3                                           |
| `question`     | min(number of "?", 3) / 3                                           |
| `shout`        | min(number of words of 2+ letters written in capitals, 3) / 3       |
| `cue_<label>`  | min(number of that label's cue words or phrases present, 2) / 2     |

The cue lists (`CUES`) are short, everyday standard English (for `neutral`: the phrasing of
plain questions and requests). Each label's logit is `bias + sum(weight * feature)` with the
weights of `WEIGHTS`; the scores are the softmax of the logits (so they lie in (0, 1) and sum
to 1) and the prediction is the label with the highest score (ties go to the label listed first
in `LABELS`).

It is a real model with real errors. It never sees who wrote a message, only the text, but its
reading of the text is not neutral about how people write: VADER and the cue lists know
standard and internet English, so capitals and "!!!" push an upset message towards anger,
restrained formal complaints ("I find this quite unsatisfactory") read as mild, and Scots words
("scunnered", "fizzin", "greetin", "feart") carry no sentiment at all. Those are the
disparities an audit of this model should find.
"""

import argparse
import math
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from examples.demo_corpus import generate, write_csv

MODEL_NAME = "vader-emotion-rules"
MODEL_VERSION = "1.0.0"
LABELS: tuple[str, ...] = ("anger", "sadness", "joy", "neutral", "fear", "surprise")
# Tickets predicted as these are escalated to the priority queue: an action on the customer.
FLAGGED_LABELS: tuple[str, ...] = ("anger", "fear")
SCORE_COLUMNS: tuple[str, ...] = tuple(f"score_{label}" for label in LABELS)

# What the vendor uploads to Attune: no free text (personal data the audit does not need).
SUBJECT_COLUMN = "customer_id"
SENSITIVE_COLUMNS: tuple[str, ...] = ("age_band", "writing_style")
FEATURE_COLUMNS: tuple[str, ...] = (
    "channel",
    "message_length",
    "exclamations",
    "caps_ratio",
    "hour_of_day",
)
UPLOAD_COLUMNS: tuple[str, ...] = (
    "ticket_id",
    SUBJECT_COLUMN,
    *SENSITIVE_COLUMNS,
    *FEATURE_COLUMNS,
    "y_true",
    "y_pred",
    *SCORE_COLUMNS,
)

ERR_TEXT_NOT_STRING = "Text {index}: expected a string, got {kind}."
ERR_ROW_NO_TEXT = "Row {row}: column 'text' is missing."

CUES: Mapping[str, tuple[str, ...]] = {
    "anger": (
        "unacceptable",
        "ridiculous",
        "furious",
        "fuming",
        "angry",
        "livid",
        "worst",
        "disgrace",
        "fed up",
        "wtf",
        "rubbish",
        "appalling",
        "useless",
        "manager",
        "sort this out",
        "late",
        "nobody",
        "twice",
        "wrong",
        "again",
    ),
    "sadness": (
        "disappointed",
        "disappointing",
        "sad",
        "upset",
        "shame",
        "heartbroken",
        "unfortunately",
        "cry",
        "let down",
        "saddened",
        "broken",
    ),
    "joy": (
        "love",
        "great",
        "happy",
        "brilliant",
        "perfect",
        "perfectly",
        "delighted",
        "pleased",
        "amazing",
        "the best",
        "grateful",
        "lovely",
    ),
    "neutral": (
        "could you",
        "can you",
        "can i",
        "do you",
        "how do i",
        "would be grateful",
        "most grateful",
        "earliest convenience",
        "look forward",
        "let me know",
        "advice",
        "status",
    ),
    "fear": (
        "worried",
        "scared",
        "afraid",
        "nervous",
        "anxious",
        "anxiety",
        "fraud",
        "scam",
        "hacked",
        "stolen",
        "concerned",
        "alarmed",
        "recognise",
        "security",
        "safe",
    ),
    "surprise": (
        "wow",
        "surprise",
        "surprised",
        "unexpected",
        "didn't expect",
        "did not expect",
        "didnt expect",
        "no way",
        "omg",
        "amazed",
        "astonished",
        "never ordered",
        "can't believe",
    ),
}
WEIGHTS: Mapping[str, Mapping[str, float]] = {
    "anger": {
        "bias": -1.0,
        "negativity": 2.0,
        "positivity": -1.0,
        "exclaim": 1.2,
        "shout": 2.0,
        "cue_anger": 2.0,
    },
    "sadness": {
        "bias": -0.8,
        "negativity": 1.8,
        "exclaim": -0.5,
        "cue_sadness": 2.0,
    },
    "joy": {
        "bias": -0.8,
        "positivity": 2.5,
        "exclaim": 0.3,
        "cue_joy": 1.5,
    },
    "neutral": {
        "bias": 0.5,
        "negativity": -1.5,
        "positivity": -1.5,
        "question": 0.5,
        "cue_neutral": 1.5,
    },
    "fear": {
        "bias": -1.2,
        "negativity": 1.0,
        "question": 0.5,
        "cue_fear": 2.5,
    },
    "surprise": {
        "bias": -1.2,
        "exclaim": 0.6,
        "question": 0.3,
        "cue_surprise": 2.5,
    },
}

_WORD = re.compile(r"[A-Za-z]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
GREETINGS: tuple[str, ...] = (
    "hi there",
    "hi",
    "hello there",
    "hello",
    "hey",
    "dear sir or madam",
    "dear customer services",
    "good morning",
    "good afternoon",
)
SIGN_OFFS: tuple[str, ...] = (
    "thanks in advance",
    "many thanks",
    "thank you",
    "thanks",
    "thx",
    "ty",
    "kind regards",
    "best regards",
    "regards",
    "yours faithfully",
    "yours sincerely",
    "cheers",
)
_GREETING = re.compile(
    r"^(" + "|".join(re.escape(g) for g in GREETINGS) + r")\b[,.!]*\s*", re.IGNORECASE
)
_SIGN_OFF = re.compile(
    r"(?:^|(?<=[\s.!?]))(" + "|".join(re.escape(g) for g in SIGN_OFFS) + r")[,.!]*$",
    re.IGNORECASE,
)


def _cue_pattern(cues: Sequence[str]) -> re.Pattern[str] | None:
    if not cues:
        return None
    return re.compile(
        r"(?<![\w'])(" + "|".join(re.escape(c) for c in cues) + r")(?![\w'])", re.IGNORECASE
    )


_CUE_PATTERNS: Mapping[str, re.Pattern[str] | None] = {
    label: _cue_pattern(cues) for label, cues in CUES.items()
}


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    """VADER's analyser; it reads its lexicon files from the installed package once."""
    return SentimentIntensityAnalyzer()


def _strip_courtesy(text: str) -> str:
    """The message without its opening greeting and closing sign-off formulas."""
    body = text.strip()
    while True:
        shorter = _SIGN_OFF.sub("", _GREETING.sub("", body, count=1), count=1).strip()
        if not shorter:
            return text.strip()
        if shorter == body:
            return body
        body = shorter


def features(text: str) -> dict[str, float]:
    """The features of one text that the model's linear layer reads (see the module table)."""
    analyzer = _analyzer()
    body = _strip_courtesy(text)
    sentences = [s for s in _SENTENCE_END.split(body) if s.strip()] or [body]
    compounds = [analyzer.polarity_scores(s)["compound"] for s in sentences]
    words = _WORD.findall(body)
    shouted = sum(1 for w in words if len(w) >= 2 and w.isupper())
    values = {
        "negativity": max(0.0, -min(compounds)),
        "positivity": max(0.0, max(compounds)),
        "exclaim": min(body.count("!"), 3) / 3,
        "question": min(body.count("?"), 3) / 3,
        "shout": min(shouted, 3) / 3,
    }
    for label, pattern in _CUE_PATTERNS.items():
        found = {m.lower() for m in pattern.findall(body)} if pattern is not None else set()
        values[f"cue_{label}"] = min(len(found), 2) / 2
    return values


def _softmax(logits: Sequence[float]) -> list[float]:
    top = max(logits)
    exps = [math.exp(x - top) for x in logits]
    total = math.fsum(exps)
    return [e / total for e in exps]


def predict_one(text: str) -> dict:
    """`{"y_pred": label, "score_<label>": probability, ...}` for one text."""
    values = features(text)
    logits = [
        WEIGHTS[label]["bias"]
        + math.fsum(w * values[name] for name, w in WEIGHTS[label].items() if name != "bias")
        for label in LABELS
    ]
    scores = _softmax(logits)
    best = max(range(len(LABELS)), key=lambda i: (scores[i], -i))
    return {"y_pred": LABELS[best], **dict(zip(SCORE_COLUMNS, scores, strict=True))}


def predict(texts: Iterable[str]) -> list[dict]:
    """Predict every text, in order. Raises TypeError naming the first text that is not a str."""
    out = []
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(ERR_TEXT_NOT_STRING.format(index=index, kind=type(text).__name__))
        out.append(predict_one(text))
    return out


def score_corpus(rows: Sequence[Mapping[str, object]]) -> list[dict]:
    """Copies of `rows` with `y_pred` and the `score_<label>` columns added.

    Only each row's `text` is read: the model never looks at who wrote a message. Raises
    ValueError naming the first row (counted from 1) without a `text` column.
    """
    for number, row in enumerate(rows, start=1):
        if "text" not in row:
            raise ValueError(ERR_ROW_NO_TEXT.format(row=number))
    predictions = predict(row["text"] for row in rows)
    return [{**row, **prediction} for row, prediction in zip(rows, predictions, strict=True)]


def write_predictions(
    rows: Sequence[Mapping[str, object]], path: str | Path, *, with_text: bool = False
) -> Path:
    """Write scored rows as the CSV a vendor uploads (`UPLOAD_COLUMNS`, plus `text` if asked)."""
    columns = list(UPLOAD_COLUMNS)
    if with_text:
        columns.insert(columns.index("y_true"), "text")
    return write_csv(rows, path, columns=columns)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m examples.demo_model",
        description=(
            f"Generate the demo support-ticket corpus, score it with {MODEL_NAME} "
            f"{MODEL_VERSION} and write the predictions CSV a vendor uploads to Attune."
        ),
    )
    parser.add_argument("out", type=Path, help="where to write the CSV")
    parser.add_argument("--n", type=int, default=4000, help="number of tickets (default 4000)")
    parser.add_argument("--seed", type=int, default=7, help="corpus seed (default 7)")
    parser.add_argument(
        "--with-text",
        action="store_true",
        help="also write the message text (personal data: leave it out of uploads)",
    )
    args = parser.parse_args(argv)
    try:
        rows = score_corpus(generate(n=args.n, seed=args.seed))
    except ValueError as exc:
        parser.error(str(exc))
    path = write_predictions(rows, args.out, with_text=args.with_text)
    print(f"Wrote {len(rows)} scored tickets to {path} ({MODEL_NAME} {MODEL_VERSION}).")
    return 0


__all__ = [
    "FEATURE_COLUMNS",
    "FLAGGED_LABELS",
    "LABELS",
    "MODEL_NAME",
    "MODEL_VERSION",
    "SCORE_COLUMNS",
    "SENSITIVE_COLUMNS",
    "SUBJECT_COLUMN",
    "UPLOAD_COLUMNS",
    "features",
    "predict",
    "predict_one",
    "score_corpus",
    "write_predictions",
]

if __name__ == "__main__":
    sys.exit(main())
