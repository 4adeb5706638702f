"""Shapes of batches and audit runs (DESIGN.md §5 and §6, pinned)."""

from rest_framework import serializers

from audits.models import AuditRun, BatchFormat, PredictionBatch


class BatchOutput(serializers.ModelSerializer):
    version = serializers.UUIDField(source="model_version_id", read_only=True)

    class Meta:
        model = PredictionBatch
        fields = [
            "id",
            "version",
            "format",
            "row_count",
            "sha256",
            "normalized_sha256",
            "columns",
            "sensitive",
            "features",
            "subject_column",
            "labels_seen",
            "has_ground_truth",
            "score_labels",
            "groups",
            "warnings",
            "excluded_rows",
            "submitted_by",
            "created_at",
            "expires_at",
            "rows_changed_at",
            "purged_at",
        ]
        read_only_fields = fields


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


class BatchUploadInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    sensitive = serializers.CharField(help_text="Comma-separated sensitive column names.")
    features = serializers.CharField(required=False, allow_blank=True, default=None)
    subject_column = serializers.CharField(required=False, allow_blank=True, default=None)
    format = serializers.ChoiceField(choices=BatchFormat.choices, required=False, default=None)

    def validate_sensitive(self, value: str) -> list[str]:
        names = _names(value)
        if not names:
            raise serializers.ValidationError("Name at least one sensitive column.")
        return names

    def validate_features(self, value: str | None) -> list[str] | None:
        return None if value is None or not value.strip() else _names(value)

    def validate_subject_column(self, value: str | None) -> str | None:
        return value.strip() or None if value else None


class AuditStartInput(serializers.Serializer):
    batch = serializers.UUIDField()
    sensitive = serializers.ListField(child=serializers.CharField(), required=False)
    intersections = serializers.BooleanField(required=False)
    min_group_size = serializers.IntegerField(required=False, min_value=1)
    threshold = serializers.FloatField(required=False, min_value=0, max_value=1)
    bootstrap = serializers.IntegerField(required=False, min_value=0, max_value=10_000)
    confidence = serializers.FloatField(required=False, min_value=0, max_value=1)
    explain = serializers.BooleanField(required=False, default=True)
    seed = serializers.IntegerField(required=False, min_value=0)


class AuditOutput(serializers.ModelSerializer):
    input_changed_after = serializers.SerializerMethodField()

    class Meta:
        model = AuditRun
        fields = [
            "id",
            "status",
            "batch",
            "config",
            "engine_version",
            "input_sha256",
            "result_sha256",
            "created_at",
            "started_at",
            "finished_at",
            "error",
            "timings",
            "input_changed_after",
            "results",
        ]
        read_only_fields = fields

    def get_input_changed_after(self, run: AuditRun) -> str | None:
        """When the batch's rows changed (erasure) after this run finished, that time."""
        changed = run.batch.rows_changed_at
        if changed and run.finished_at and changed > run.finished_at:
            return changed.isoformat()
        return None


class AuditSummaryOutput(AuditOutput):
    class Meta(AuditOutput.Meta):
        fields = [f for f in AuditOutput.Meta.fields if f != "results"]
        read_only_fields = fields
