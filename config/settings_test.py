"""Test settings: config.settings plus speed-ups only."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-" + "x" * 50)
os.environ.setdefault("ATTUNE_PSEUDONYM_KEY", "test-pseudonym-key")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("ATTUNE_DATA_DIR", tempfile.mkdtemp(prefix="attune-test-data-"))

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory, so that Celery worker processes in the Redis tests share the test DB.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(os.environ["ATTUNE_DATA_DIR"], "test-db.sqlite3")
    }
