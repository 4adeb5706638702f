"""Celery tasks of governance, run by beat (CELERY_BEAT_SCHEDULE in config/settings.py)."""

from celery import shared_task

from governance.services.board_lifecycle import approvals_expire


@shared_task(name="governance.tasks.expire_approvals")
def expire_approvals() -> dict[str, int]:
    """The `expire_approvals` command as a periodic task; returns what it did."""
    outcome = approvals_expire()
    return {"expired": outcome.expired, "reminded": outcome.reminded}
