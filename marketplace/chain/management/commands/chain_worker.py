"""The chain worker: follows blocks to credit deposits, pays withdrawals from the hot
wallet, and checks the hot wallet against the ledger (the console's reconciliation
panel) each minute and whenever money moved. Run exactly one (a second one is safe,
only wasted: the state row serialises them). Restartable at any point: it resumes
from its cursor and its recorded payouts."""

import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from marketplace.chain import services
from marketplace.chain.client import ChainClient, ChainUnavailable

log = logging.getLogger(__name__)
HOLDINGS_EVERY_SECONDS = 60


class Command(BaseCommand):
    help = "Credit on-chain deposits and pay withdrawals on chain (PM_CHAIN_URL)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")

    def handle(self, *args, once=False, **options):
        if not settings.PM_CHAIN_URL:
            raise CommandError("PM_CHAIN_URL is empty: there is no chain to follow.")
        client = None
        checked_at = None
        while True:
            try:
                if client is None:
                    client = ChainClient(settings.PM_CHAIN_URL)
                    services.connect(client)
                credited = services.follow_deposits(client)
                sent = services.pay_withdrawals(client)
                if credited or sent:
                    log.info("credited %s deposit(s), sent %s payout(s)", credited, sent)
                due = checked_at is None or time.monotonic() - checked_at > HOLDINGS_EVERY_SECONDS
                if credited or sent or due:
                    services.check_holdings(client)
                    checked_at = time.monotonic()
            except ChainUnavailable as exc:
                if once:
                    raise CommandError(str(exc)) from exc
                log.warning("chain unreachable, retrying: %s", exc)
                client = None
            except Exception:
                # A dropped socket or a node restarting mid-pass: everything done so far
                # is committed and every step is idempotent, so reconnect and go on.
                if once:
                    raise
                log.exception("chain pass failed; reconnecting")
                client = None
            if once:
                return
            time.sleep(settings.PM_CHAIN_POLL_SECONDS)
