"""Staff check: the hot wallet's on-chain holdings against what the ledger owes."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from marketplace.chain import selectors
from marketplace.chain.client import ChainClient


class Command(BaseCommand):
    help = "Compare the hot wallet's on-chain balance with the ledger's liabilities."

    def handle(self, *args, **options):
        if not settings.PM_CHAIN_URL:
            raise CommandError("PM_CHAIN_URL is empty: there is no chain to reconcile.")
        client = ChainClient(settings.PM_CHAIN_URL)
        hot = selectors.hot_wallet().public_key.hex()
        owed = selectors.liabilities()
        short = []
        self.stdout.write(f"{'asset':<6} {'on chain':>24} {'ledger owes':>24}  status")
        for code, chain_id in selectors.chain_asset_ids().items():
            held = client.balance(hot, chain_id)
            ok = held >= owed[code]
            self.stdout.write(
                f"{code:<6} {held:>24} {owed[code]:>24}  {'ok' if ok else 'SHORTFALL'}"
            )
            if not ok:
                short.append(f"{code} short by {owed[code] - held}")
        client.close()
        if short:
            raise CommandError("Shortfall: " + "; ".join(short))
