import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from marketplace.intents import selectors, services

log = logging.getLogger("polkamesh.intents")


class Command(BaseCommand):
    help = (
        "Close and settle each intent batch the moment its window ends: sleeps until the "
        "next close (at most --max-wait seconds, so a batch closed early is seen), then "
        "settles every due batch. Several copies are safe (a batch settles once)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--max-wait", type=float, default=1.0)

    def handle(self, *args, **options):
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write("Settling intent batches as they close.", ending="\n")
        self.stdout.flush()
        while not stop.is_set():
            close_old_connections()
            try:
                services.settle_due_batches()
                wait = selectors.seconds_to_next_close(options["max_wait"])
            except DatabaseError:
                log.exception("settling batches failed; retrying")
                wait = options["max_wait"]
            stop.wait(wait)
