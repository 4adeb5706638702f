"""`manage.py create_token --email EMAIL`: prints a new personal API token for an existing user."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from governance.services import personal_token_issue


class Command(BaseCommand):
    help = "Print a new personal API token for an existing user."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--label", default="command line")

    def handle(self, *args, email: str, label: str, **options):
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with e-mail {email!r}.")
        issued = personal_token_issue(user=user, label=label)
        self.stdout.write(issued.secret)
