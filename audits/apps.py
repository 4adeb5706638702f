from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = "Audits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audits.erasure import erase_subject_rows
        from audits.evidence import audit_lookup
        from governance.hooks import register_audit_lookup, register_subject_eraser

        register_audit_lookup(audit_lookup)
        register_subject_eraser(erase_subject_rows)
