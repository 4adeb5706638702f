"""Builders for the records tests: small questionnaires, policies and a database text dump."""

from datetime import UTC, date, datetime
from typing import Any

from django.db import connection

from governance.canonical import canonical_json, sha256_hex
from governance.models import ConsentPolicy, ConsentPolicyStatus, Questionnaire

SECTION = "main"
POLICY_TEXT = "We infer the tone of your messages to route them. You may withdraw at any time."
EFFECTIVE = date(2026, 1, 1)


def option(value: str, points: int, qtype: str) -> dict[str, Any]:
    return {"value": value, "label": f"Answer {value}", qtype: points}


def scale(question_id: str, top: int, *, qtype: str = "risk", required: bool = True) -> dict:
    """A single-choice question whose options p0..p<top> carry 0..top points."""
    return {
        "id": question_id,
        "section": SECTION,
        "type": qtype,
        "kind": "single",
        "text": f"Question {question_id}?",
        "short": f"topic {question_id}",
        "help": f"Why we ask {question_id}.",
        "required": required,
        "anchors": ["GDPR:35(7)(c)"],
        "options": [option(f"p{points}", points, qtype) for points in range(top + 1)],
    }


def stored_questionnaire(*questions: dict, key: str = "records-test", version: int = 1):
    """A Questionnaire row as the default one is stored (data plus its canonical digest)."""
    data = {
        "key": key,
        "version": version,
        "title": "Records test questionnaire",
        "description": "",
        "sections": [{"id": SECTION, "title": "Main"}],
        "questions": list(questions),
    }
    return Questionnaire.objects.create(
        key=key,
        version=version,
        title=data["title"],
        data=data,
        content_sha256=sha256_hex(canonical_json(data)),
    )


def boundary_questionnaire() -> Questionnaire:
    """One risk question worth 0..20 (max_raw 20) and one mitigation worth 0..5 (max 5)."""
    return stored_questionnaire(scale("risk", 20), scale("care", 5, qtype="mitigation"))


def published_policy(tenant, *, name: str = "Support tone", systems=None, effective=EFFECTIVE):
    """A published policy linked (by default) to the tenant's first system, vendor0's."""
    policy = ConsentPolicy.objects.create(
        organization=tenant.organization,
        name=name,
        version=1,
        text=POLICY_TEXT,
        purposes=["route messages"],
        effective_from=effective,
        status=ConsentPolicyStatus.PUBLISHED,
        published_at=effective_datetime(effective),
        text_sha256=sha256_hex(POLICY_TEXT.encode("utf-8")),
    )
    policy.systems.set(systems if systems is not None else [tenant.systems[0]])
    return policy


def effective_datetime(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def all_text_in_database() -> str:
    """Every value of every table, as text, to search for a secret."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks.extend(str(row) for row in cursor.fetchall())
    return "\n".join(chunks)
