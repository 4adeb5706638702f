"""The web pages, the API docs and production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_home_page_explains_attune_to_a_visitor(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b"Deploy emotion AI responsibly" in response.content


@pytest.mark.django_db
def test_home_page_lists_a_members_systems_with_their_screening(client, tenant, other_tenant):
    client.force_login(tenant.members["viewer"])

    page = client.get("/").content.decode()

    assert tenant.systems[0].name in page
    assert other_tenant.systems[0].name not in page
    assert "Minimal risk under the AI Act" in page


@pytest.mark.django_db
def test_system_page_shows_clauses_and_hides_other_organizations(client, tenant, other_tenant):
    client.force_login(tenant.members["viewer"])

    ours = client.get(f"/systems/{tenant.systems[0].pk}/")
    theirs = client.get(f"/systems/{other_tenant.systems[0].pk}/")

    assert ours.status_code == 200
    assert "EU AI Act Art. 3(39)" in ours.content.decode()
    assert theirs.status_code == 404


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/schema/")
    docs = client.get("/api/v1/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/systems/{id}/versions/" in schema.content
    assert b"/api/v1/ledger/verify/" in schema.content
    assert docs.status_code == 200


def test_env_bool_refuses_a_malformed_value(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be true/false/1/0"):
        env_bool("SOME_FLAG")


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ATTUNE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="prod-" + "k9Xq2vLm7Rt4" * 5,
        ATTUNE_PSEUDONYM_KEY="prod-pseudonym-key",
        DJANGO_ALLOWED_HOSTS="attune.example.com",
        **extra,
    )
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]

    result = run_manage("check", env=env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


@pytest.mark.django_db
def test_audit_pages_show_findings_and_hide_other_organizations(client, tenant, other_tenant):
    from django.utils import timezone

    from audits.models import AuditRun, PredictionBatch

    version = tenant.versions[0]
    batch = PredictionBatch.objects.create(
        model_version=version,
        file="",
        format="csv",
        row_count=10,
        sha256="a" * 64,
        normalized_sha256="b" * 64,
        submitted_by="system",
        expires_at=timezone.now(),
    )
    finding = {
        "severity": "high",
        "title": "Older customers are flagged twice as often",
        "text": "t",
        "clauses": ["29 CFR 1607.4(D)"],
    }
    run = AuditRun.objects.create(
        batch=batch,
        config={},
        status="done",
        results={"findings": [finding], "metrics": []},
        result_sha256="c" * 64,
        requested_by="system",
        finished_at=timezone.now(),
    )
    client.force_login(tenant.members["viewer"])

    listing = client.get(f"/versions/{version.pk}/audits/")
    detail = client.get(f"/audits/{run.pk}/")
    client.force_login(other_tenant.members["owner"])
    hidden = client.get(f"/audits/{run.pk}/")

    assert listing.status_code == 200
    assert "Older customers are flagged twice as often" in detail.content.decode()
    assert "29 CFR 1607.4(D)" in detail.content.decode()
    assert hidden.status_code == 404
