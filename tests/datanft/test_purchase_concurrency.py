"""Concurrent purchases on PostgreSQL: extensions never lose hours, and money that pays
for one purchase cannot pay for two."""

from datetime import timedelta
from functools import partial

import pytest

from ledger.errors import InsufficientFunds
from marketplace.datanft import services
from marketplace.datanft.models import Purchase, Subscription
from marketplace.wallets.models import Wallet
from tests.concurrency import run_at_once
from tests.conftest import DOT, balance
from tests.datanft.conftest import PRICE


def run_concurrently(count: int, work) -> list[str]:
    results = run_at_once(*(partial(work, i) for i in range(count)), catch=(InsufficientFunds,))
    return ["insufficient" if isinstance(r, InsufficientFunds) else "ok" for r in results]


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_extensions_add_up_to_every_hour_bought(nft, alice, fund):
    fund(alice, 10 * DOT)
    wallet = Wallet.objects.get_or_create(public_key=alice.public_key)[0]

    def buy(i: int) -> None:
        services.purchase_subscription(
            wallet, nft_id=nft["id"], hours=i + 1, idempotency_key=f"concurrent:{i}"
        )

    assert run_concurrently(8, buy) == ["ok"] * 8
    subscription = Subscription.objects.get()
    first = Purchase.objects.order_by("starts_at").first()
    assert subscription.expires_at == first.starts_at + timedelta(hours=sum(range(1, 9)))
    assert balance(alice) == 10 * DOT - 36 * PRICE


@pytest.mark.django_db(transaction=True)
def test_money_for_one_purchase_buys_exactly_one(nft, alice, fund):
    fund(alice, 10 * PRICE)
    wallet = Wallet.objects.get_or_create(public_key=alice.public_key)[0]

    def buy(i: int) -> None:
        services.purchase_subscription(
            wallet, nft_id=nft["id"], hours=10, idempotency_key=f"race:{i}"
        )

    outcomes = run_concurrently(6, buy)
    assert sorted(outcomes) == ["insufficient"] * 5 + ["ok"]
    assert balance(alice) == 0
    assert Purchase.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_transfer_racing_purchases_never_answers_not_found(nft, alice, bob, carol, dave, fund):
    """The lock re-check once dropped the joined owner row of a just-transferred NFT:
    buyers got 404. Now the transfer and every purchase each win cleanly or get a 409."""
    from marketplace.core import errors

    # carol buys too, in the rounds where she is the heir: what she earned as the owner
    # depends on who won the race before, so she is funded like the others.
    for signer in (alice, bob, carol, dave):
        fund(signer, 100 * PRICE)
    wallets = {
        s: Wallet.objects.get_or_create(public_key=s.public_key)[0] for s in (alice, bob, carol)
    }
    wallets[dave] = Wallet.objects.get_or_create(public_key=dave.public_key)[0]
    owner, heir = carol, bob
    for round_ in range(4):

        def transfer(owner=owner, heir=heir) -> None:
            services.transfer_data_nft(wallets[owner], nft_id=nft["id"], to=heir.public_key)

        def buy(signer, i: int, round_=round_) -> None:
            services.purchase_subscription(
                wallets[signer], nft_id=nft["id"], hours=1, idempotency_key=f"r{round_}:{i}"
            )

        calls = [transfer, *(partial(buy, s, i) for i, s in enumerate((alice, dave, heir)))]
        results = run_at_once(*calls, catch=(errors.ApiError,))
        refused = [r for r in results if isinstance(r, errors.ApiError)]
        assert all(r.status == 409 for r in refused), [r.code for r in refused]
        owner, heir = heir, owner
