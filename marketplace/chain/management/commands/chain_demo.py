"""`make run` on the local chain: the demo wallets (marketplace/core/demo.py) get their
starting funds on the chain and deposit them, and the watcher credits those deposits,
so the demo's ledger balances come from real transfers. The hot wallet gets a float for
network fees, and the liquidity load_demo seeds the trading pools with: the ledger owes
it, so the chain must hold it (the staff console's reconciliation). Idempotent: a
wallet that has deposited before is left alone."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from marketplace.chain import devchain, selectors, services
from marketplace.chain.client import ChainClient, ChainUnavailable
from marketplace.core.demo import DEMO_WALLETS, FUNDING, demo_keypair, pool_liquidity

FLOAT = 1_000 * 10**10  # native token for the hot wallet's fees
ON_CHAIN = 2  # each demo wallet holds twice what it deposits


class Command(BaseCommand):
    help = "Fund the demo wallets on the local chain and credit their deposits."

    def handle(self, *args, **options):
        client = self._connect()
        services.connect(client)
        hot = selectors.hot_wallet().public_key.hex()
        assets = selectors.chain_asset_ids()
        pools = pool_liquidity()
        for asset, chain_id in assets.items():
            backing = pools.get(asset, 0) + (FLOAT if chain_id is None else 0)
            if client.balance(hot, chain_id) >= backing:
                continue  # funded before: deposits came in on top
            if chain_id is None:
                devchain.set_balance(client, hot, backing)
            else:
                devchain.set_asset_balance(client, hot, backing, chain_id)
        pending = 0
        for name in DEMO_WALLETS:
            keypair = demo_keypair(name)
            key = keypair.public_key.hex()
            if selectors.deposits_of(key).exists():
                continue
            devchain.set_balance(client, key, ON_CHAIN * FUNDING["DOT"])
            for asset, amount in FUNDING.items():
                if asset not in assets:
                    continue
                if assets[asset] is not None:
                    devchain.set_asset_balance(client, key, ON_CHAIN * amount, assets[asset])
                receipt = devchain.pay(client, keypair, hot, amount, assets[asset])
                if not receipt.is_success:
                    raise CommandError(
                        f"//{name}'s {asset} deposit failed: {receipt.error_message}"
                    )
                pending += 1
        if pending:
            devchain.new_blocks(client, settings.PM_CHAIN_CONFIRMATIONS)
        while True:  # until the watcher's cursor stops moving: everything final credited
            before = selectors.chain_state().last_block
            services.follow_deposits(client)
            if selectors.chain_state().last_block == before:
                break
        self.stdout.write(f"Chain: {pending} demo deposit(s) made on {settings.PM_CHAIN_URL}.")

    def _connect(self) -> ChainClient:
        deadline = time.monotonic() + 120
        while True:
            try:
                return ChainClient(settings.PM_CHAIN_URL)
            except ChainUnavailable:
                if time.monotonic() > deadline:
                    raise CommandError(f"No chain answers at {settings.PM_CHAIN_URL}.") from None
                time.sleep(1)
