"""`manage.py create_organization NAME --owner-email EMAIL`: prints the owner's new API token."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from governance.services import organization_create


class Command(BaseCommand):
    help = (
        "Create an organization and its owner; print one line: a personal API token for the owner."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--owner-email", required=True)

    def handle(self, *args, name: str, owner_email: str, **options):
        try:
            _, issued = organization_create(name=name, owner_email=owner_email)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        self.stdout.write(issued.secret)
