"""`manage.py purge_expired`: delete prediction rows past the retention period (legal holds kept)."""

from django.core.management.base import BaseCommand

from audits.services import batches_purge_expired


class Command(BaseCommand):
    help = (
        "Delete the stored rows of batches past their expiry; systems under a legal hold are kept."
    )

    def handle(self, *args, **options):
        summary = batches_purge_expired()
        self.stdout.write(
            f"Purged {summary['purged']} batch file(s); kept {summary['held']} under a legal hold."
        )
