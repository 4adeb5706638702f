"""Attune's Django project; the Celery app loads with it so that shared tasks bind to it."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
