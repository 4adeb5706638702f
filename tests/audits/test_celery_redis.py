"""Chunked counting on real Celery workers over Redis gives the single-process result (§9).

Needs a Redis broker: CI sets CELERY_TEST_BROKER_URL (redis://127.0.0.1:6379/15) and runs this on
SQLite and PostgreSQL. Two worker processes share the test database and the data folder.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from audits.models import AuditRun
from audits.services import audit_run_start, batch_upload
from config.celery import app as celery_app

BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_redis,
    pytest.mark.skipif(not BROKER, reason="set CELERY_TEST_BROKER_URL to a Redis URL (CI does)"),
    pytest.mark.django_db(transaction=True),
]


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def reset_connections() -> None:
    """Drop the app's cached producer pool and result backend, bound to the broker in force
    when they were first used (earlier in-process tests), so the new broker URL applies."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._local = threading.local()


@pytest.fixture
def workers():
    """Two Celery worker processes on the test database, chunking at 1,000 rows."""
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER,
        "CELERY_RESULT_BACKEND": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "ATTUNE_CHUNK_ROWS": "1000",
    }
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
                f"--hostname=w{i}@test",
            ],
            cwd=ROOT,
            env=env,
        )
        for i in (1, 2)
    ]
    previous = dict(celery_app.conf)
    celery_app.conf.update(task_always_eager=False, broker_url=BROKER, result_backend=BROKER)
    reset_connections()
    try:
        yield processes
    finally:
        celery_app.conf.update(
            task_always_eager=previous["task_always_eager"],
            broker_url=previous["broker_url"],
            result_backend=previous["result_backend"],
        )
        reset_connections()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def make_csv(path: Path, rows: int) -> Path:
    bands = ["18-24", "25-34", "35-49", "50-64", "65+"]
    labels = ["anger", "joy", "neutral"]
    with path.open("w") as handle:
        handle.write("y_pred,y_true,age_band,channel\n")
        for i in range(rows):
            pred = labels[(i * 7 + i // 11) % 3]
            true = labels[(i * 5) % 3]
            handle.write(f"{pred},{true},{bands[(i * 3) % 5]},{'chat' if i % 4 else 'email'}\n")
    return path


def wait_done(run_id, timeout=180) -> AuditRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = AuditRun.objects.get(pk=run_id)
        if run.status in ("done", "failed"):
            return run
        time.sleep(0.5)
    raise AssertionError(f"audit {run_id} did not finish in {timeout} s")


def test_chunked_run_on_two_workers_equals_the_single_process_run(
    tenant, workers, tmp_path, settings
):
    version = tenant.versions[0]
    version.labels = ["anger", "joy", "neutral"]
    version.flagged_labels = ["anger"]
    version.save()
    owner = tenant.members["owner"]
    batch, _ = batch_upload(
        actor=owner,
        version=version,
        upload=make_csv(tmp_path / "p.csv", 5_500),
        filename="p.csv",
        fmt=None,
        sensitive=["age_band"],
        features=["channel"],
        subject_column=None,
    )
    settings.ATTUNE_CHUNK_ROWS = 1_000_000
    celery_app.conf.update(task_always_eager=True)
    single = audit_run_start(actor=owner, batch=batch, options={"bootstrap": 300})
    single = wait_done(single.pk)
    celery_app.conf.update(task_always_eager=False)

    chunked = audit_run_start(actor=owner, batch=batch, options={"bootstrap": 300})
    chunked = wait_done(chunked.pk)

    assert single.status == "done", single.error
    assert chunked.status == "done", chunked.error
    assert chunked.timings["chunks"] == 6  # ceil(5,500 / 1,000), counted by the workers
    assert chunked.result_sha256 == single.result_sha256
    assert chunked.results == single.results
