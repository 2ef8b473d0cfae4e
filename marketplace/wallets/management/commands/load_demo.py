"""Demo data for `make run`: a staff user (password from PM_ADMIN_PASSWORD, else random
and printed), funded dev wallets, and whatever each domain
app seeds in its `demo.py` (`seed(stdout)`). Idempotent: running it again changes
nothing (funding uses fixed idempotency keys, seeds check what exists)."""

import importlib
import os
import secrets

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from ledger import services as ledger
from ledger.kinds import TransferKind
from marketplace.core.demo import BOTS, DEMO_WALLETS, FUNDING, PEOPLE, demo_keypair
from marketplace.wallets.models import Wallet


class Command(BaseCommand):
    help = "Load the demo data (staff user, funded demo wallets, domain seeds)."

    def handle(self, *args, **options):
        username = os.environ.get("PM_ADMIN_USER", "admin")
        # A known password would open the admin of every demo reachable from outside:
        # a random one, printed once, unless the operator chooses it.
        password = os.environ.get("PM_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(
                username=username, defaults={"is_staff": True, "is_superuser": True}
            )
            if created:
                user.set_password(password)
                user.save()
            wallets = []
            chain_backed = settings.PM_CHAIN_ASSETS if settings.PM_CHAIN_URL else {}
            for name in DEMO_WALLETS:
                keypair = demo_keypair(name)
                wallet, _ = Wallet.objects.get_or_create(public_key=keypair.public_key.hex())
                for asset, amount in FUNDING.items():
                    if asset in chain_backed:
                        continue  # it arrived as a deposit on the chain (chain_demo)
                    ledger.deposit(
                        wallet.public_key,
                        asset,
                        amount,
                        kind=TransferKind.DEMO_FUNDING,
                        reference="demo",
                        key=f"demo:fund:{wallet.public_key}:{asset}",
                    )
                wallets.append((name, wallet.address))
        for config in apps.get_app_configs():
            if config.name.startswith("marketplace."):
                try:
                    demo = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as missing:
                    if missing.name != f"{config.name}.demo":
                        raise
                    continue
                if hasattr(demo, "seed"):
                    demo.seed(self.stdout)
        self.stdout.write(f"Admin login: {username} / {password if created else '(unchanged)'}")
        self.stdout.write("Your wallets (dev URIs; import them into polkadot{.js} to sign):")
        for name, address in wallets:
            if name in PEOPLE:
                self.stdout.write(f"  //{name:<7} {address}")
        self.stdout.write("The demo's own wallets: " + ", ".join(f"//{name}" for name in BOTS))
