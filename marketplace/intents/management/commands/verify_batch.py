from django.core.management.base import BaseCommand, CommandError

from marketplace.core.errors import NotFound
from marketplace.intents.selectors import verify_batch


class Command(BaseCommand):
    help = (
        "Re-derive a settled batch from public data only (its published epoch key, the "
        "sealed intents, the recorded pool reserves before it), re-run the clearing and "
        "compare with what was recorded. Prints MATCH or every difference (exit 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("batch_id", type=int)

    def handle(self, *args, batch_id, **options):
        try:
            problems = verify_batch(batch_id)
        except NotFound as exc:
            raise CommandError(exc.message) from exc
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"MISMATCH: batch {batch_id} has {len(problems)} difference(s)")
        self.stdout.write(self.style.SUCCESS(f"MATCH: batch {batch_id} re-derives exactly"))
