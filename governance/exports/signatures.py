"""The accountability part of the approval certificate: sign-offs, recusals and the ledger.

Each signature is printed as 21 CFR 11.50 requires (printed name, date and time in UTC, meaning)
with the evidence digest it was made on (11.70) and its ledger event; the ledger section shows the
event hashes and how a third party recomputes them (REGULATORY.md 5.4, 5.5).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.lib.units import cm
from reportlab.platypus import CondPageBreak, Spacer

from governance.exports import fields
from governance.exports.layout import (
    BAD,
    FONT_MONO,
    GOOD,
    NEUTRAL,
    escape,
    grid,
    key_values,
    markup,
    paragraph,
)

VERIFY_COMMAND = "python manage.py verify_ledger"
DECISIONS = {
    "approve": (
        "APPROVE",
        GOOD,
        "Approval: the signer approves deployment of this model version on the evidence "
        "identified by the digest below, and takes responsibility for that decision.",
    ),
    "reject": (
        "REJECT",
        BAD,
        "Rejection: the signer refuses deployment of this model version on the evidence "
        "identified by the digest below.",
    ),
    "abstain": (
        "ABSTAIN",
        NEUTRAL,
        "Abstention: the signer reviewed the evidence identified by the digest below and "
        "neither approves nor rejects.",
    ),
}
EVIDENCE_TEXT = (
    "The evidence SHA-256 is the hash of the canonical JSON of the impact assessment revision's "
    "frozen answers and score, the audit run's result SHA-256, the model version and the "
    "regulatory screening. A signature counts only for the digest it recorded: if any of that "
    "evidence changes, the digest changes and earlier signatures no longer count."
)
LEDGER_TEXT = (
    "Every state change is an event in the organization's hash-chained ledger. An event's hash "
    "is the SHA-256 of the previous event's hash followed by the canonical JSON of the event "
    "(sequence number, organization, actor, verb, target, payload hash, time), so changing, "
    "removing or reordering any earlier event changes every hash after it."
)
NONE_GIVEN = "none given"
NONE_LISTED = "none"


def counted_approvals(signoffs: Sequence[Mapping[str, Any]], *, where: str) -> int:
    """How many sign-offs approve and count (signed the current evidence, by an eligible member)."""
    return sum(
        1
        for index, signoff in enumerate(signoffs)
        if signoff.get("decision") == "approve"
        and fields.flag(signoff, "counted", where=f"{where}[{index}]")
    )


def _counted_text(signoff: Mapping[str, Any], evidence: str, signed: str, where: str) -> str:
    if fields.flag(signoff, "counted", where=where):
        return "yes"
    if signed != evidence:
        return "no: it signed different evidence (the evidence changed after this signature)"
    return "no"


def _signoff(index: int, signoff: Mapping[str, Any], *, evidence: str, where: str) -> list:
    member = fields.or_not_recorded(fields.text(signoff, "member", where=where))
    role = fields.words(fields.text(signoff, "role", where=where))
    decision = fields.choice(signoff, "decision", tuple(DECISIONS), where=where)
    word, colour, meaning = DECISIONS[decision]
    signed = fields.digest(signoff, "evidence_sha256", where=where)
    conditions = fields.text(signoff, "conditions", where=where)
    expires = fields.moment(signoff, "conditions_expire_at", where=where)
    ledger_hash = fields.digest(signoff, "ledger_hash", where=where, optional=True)
    ledger_seq = fields.value(signoff, "ledger_seq", where=where)
    if ledger_seq is not None:
        ledger_seq = fields.whole_number(signoff, "ledger_seq", where=where)
    ledger_text = (
        f"#{ledger_seq} {ledger_hash}" if ledger_hash and ledger_seq is not None else ledger_hash
    )
    rows: list[tuple[str, object]] = [
        ("Printed name", member),
        ("Board role", role),
        ("Meaning of the signature", meaning),
        (
            "Signed (date and time, UTC)",
            fields.second_text(fields.moment(signoff, "at", where=where)),
        ),
        ("Reasons", fields.text(signoff, "reasons", where=where) or NONE_GIVEN),
        ("Conditions", conditions or NONE_LISTED),
    ]
    if conditions or expires is not None:
        rows.append(("Conditions expire (UTC)", fields.second_text(expires)))
    rows += [
        ("Evidence SHA-256 signed", signed),
        ("Counted toward the decision", _counted_text(signoff, evidence, signed, where)),
        ("Ledger event", fields.or_not_recorded(ledger_text)),
    ]
    heading = markup(
        f'{index + 1}. <font color="#{colour.hexval()[2:]}">{word}</font> \u00b7 '
        f"{escape(member)} \u2014 {escape(role)}",
        "h3",
    )
    return [heading, key_values(rows, mono=("Evidence SHA-256 signed", "Ledger event"))]


def signoffs_story(
    *,
    signoffs: Sequence[Mapping[str, Any]],
    recusals: Sequence[Mapping[str, Any]],
    quorum: int,
    evidence: str,
    where: str,
) -> list:
    """Each sign-off as 21 CFR 11.50 requires, then the recusals. ``where`` is the path of the
    mapping holding ``signoffs`` and ``recusals``, for error messages."""
    counted = counted_approvals(signoffs, where=f"{where}.signoffs")
    story: list = [
        CondPageBreak(6 * cm),
        paragraph("Board sign-offs", "h1"),
        paragraph(
            "Each signature shows the signer's printed name, the date and time of signing in UTC "
            "and its meaning (21 CFR 11.50), and the exact evidence digest it was made on "
            f"(11.70). Quorum: {quorum} counted approvals and no rejection; counted "
            f"approvals: {counted}.",
            "small",
        ),
    ]
    if not signoffs:
        story.append(paragraph("No board member has signed this request."))
    for index, signoff in enumerate(signoffs):
        story += _signoff(index, signoff, evidence=evidence, where=f"{where}.signoffs[{index}]")
    story.append(paragraph("Recusals", "h3"))
    if recusals:
        story.append(
            grid(
                ["Board member", "Why they could not sign"],
                [
                    [
                        fields.text(recusal, "member", where=f"{where}.recusals[{index}]"),
                        fields.text(recusal, "reason", where=f"{where}.recusals[{index}]"),
                    ]
                    for index, recusal in enumerate(recusals)
                ],
                [0.3, 0.7],
            )
        )
    else:
        story.append(paragraph("No board member recused themselves."))
    return story


def ledger_story(
    *, ledger: Mapping[str, Any], evidence: str, verify_instructions: str, where: str
) -> list:
    """The evidence digest, this request's ledger events and how a third party checks them.
    ``where`` is the path of ``ledger``, for error messages."""
    events = fields.mapping_list(ledger, "events", where=where)
    rows = [
        [
            str(fields.whole_number(event, "seq", where=f"{where}.events[{index}]")),
            fields.text(event, "verb", where=f"{where}.events[{index}]"),
            fields.digest(event, "hash", where=f"{where}.events[{index}]"),
        ]
        for index, event in enumerate(events)
    ]
    head = fields.digest(ledger, "head", where=where, optional=True)
    story: list = [
        CondPageBreak(6 * cm),
        paragraph("Evidence and ledger", "h1"),
        key_values([("Evidence SHA-256", evidence)], mono=("Evidence SHA-256",)),
        Spacer(1, 3),
        paragraph(EVIDENCE_TEXT, "small"),
        paragraph("Ledger events of this request", "h3"),
        paragraph(LEDGER_TEXT, "small"),
        Spacer(1, 3),
    ]
    if rows:
        story.append(grid(["#", "Event", "Hash"], rows, [0.06, 0.3, 0.64], mono_columns=(2,)))
    else:
        story.append(paragraph("No ledger events were recorded for this request."))
    story += [
        Spacer(1, 3),
        key_values(
            [("Ledger head when issued", fields.or_not_recorded(head))],
            mono=("Ledger head when issued",),
        ),
        paragraph("How a third party checks this certificate", "h3"),
        markup(
            f'Run <font name="{FONT_MONO}">{VERIFY_COMMAND}</font> on the platform: it recomputes '
            "every hash of the chain and names the first event that does not match. Then compare "
            "the hashes above with the verified chain."
        ),
        Spacer(1, 3),
    ]
    if verify_instructions:
        story.append(paragraph(verify_instructions))
    return story
