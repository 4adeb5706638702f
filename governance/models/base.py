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


class FrozenAfterStatusMixin(models.Model):
    """A row that may change until it reaches one of `frozen_statuses`, then never again.

    The status the row had when loaded is remembered; saving or deleting a row that was already
    frozen raises `ImmutableRecordError` with `frozen_message`. (The one allowed `save()`
    override, STYLE.md §2.)
    """

    frozen_statuses: frozenset[str] = frozenset()
    frozen_message = "{model} records are immutable once final."

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._refuse_if_frozen()
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def delete(self, *args, **kwargs):
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_status = instance.status
        return instance

    def _refuse_if_frozen(self) -> None:
        if getattr(self, "_stored_status", None) in self.frozen_statuses:
            raise ImmutableRecordError(self.frozen_message.format(model=type(self).__name__))
