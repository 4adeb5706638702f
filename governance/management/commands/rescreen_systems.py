"""`manage.py rescreen_systems`: re-evaluate every system's screening (dates pass, rules change)."""

from django.core.management.base import BaseCommand

from governance.models import AISystem
from governance.services import system_rescreen


class Command(BaseCommand):
    help = "Re-screen every AI system on today's date; record a ledger event for each change."

    def handle(self, *args, **options):
        changed = sum(system_rescreen(system=system) for system in AISystem.objects.all())
        self.stdout.write(f"{changed} system screening(s) changed.")
