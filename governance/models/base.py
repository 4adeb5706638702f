"""Shared model bases: time-stamped rows and append-only (immutable) records."""

import uuid

from django.db import models

from governance.exceptions import ImmutableRecordError

IMMUTABLE_MESSAGE = "{model} records are immutable: a change is a new record."


class TimeStampedModel(models.Model):
    """A row with a UUID key and creation/update times."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ImmutableQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes of immutable records."""

    def update(self, **kwargs):
        raise ImmutableRecordError(IMMUTABLE_MESSAGE.format(model=self.model.__name__))

    def delete(self):
        raise ImmutableRecordError(IMMUTABLE_MESSAGE.format(model=self.model.__name__))


class ImmutableModel(models.Model):
    """A record that can be created once and never changed or deleted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError(IMMUTABLE_MESSAGE.format(model=type(self).__name__))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError(IMMUTABLE_MESSAGE.format(model=type(self).__name__))
