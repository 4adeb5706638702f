"""A generated corpus of customer-support messages sent to a small online shop.

Each message is written to express one emotion (`y_true`) about one everyday shop topic (a late
order, a refund, a gift that arrived broken, a question about sizes...), by a fictitious
customer with an age band and a writing style:

- `standard`: plain everyday English;
- `texting`: lowercase, abbreviations ("u", "pls", "rn"), emoji, "!!!" and the odd shouted
  phrase in capitals;
- `formal`: long and polite ("Dear Sir or Madam", "I would be most grateful"), feelings stated
  with restraint;
- `scots`: Scots-English vocabulary ("aye", "wee", "cannae", "gey", "scunnered", "dinnae",
  "greetin", "feart", "braw").

How the groups relate (the same for every seed):

- the emotion a message was written to express is drawn independently of the customer's
  groups, so any difference between groups in what a model predicts comes from how the model
  reads the writing, not from the customers feeling differently;
- writing style depends on age (young customers mostly text, older ones mostly write formally;
  Scots is spread over all ages), channel depends on style and age (texting goes to chat, formal
  letters to email), and the hour of writing depends on age (young customers write late);
- some age-by-style cells are rare on purpose (a texting customer over 65, a formal one under
  25), so an audit with a minimum group size of 30 suppresses them.

Texts are polite and commercial: they mention orders, items and couriers, never a person's
name, address, health or any protected characteristic. Everything is seeded: the same `n` and
`seed` give the same rows on every machine.
"""

import csv
import random
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

EMOTIONS: tuple[str, ...] = ("anger", "sadness", "joy", "neutral", "fear", "surprise")
AGE_BANDS: tuple[str, ...] = ("18-24", "25-34", "35-49", "50-64", "65+")
WRITING_STYLES: tuple[str, ...] = ("standard", "texting", "formal", "scots")
CHANNELS: tuple[str, ...] = ("email", "chat", "web_form")

COLUMNS: tuple[str, ...] = (
    "ticket_id",
    "customer_id",
    "text",
    "y_true",
    "age_band",
    "writing_style",
    "channel",
    "message_length",
    "exclamations",
    "caps_ratio",
    "hour_of_day",
)

ERR_N_NOT_POSITIVE = "n must be a positive integer, got {n!r}."
ERR_SEED_NOT_INT = "seed must be an integer, got {seed!r}."
ERR_NO_ROWS = "There are no rows to write."
ERR_MISSING_COLUMN = "Row {row}: column {column!r} is missing."

# Shares of tickets by emotion, identical in every group.
EMOTION_WEIGHTS: Mapping[str, float] = {
    "anger": 0.20,
    "sadness": 0.14,
    "joy": 0.20,
    "neutral": 0.26,
    "fear": 0.08,
    "surprise": 0.12,
}
# Customers of a small online clothing and homeware shop.
AGE_WEIGHTS: Mapping[str, float] = {
    "18-24": 0.18,
    "25-34": 0.27,
    "35-49": 0.27,
    "50-64": 0.18,
    "65+": 0.10,
}
STYLE_GIVEN_AGE: Mapping[str, Mapping[str, float]] = {
    "18-24": {"standard": 0.30, "texting": 0.62, "formal": 0.01, "scots": 0.07},
    "25-34": {"standard": 0.50, "texting": 0.35, "formal": 0.07, "scots": 0.08},
    "35-49": {"standard": 0.62, "texting": 0.12, "formal": 0.17, "scots": 0.09},
    "50-64": {"standard": 0.50, "texting": 0.04, "formal": 0.36, "scots": 0.10},
    "65+": {"standard": 0.34, "texting": 0.01, "formal": 0.55, "scots": 0.10},
}
CHANNEL_GIVEN_STYLE: Mapping[str, Mapping[str, float]] = {
    "standard": {"email": 0.25, "chat": 0.35, "web_form": 0.40},
    "texting": {"email": 0.05, "chat": 0.75, "web_form": 0.20},
    "formal": {"email": 0.75, "chat": 0.05, "web_form": 0.20},
    "scots": {"email": 0.25, "chat": 0.40, "web_form": 0.35},
}
# Multiplies the style's channel weights: older customers reach for email, younger for chat.
CHANNEL_TILT_GIVEN_AGE: Mapping[str, Mapping[str, float]] = {
    "18-24": {"email": 0.6, "chat": 1.4, "web_form": 1.0},
    "25-34": {"email": 0.8, "chat": 1.2, "web_form": 1.0},
    "35-49": {"email": 1.0, "chat": 1.0, "web_form": 1.0},
    "50-64": {"email": 1.3, "chat": 0.8, "web_form": 1.0},
    "65+": {"email": 1.6, "chat": 0.5, "web_form": 1.0},
}
# Relative weight of each hour of the day at which a ticket is written (hours 0-11, then 12-23):
# young customers write late in the evening, older ones in the morning.
# fmt: off
HOUR_WEIGHTS_GIVEN_AGE: Mapping[str, tuple[float, ...]] = {
    "18-24": (2.0, 1.5, 1.0, 0.5, 0.2, 0.1, 0.1, 0.3, 0.5, 0.8, 1.0, 1.2,
              1.5, 1.5, 1.5, 1.5, 1.8, 2.0, 2.2, 2.5, 3.0, 3.5, 3.5, 3.0),
    "25-34": (1.0, 0.5, 0.2, 0.1, 0.1, 0.2, 0.5, 1.5, 1.5, 1.0, 1.0, 1.5,
              2.5, 2.0, 1.5, 1.5, 1.5, 2.0, 2.5, 3.0, 3.0, 3.0, 2.5, 1.8),
    "35-49": (0.3, 0.1, 0.1, 0.1, 0.1, 0.3, 1.0, 2.0, 1.5, 1.5, 1.5, 1.5,
              2.5, 2.0, 1.5, 1.5, 1.5, 1.5, 2.0, 2.5, 3.0, 2.5, 1.5, 0.8),
    "50-64": (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 3.0, 3.0,
              3.0, 2.5, 2.5, 2.5, 2.0, 1.5, 1.5, 1.5, 1.5, 1.0, 0.6, 0.3),
    "65+":   (0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 2.5, 3.5, 4.0, 4.0, 3.5,
              3.0, 3.0, 3.0, 2.5, 2.0, 1.5, 1.0, 0.8, 0.5, 0.3, 0.2, 0.1),
}
# fmt: on
CUSTOMERS_PER_TICKET = 1 / 3  # on average three tickets per customer

GARMENTS: tuple[str, ...] = (
    "jumper",
    "rain jacket",
    "wool scarf",
    "denim jacket",
    "pair of boots",
    "winter coat",
    "pair of gloves",
    "pair of trainers",
)
HOMEWARE: tuple[str, ...] = (
    "coffee mug",
    "set of bed sheets",
    "table lamp",
    "backpack",
    "teapot",
    "cushion cover",
    "phone case",
    "picture frame",
)
ITEMS: tuple[str, ...] = GARMENTS + HOMEWARE
OCCASIONS: tuple[str, ...] = (
    "a birthday",
    "a friend's wedding",
    "our holiday",
    "a leaving do at work",
    "a housewarming",
    "a christening",
)
COURIERS: tuple[str, ...] = ("the courier", "the delivery driver", "the parcel service")

# What happened, in plain standard English; each style rewrites it in its own way.
TOPICS: Mapping[str, tuple[str, ...]] = {
    "anger": (
        "My order {order} is now {days} days late and nobody has replied to my emails.",
        "I was charged twice for the {item} I ordered.",
        "You sent me the wrong {item} for the second time.",
        "The refund you promised for order {order} still hasn't arrived.",
        "{Courier} left my parcel in the rain and the {item} is soaked through.",
        "I have been waiting an hour on the chat and it keeps disconnecting.",
        "Your website took my money but says order {order} does not exist.",
    ),
    "sadness": (
        "The {item} I bought for {occasion} arrived after the day had passed.",
        "The {item} fell apart after a week, and I had saved up for it.",
        "I see the {item} I liked so much has been discontinued.",
        "The {item} arrived broken and it was meant to be a present.",
        "The {item} looks nothing like the photos on the website.",
    ),
    "joy": (
        "The {item} arrived a day early and it is just what I wanted.",
        "I wanted to say the {garment} fits perfectly.",
        "Thanks to your team for sorting out my order {order} so quickly.",
        "The {item} was a present for {occasion} and it went down a treat.",
        "The quality of the {item} is even better than I expected.",
    ),
    "neutral": (
        "Could you tell me if the {garment} comes in a larger size?",
        "What is the status of order {order}?",
        "Can I change the delivery address for order {order}?",
        "Do you deliver to the islands, and how long does it take?",
        "How do I return a {garment} that does not fit?",
        "Is the {garment} machine washable?",
        "Please can you send me a copy of the invoice for order {order}.",
    ),
    "fear": (
        "I have had an email asking for my card details that says it is from your shop.",
        "There is a payment on my card for order {order} that I do not recognise.",
        "The tracking says the {item} was delivered but it is not here, I think it was stolen.",
        "I need the {item} for {occasion} and it might not arrive in time.",
        "My account password was changed and I did not do it.",
    ),
    "surprise": (
        "A parcel arrived today with a {item} that I never ordered.",
        "Order {order} turned up only one day after I placed it.",
        "There was a free {item} in the box with my order.",
        "The price of the {item} dropped after I bought it and you refunded the difference.",
        "The {item} came in a completely different colour from the one I chose.",
    ),
}
REQUESTS: Mapping[str, tuple[str, ...]] = {
    "anger": (
        "I want a full refund today.",
        "Sort this out now.",
        "I expect a reply today.",
        "I want to speak to a manager.",
    ),
    "sadness": (
        "Is there anything you can do?",
        "Could you let me know my options?",
        "I don't know what to do now.",
    ),
    "joy": (
        "I will definitely shop with you again.",
        "Please pass on my thanks to the team.",
        "I've already told my friends about you.",
    ),
    "neutral": ("Thanks in advance.", "I look forward to your reply.", "Many thanks."),
    "fear": (
        "Please can you check this urgently?",
        "What should I do?",
        "Can you tell me if my account is safe?",
    ),
    "surprise": ("Is this a mistake?", "Was this meant for me?", "Is that right?"),
}
# Where a style would not phrase a request the plain way.
STYLE_REQUESTS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "formal": {
        "anger": (
            "I would ask that you refund me in full without further delay.",
            "I expect a prompt reply.",
            "I should like to speak to a manager.",
        ),
    },
    "texting": {
        "neutral": ("pls let me know", "thx", "ty", ""),
        "sadness": ("can u do anything?", "idk what to do now", ""),
    },
}
# How each style says how it feels, in its own words.
FEELINGS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "standard": {
        "anger": (
            "This is completely unacceptable.",
            "I am really angry about this.",
            "Honestly, this is ridiculous.",
            "I'm fed up with this.",
            "This is the worst service I've had.",
            "Frankly this is a joke.",
            "This is NOT acceptable.",
        ),
        "sadness": (
            "I'm really disappointed.",
            "I was so upset when I saw it.",
            "It's a real shame.",
            "I'm quite sad about it.",
            "I feel really let down.",
        ),
        "joy": (
            "I love it!",
            "Really happy with it.",
            "Great service, thank you!",
            "I'm delighted.",
            "Brilliant, thanks so much.",
        ),
        "neutral": ("Just checking.", "", ""),
        "fear": (
            "I'm really worried about this.",
            "I'm scared someone has my card details.",
            "This has made me quite nervous.",
            "I'm anxious to get it sorted.",
        ),
        "surprise": (
            "I did not expect that at all!",
            "What a surprise!",
            "I'm honestly amazed.",
            "I was so surprised.",
        ),
    },
    "texting": {
        "anger": (
            "this is a joke 😡",
            "so done with this!!!",
            "NOT OK!!!",
            "WHERE IS MY ORDER",
            "absolutely fuming rn!!!",
            "wtf is going on??",
            "im so angry!!!",
        ),
        "sadness": (
            "so sad rn 😢",
            "literally gutted 😭",
            "ngl this made me cry",
            "sooo disappointed 😞",
            "feel so let down 💔",
        ),
        "joy": (
            "love it sm 😍",
            "omg obsessed!!",
            "ur the best!!!",
            "so happy rn 🥰",
            "10/10 would buy again lol",
        ),
        "neutral": ("just wondering", "", ""),
        "fear": (
            "freaking out rn!!!",
            "pls help im so scared 😰",
            "this is so scary!!",
            "omg is my account hacked??",
        ),
        "surprise": (
            "omg no way!!!",
            "wait what 😲",
            "didnt expect that lol!!",
            "WHAT!! 😮",
        ),
    },
    "formal": {
        "anger": (
            "I must say I am most dissatisfied with the service I have received.",
            "I find this quite unsatisfactory.",
            "I am disappointed that this has been allowed to happen again.",
            "I trust you will appreciate my frustration.",
            "This falls well below the standard I would expect.",
        ),
        "sadness": (
            "I am very saddened by this.",
            "It is a great disappointment, I must say.",
            "I had been so looking forward to it.",
            "I confess I was rather upset.",
        ),
        "joy": (
            "I am delighted with the purchase.",
            "Please accept my sincere thanks.",
            "It is a pleasure to deal with such a helpful company.",
            "I am most grateful.",
        ),
        "neutral": ("I would be grateful for your advice.", "", ""),
        "fear": (
            "I am most concerned about the security of my account.",
            "I confess this has caused me considerable anxiety.",
            "I would be grateful for your urgent reassurance.",
            "I am rather alarmed by this.",
        ),
        "surprise": (
            "I must say this came as quite a surprise.",
            "I was most surprised to find it.",
            "This was rather unexpected.",
            "I was astonished, I must admit.",
        ),
    },
    "scots": {
        "anger": (
            "Ah'm pure fizzin aboot this.",
            "Ah'm totally scunnered wi the hale thing.",
            "It's a pure shambles.",
            "Ah'm ragin, so Ah am.",
            "This is a right carry-on.",
        ),
        "sadness": (
            "Ah was near greetin when Ah opened it.",
            "Ah'm gutted, so Ah am.",
            "It's a right shame, Ah'd been lookin forward tae it.",
            "Ah'm no very happy aboot it.",
        ),
        "joy": (
            "It's pure braw, Ah'm chuffed tae bits.",
            "Cannae thank ye enough.",
            "Ah'm well chuffed wi it.",
            "It's a bonnie thing, so it is.",
        ),
        "neutral": ("Just wonderin like.", "", ""),
        "fear": (
            "Ah'm a wee bit feart aboot it.",
            "Ah'm in a right state ower this.",
            "It's got me gey worried.",
            "Ah'm feart someone's got ma details.",
        ),
        "surprise": (
            "Ah couldnae believe it!",
            "Well, Ah never!",
            "Ah wisnae expectin that at aw!",
            "Whit a surprise!",
        ),
    },
}
OPENERS: Mapping[str, tuple[str, ...]] = {
    "standard": ("Hi,", "Hello,", "Hi there,", ""),
    "texting": ("hey", "hi", "", "helloo"),
    "formal": ("Dear Sir or Madam,", "Dear Customer Services,", "Good morning,"),
    "scots": ("Hiya,", "Hello there,", "Awright,", ""),
}
CLOSERS: Mapping[str, tuple[str, ...]] = {
    "standard": ("Thanks.", "Regards.", "", "Thank you."),
    "texting": ("", "thx", "ty", ""),
    "formal": ("Yours faithfully.", "Kind regards.", "Yours sincerely."),
    "scots": ("Cheers.", "Ta.", "", "Cheers the noo."),
}
FORMAL_PREAMBLE = "I am writing with regard to my recent order {order}."
FORMAL_COURTESY: tuple[str, ...] = (
    "I would be most grateful if you could look into this at your earliest convenience.",
    "I should be obliged if you would reply in writing.",
    "Thank you in advance for your attention to this matter.",
)
FORMAL_COMPLIMENTS: tuple[str, ...] = (
    "Thank you once again for your excellent service.",
    "Please do pass on my compliments.",
    "With my thanks and best wishes.",
)
# Probability that a message states no feeling at all and leaves it to the facts.
P_NO_FEELING = 0.15
# Probability that a texting message also ends its first sentence with "!!!" (any emotion but
# neutral, sadness included) or "??" (neutral questions).
P_TEXTING_EMPHASIS = 0.5

_TEXTING_WORDS: Mapping[str, str] = {
    "you're": "ur",
    "your": "ur",
    "you": "u",
    "please": "pls",
    "thanks": "thx",
    "are": "r",
    "because": "cuz",
    "i'm": "im",
    "i've": "ive",
    "i'd": "id",
    "don't": "dont",
    "can't": "cant",
    "didn't": "didnt",
    "doesn't": "doesnt",
    "hasn't": "hasnt",
    "isn't": "isnt",
    "won't": "wont",
    "it's": "its",
    "tomorrow": "tmrw",
    "before": "b4",
    "today": "2day",
    "really": "rly",
}
_TEXTING_PHRASES: Mapping[str, str] = {
    "thank you": "ty",
    "right now": "rn",
    "as soon as possible": "asap",
    "to be honest": "tbh",
}
_FORMAL_WORDS: Mapping[str, str] = {
    "don't": "do not",
    "can't": "cannot",
    "didn't": "did not",
    "doesn't": "does not",
    "hasn't": "has not",
    "isn't": "is not",
    "won't": "will not",
    "it's": "it is",
    "i'm": "I am",
    "i've": "I have",
    "i'd": "I would",
    "thanks": "thank you",
}
_SCOTS_WORDS: Mapping[str, str] = {
    "i'm": "Ah'm",
    "i've": "Ah've",
    "i'd": "Ah'd",
    "i": "Ah",
    "my": "ma",
    "you": "ye",
    "your": "yer",
    "don't": "dinnae",
    "do not": "dinnae",
    "can't": "cannae",
    "cannot": "cannae",
    "didn't": "didnae",
    "did not": "didnae",
    "isn't": "isnae",
    "is not": "isnae",
    "won't": "willnae",
    "hasn't": "hasnae",
    "has not": "hasnae",
    "doesn't": "doesnae",
    "does not": "doesnae",
    "know": "ken",
    "about": "aboot",
    "out": "oot",
    "small": "wee",
    "little": "wee",
    "very": "gey",
    "from": "fae",
    "with": "wi",
    "to": "tae",
    "yes": "aye",
    "home": "hame",
    "house": "hoose",
    "nobody": "naebody",
    "all": "aw",
    "now": "noo",
    "what": "whit",
    "going": "gaun",
    "fed up": "scunnered",
}
# Scots drops the final g of long -ing words ("waitin", "mornin", "nothin").
_SCOTS_ING = re.compile(r"\b([A-Za-z]{3,})ing\b")


def _word_replacer(table: Mapping[str, str]) -> Callable[[str], str]:
    """Replace whole words and phrases of `table`, longest first, keeping a leading capital."""
    keys = sorted(table, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w'])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w'])", re.IGNORECASE
    )

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        new = table[found.lower()]
        if found[0].isupper() and new[0].islower():
            return new[0].upper() + new[1:]
        return new

    return lambda text: pattern.sub(replace, text)


_to_texting_words = _word_replacer({**_TEXTING_PHRASES, **_TEXTING_WORDS})
_to_formal_words = _word_replacer(_FORMAL_WORDS)
_to_scots_words = _word_replacer(_SCOTS_WORDS)


def _texting(sentence: str) -> str:
    text = _to_texting_words(sentence.lower())
    return text.replace(",", "").rstrip(".").replace(". ", " ")


def _formal(sentence: str) -> str:
    return _to_formal_words(sentence)


def _scots(sentence: str) -> str:
    text = _to_scots_words(sentence)
    return _SCOTS_ING.sub(r"\1in", text)


def _standard(sentence: str) -> str:
    return sentence


REWRITE: Mapping[str, Callable[[str], str]] = {
    "standard": _standard,
    "texting": _texting,
    "formal": _formal,
    "scots": _scots,
}


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _fill(template: str, slots: Mapping[str, str]) -> str:
    return template.format(**slots)


def _message(rng: random.Random, *, emotion: str, style: str) -> str:
    """One message expressing `emotion`, written in `style`."""
    item = rng.choice(ITEMS)
    courier = rng.choice(COURIERS)
    slots = {
        "item": item,
        "garment": rng.choice(GARMENTS),
        "order": f"#{rng.randrange(10000, 100000)}",
        "days": str(rng.randrange(3, 15)),
        "occasion": rng.choice(OCCASIONS),
        "courier": courier,
        "Courier": courier[0].upper() + courier[1:],
    }
    rewrite = REWRITE[style]
    topic = rewrite(_fill(rng.choice(TOPICS[emotion]), slots))
    request_bank = STYLE_REQUESTS.get(style, {}).get(emotion, REQUESTS[emotion])
    request = rewrite(_fill(rng.choice(request_bank), slots))
    feeling = "" if rng.random() < P_NO_FEELING else rng.choice(FEELINGS[style][emotion])
    opener = rng.choice(OPENERS[style])
    closer = rng.choice(CLOSERS[style])
    if style == "texting":
        if rng.random() < P_TEXTING_EMPHASIS:
            topic += "??" if emotion == "neutral" else "!!!"
        keep_request = rng.random() < 0.5
        parts = [opener, topic, feeling, request if keep_request else "", closer]
    elif style == "formal":
        preamble = _fill(FORMAL_PREAMBLE, slots)
        courtesy = rng.choice(FORMAL_COMPLIMENTS if emotion == "joy" else FORMAL_COURTESY)
        parts = [opener, preamble, topic, feeling, request, courtesy, closer]
    else:
        parts = [opener, topic, feeling, request, closer]
    return " ".join(part for part in parts if part)


def _caps_ratio(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return round(sum(c.isupper() for c in letters) / len(letters), 4)


def generate(*, n: int = 4000, seed: int = 7) -> list[dict]:
    """Generate `n` support tickets, the same ones for the same `seed`.

    Each row holds the columns of `COLUMNS`; `y_true` is the emotion the message was written to
    express. Customers (`customer_id`) write about three tickets each on average, always in
    their own age band and style; the channel and hour may change from ticket to ticket.
    Raises ValueError if `n` is not a positive integer or `seed` not an integer.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(ERR_N_NOT_POSITIVE.format(n=n))
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(ERR_SEED_NOT_INT.format(seed=seed))
    rng = random.Random(seed)
    n_customers = max(1, round(n * CUSTOMERS_PER_TICKET))
    references = rng.sample(range(1, 100000), n_customers)
    customers = []
    for reference in references:
        age_band = _pick(rng, AGE_WEIGHTS)
        style = _pick(rng, STYLE_GIVEN_AGE[age_band])
        customers.append((f"C-{reference:05d}", age_band, style))
    hours = [str(h) for h in range(24)]
    rows = []
    for index in range(n):
        customer_id, age_band, style = rng.choice(customers)
        emotion = _pick(rng, EMOTION_WEIGHTS)
        tilt = CHANNEL_TILT_GIVEN_AGE[age_band]
        channel = _pick(rng, {c: w * tilt[c] for c, w in CHANNEL_GIVEN_STYLE[style].items()})
        hour = int(_pick(rng, dict(zip(hours, HOUR_WEIGHTS_GIVEN_AGE[age_band], strict=True))))
        text = _message(rng, emotion=emotion, style=style)
        rows.append(
            {
                "ticket_id": f"T-{index + 1:06d}",
                "customer_id": customer_id,
                "text": text,
                "y_true": emotion,
                "age_band": age_band,
                "writing_style": style,
                "channel": channel,
                "message_length": len(text),
                "exclamations": text.count("!"),
                "caps_ratio": _caps_ratio(text),
                "hour_of_day": hour,
            }
        )
    return rows


def write_csv(
    rows: Sequence[Mapping[str, object]], path: str | Path, *, columns: Sequence[str] | None = None
) -> Path:
    """Write `rows` as a UTF-8 CSV with a header; `columns` defaults to the first row's keys.

    Raises ValueError if there are no rows or a row lacks one of the columns (naming the row,
    counted from 1 after the header, and the column).
    """
    if not rows:
        raise ValueError(ERR_NO_ROWS)
    fieldnames = list(columns) if columns is not None else list(rows[0])
    for number, row in enumerate(rows, start=1):
        for column in fieldnames:
            if column not in row:
                raise ValueError(ERR_MISSING_COLUMN.format(row=number, column=column))
    target = Path(path)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return target
