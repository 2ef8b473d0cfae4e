from django.core.management.base import BaseCommand, CommandError

from marketplace.core.errors import ApiError
from marketplace.intents.selectors import pool_reserves
from marketplace.intents.services import seed_pool


def amount(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise ValueError(text)
    return int(text)


class Command(BaseCommand):
    help = (
        "Create an AMM pool and/or add liquidity from outside the ledger. Amounts are in "
        "the assets' smallest units. Repeating the same command adds nothing (the "
        "idempotency key is derived from the arguments); pass --key to add again."
    )

    def add_arguments(self, parser):
        parser.add_argument("token_a")
        parser.add_argument("token_b")
        parser.add_argument("reserve_a", type=amount)
        parser.add_argument("reserve_b", type=amount)
        parser.add_argument("--fee-bps", type=int, default=30)
        parser.add_argument("--key", help="idempotency key of this seeding")

    def handle(self, *args, token_a, token_b, reserve_a, reserve_b, fee_bps, key, **options):
        key = key or f"seed_pool:{token_a}:{token_b}:{reserve_a}:{reserve_b}"
        try:
            pool = seed_pool(token_a, token_b, reserve_a, reserve_b, fee_bps=fee_bps, key=key)
        except ApiError as exc:
            raise CommandError(exc.message) from exc
        reserve_a, reserve_b = pool_reserves(pool)
        self.stdout.write(
            f"pool {pool}: {reserve_a} {pool.token_a}, {reserve_b} {pool.token_b} (key {key})"
        )
