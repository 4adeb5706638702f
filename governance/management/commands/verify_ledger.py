"""`manage.py verify_ledger`: recompute every hash chain; exit 1 naming the first broken event."""

from django.core.management.base import BaseCommand, CommandError

from governance.ledger import verify_chain


class Command(BaseCommand):
    help = "Verify the hash-chained ledger of every organization (or one, with --organization)."

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="Organization id to verify (default: all).")

    def handle(self, *args, organization: str | None, **options):
        result = verify_chain([organization] if organization else None)
        if not result.ok:
            raise CommandError(f"{result.message} ({result.events} events checked)")
        self.stdout.write(f"OK: {result.events} events verified. Head: {result.head or '-'}")
        for org, head in sorted(result.heads.items()):
            self.stdout.write(f"  organization {org}: head {head}")
