"""Regulatory screening of an AI system, evaluated from rules kept as data.

The rules, clauses, plain-language texts and effective dates live in `data/screening_rules.json`
(REGULATORY.md §1 and §2), so a date moved by an amending regulation is a data change. A rule
counts only from its `effective_from` date; a rule that matches but is not yet in force is listed
under `upcoming`. Each duty carries its own `applies_from` and says whether it is `in_force` on the
screening date.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

RULES_PATH = Path(__file__).resolve().parent / "data" / "screening_rules.json"
SEVERITY = {"minimal_risk": 0, "high_risk": 1, "prohibited": 2}
UNKNOWN_PREDICATE = "Unknown screening predicate: {predicate!r}"
SCREENED_FIELDS = (
    "modality",
    "subjects",
    "context",
    "medical_or_safety_purpose",
    "decides_about_people",
)


@dataclass(frozen=True)
class Ruleset:
    """The parsed screening table."""

    version: str
    definitions: dict[str, list[str]]
    duties: dict[str, dict[str, str]]
    rules: list[dict[str, Any]]


@cache
def load_rules(path: Path = RULES_PATH) -> Ruleset:
    """Read and check the rules file once per process."""
    data = json.loads(path.read_text(encoding="utf-8"))
    ruleset = Ruleset(
        version=data["version"],
        definitions=data["definitions"],
        duties=data["duties"],
        rules=data["rules"],
    )
    for rule in ruleset.rules:
        if rule["category"] not in SEVERITY:
            raise ValueError(f"Rule {rule['id']} has an unknown category {rule['category']!r}")
        for duty in rule["duties"]:
            if duty not in ruleset.duties:
                raise ValueError(f"Rule {rule['id']} names an unknown duty {duty!r}")
        date.fromisoformat(rule["effective_from"])
    return ruleset


def _matches(predicate: Mapping[str, Any], facts: Mapping[str, Any], ruleset: Ruleset) -> bool:
    if "all" in predicate:
        return all(_matches(p, facts, ruleset) for p in predicate["all"])
    if "any" in predicate:
        return any(_matches(p, facts, ruleset) for p in predicate["any"])
    if predicate.get("always") is True:
        return True
    value = facts[predicate["field"]]
    if "equals" in predicate:
        return value == predicate["equals"]
    if "not_equals" in predicate:
        return value != predicate["not_equals"]
    if "in_definition" in predicate:
        return value in ruleset.definitions[predicate["in_definition"]]
    if "not_in_definition" in predicate:
        return value not in ruleset.definitions[predicate["not_in_definition"]]
    raise ValueError(UNKNOWN_PREDICATE.format(predicate=predicate))


def screen(facts: Mapping[str, Any], *, on: date, ruleset: Ruleset | None = None) -> dict[str, Any]:
    """Screen a system's fields on a date.

    Returns `{category, duties, reasons, upcoming, rules_version, screened_on}`: `category` is the
    most severe category among the rules in force that match (`minimal_risk` if none raise it),
    `reasons` the clauses and plain words of every matching rule in force, `duties` the union of
    their duties in rule order, each with `in_force` on `on`.
    """
    ruleset = ruleset or load_rules()
    facts = {name: facts[name] for name in SCREENED_FIELDS}
    category = "minimal_risk"
    reasons: list[dict[str, str]] = []
    duty_codes: list[str] = []
    upcoming: list[dict[str, str]] = []
    for rule in ruleset.rules:
        if not _matches(rule["when"], facts, ruleset):
            continue
        effective = date.fromisoformat(rule["effective_from"])
        if effective > on:
            upcoming.extend(
                {**reason, "rule": rule["id"], "applies_from": rule["effective_from"]}
                for reason in rule["reasons"]
            )
            continue
        if SEVERITY[rule["category"]] > SEVERITY[category]:
            category = rule["category"]
        reasons.extend({"clause": r["clause"], "text": r["text"]} for r in rule["reasons"])
        duty_codes.extend(code for code in rule["duties"] if code not in duty_codes)
    if category == "prohibited":
        # Nothing else matters for a banned practice: the one duty is not to deploy it.
        duty_codes = [code for code in duty_codes if code == "do_not_deploy"] + [
            code for code in duty_codes if code.startswith("gdpr_")
        ]
    duties = [
        {
            "duty": code,
            "clause": ruleset.duties[code]["clause"],
            "text": ruleset.duties[code]["text"],
            "applies_from": ruleset.duties[code]["applies_from"],
            "in_force": date.fromisoformat(ruleset.duties[code]["applies_from"]) <= on,
        }
        for code in duty_codes
    ]
    return {
        "category": category,
        "duties": duties,
        "reasons": reasons,
        "upcoming": upcoming,
        "rules_version": ruleset.version,
        "screened_on": on.isoformat(),
    }


def prohibited_reason(screening: Mapping[str, Any]) -> str:
    """The plain-language reason, with its clause, why a screened system can never be deployed."""
    for reason in screening.get("reasons", []):
        if reason["clause"] == "EU AI Act Art. 5(1)(f)":
            return f"{reason['text']} ({reason['clause']})"
    return "This system is a prohibited AI practice and cannot be approved or deployed."
