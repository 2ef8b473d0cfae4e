from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from ledger.models import Transfer
from ledger.selectors import account_balance
from marketplace.datanft.models import Purchase, Subscription
from tests.conftest import DOT, balance
from tests.datanft.conftest import PRICE, code, later, stamp

pytestmark = pytest.mark.django_db


def fees() -> int:
    return account_balance("DOT", "fees")


def test_it_pays_the_owner_the_price_minus_the_fee_and_the_fee_to_the_platform(
    nft, subscribe, alice, carol, fund
):
    fund(alice, 5 * DOT)
    response = subscribe(alice, nft["id"], 10)
    assert response.status_code == 200, response.content
    body = response.json()
    # 10 h x 0.1 DOT = 1 DOT; the fee is 2.5 % (PM_FEE_BPS = 250), rounded down.
    assert body["paid"] == str(DOT)
    assert body["fee"] == str(DOT // 40)
    assert body["subscriber"] == alice.address
    assert body["nft_id"] == nft["id"]
    assert balance(alice) == 4 * DOT
    assert balance(carol) == DOT - DOT // 40 == 9_750_000_000
    assert fees() == 250_000_000


def test_it_runs_for_the_hours_bought(nft, subscribe, alice, fund):
    fund(alice, DOT)
    before = timezone.now()
    body = subscribe(alice, nft["id"], 3).json()
    expires = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(hours=3) <= expires <= timezone.now() + timedelta(hours=3)
    assert body["starts_at"] <= body["expires_at"]


def test_a_second_purchase_extends_from_the_current_expiry(nft, subscribe, alice, carol, fund):
    fund(alice, 5 * DOT)
    first = subscribe(alice, nft["id"], 10).json()
    second = subscribe(alice, nft["id"], 5).json()
    assert second["starts_at"] == first["expires_at"]
    assert datetime.fromisoformat(second["expires_at"]) == datetime.fromisoformat(
        first["expires_at"]
    ) + timedelta(hours=5)
    assert Subscription.objects.get().expires_at == datetime.fromisoformat(second["expires_at"])
    # 1 DOT then 0.5 DOT: fees 0.025 + 0.0125 DOT, the owner the rest.
    assert balance(alice) == 5 * DOT - 15 * PRICE == 35_000_000_000
    assert fees() == 250_000_000 + 125_000_000
    assert balance(carol) == 15 * PRICE - 375_000_000 == 14_625_000_000


def test_a_purchase_after_the_end_starts_now(nft, subscribe, alice, fund):
    fund(alice, DOT)
    subscribe(alice, nft["id"], 1)
    with later(hours=2) as now:
        body = subscribe(alice, nft["id"], 1, issued_at=stamp()).json()
    assert datetime.fromisoformat(body["starts_at"]) == now
    assert datetime.fromisoformat(body["expires_at"]) == now + timedelta(hours=1)


def test_the_fee_rounds_down_so_no_fraction_is_created(mint, subscribe, carol, alice, fund):
    odd = mint(carol, price_per_hour="39")  # 39 x 250 / 10 000 = 0.975 → fee 0
    fund(alice, 1000)
    body = subscribe(alice, odd["id"], 1).json()
    assert (body["paid"], body["fee"]) == ("39", "0")
    assert balance(carol) == 39
    assert balance(alice) == 961
    assert fees() == 0


def test_without_the_money_it_is_insufficient_funds_and_nothing_moves(
    nft, subscribe, alice, carol, fund
):
    fund(alice, PRICE * 10 - 1)
    response = subscribe(alice, nft["id"], 10)
    assert (response.status_code, code(response)) == (409, "insufficient_funds")
    assert balance(alice) == PRICE * 10 - 1
    assert balance(carol) == 0
    assert not Subscription.objects.exists()
    assert not Purchase.objects.exists()


def test_the_same_signed_purchase_sent_twice_charges_once(nft, actions, alice, carol, fund):
    fund(alice, 5 * DOT)
    envelope = alice.envelope("purchase_subscription", {"nft_id": nft["id"], "hours": 10})
    url = f"/api/data-nfts/{nft['id']}/subscriptions"
    first = actions.client.post(url, envelope, format="json")
    again = actions.client.post(url, envelope, format="json")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert balance(alice) == 4 * DOT
    assert Purchase.objects.count() == 1


def test_the_service_returns_the_first_purchase_for_a_repeated_key(nft, alice, fund):
    from marketplace.datanft import services
    from marketplace.wallets.models import Wallet

    fund(alice, 5 * DOT)
    wallet = Wallet.objects.get_or_create(public_key=alice.public_key)[0]
    first = services.purchase_subscription(wallet, nft_id=nft["id"], hours=2, idempotency_key="k1")
    again = services.purchase_subscription(wallet, nft_id=nft["id"], hours=2, idempotency_key="k1")
    assert again.pk == first.pk
    assert balance(alice) == 5 * DOT - 2 * PRICE
    assert Transfer.objects.filter(kind__startswith="subscription").count() == 2


def test_the_owner_cannot_subscribe_to_its_own_nft(nft, subscribe, carol, fund):
    fund(carol, DOT)
    response = subscribe(carol, nft["id"], 1)
    assert (response.status_code, code(response)) == (409, "invalid_state")
    assert balance(carol) == DOT


def test_a_public_nft_sells_no_subscription(public_nft, subscribe, alice, fund):
    fund(alice, DOT)
    response = subscribe(alice, public_nft["id"], 1)
    assert (response.status_code, code(response)) == (409, "invalid_state")
    assert balance(alice) == DOT


def test_an_unknown_nft_is_not_found(subscribe, alice):
    response = subscribe(alice, 999_999, 1)
    assert (response.status_code, code(response)) == (404, "not_found")


@pytest.mark.parametrize("hours", [0, -1, 24 * 365 + 1, "ten", None, 1.5, [], True])
def test_hours_outside_one_to_a_year_are_invalid(nft, subscribe, alice, fund, hours):
    fund(alice, DOT)
    response = subscribe(alice, nft["id"], hours)
    assert (response.status_code, code(response)) == (400, "invalid_params")
    assert "hours" in response.json()["error"]["fields"]
    assert balance(alice) == DOT


def test_the_url_id_must_match_the_signed_nft_id(nft, actions, alice, fund):
    fund(alice, DOT)
    response = actions.post(
        f"/api/data-nfts/{nft['id']}/subscriptions",
        alice,
        "purchase_subscription",
        {"nft_id": nft["id"] + 1, "hours": 1},
    )
    assert (response.status_code, code(response)) == (400, "invalid_params")


def test_a_year_at_the_highest_price_overflows_into_a_clean_400(mint, subscribe, carol, alice):
    pricey = mint(carol, price_per_hour="9" * 39)
    response = subscribe(alice, pricey["id"], 2)
    assert (response.status_code, code(response)) == (400, "invalid_params")
