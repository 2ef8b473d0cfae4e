from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ledger.invariants import CHECKS, violations


class Command(BaseCommand):
    help = "Check the ledger invariants; exits non-zero if any is violated."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = violations()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} ledger invariant violation(s)")
        self.stdout.write(self.style.SUCCESS(f"ledger OK ({len(CHECKS)} invariants hold)"))
