"""Staff check: the hot wallet's on-chain holdings against what the ledger owes."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from marketplace.chain import services
from marketplace.chain.client import ChainClient


class Command(BaseCommand):
    help = "Compare the hot wallet's on-chain balance with the ledger's liabilities."

    def handle(self, *args, **options):
        if not settings.PM_CHAIN_URL:
            raise CommandError("PM_CHAIN_URL is empty: there is no chain to reconcile.")
        client = ChainClient(settings.PM_CHAIN_URL)
        holdings = services.check_holdings(client)
        client.close()
        self.stdout.write(f"{'asset':<6} {'on chain':>24} {'ledger owes':>24}  status")
        for holding in holdings:
            self.stdout.write(
                f"{holding.asset:<6} {holding.on_chain:>24} {holding.owed:>24}  "
                f"{'SHORTFALL' if holding.short else 'ok'}"
            )
        short = [f"{h.asset} short by {h.owed - h.on_chain}" for h in holdings if h.short]
        if short:
            raise CommandError("Shortfall: " + "; ".join(short))
