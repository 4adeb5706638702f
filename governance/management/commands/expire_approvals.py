"""`python manage.py expire_approvals`: lapse approvals past their date and send the reminders."""

from django.core.management.base import BaseCommand

from governance.services.board import REMINDER_DAYS
from governance.services.board_lifecycle import approvals_expire

SUMMARY = (
    "{expired} lapsed approval(s) moved back to registered (each needs a new deployment "
    "request); {reminded} reminder(s) sent for approvals lapsing within {days} days."
)


class Command(BaseCommand):
    help = (
        "Move approved or deployed model versions whose approval lapsed back to registered "
        "(their request becomes expired, with a ledger event), and e-mail owners and reviewers "
        f"once, {REMINDER_DAYS} days before an approval lapses. Run it daily (Celery beat)."
    )

    def handle(self, *args, **options) -> None:
        outcome = approvals_expire()
        self.stdout.write(
            SUMMARY.format(expired=outcome.expired, reminded=outcome.reminded, days=REMINDER_DAYS)
        )
