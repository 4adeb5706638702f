"""Query filters for list endpoints."""

import django_filters

from governance.models import AISystem, LedgerEvent, ModelVersion


class SystemFilterSet(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="screening_category")

    class Meta:
        model = AISystem
        fields = ["status", "modality", "subjects", "context", "vendor", "category"]


class VersionFilterSet(django_filters.FilterSet):
    class Meta:
        model = ModelVersion
        fields = ["system", "status"]


class LedgerEventFilterSet(django_filters.FilterSet):
    class Meta:
        model = LedgerEvent
        fields = ["verb", "target_type", "target_id"]
