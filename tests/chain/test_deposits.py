"""Deposits: transfers to the deposit address on the real local chain, credited to the
sender exactly once after `confirmations` blocks."""

import pytest
from substrateinterface import Keypair

from ledger.selectors import available_balance
from marketplace.chain import services
from marketplace.chain.models import Deposit
from marketplace.core.models import OutboxEvent
from marketplace.wallets.models import Wallet
from tests.chain.conftest import HOT_URI, USDT_ID
from tests.conftest import DOT

HOT = Keypair.create_from_uri(HOT_URI).public_key.hex()

pytestmark = pytest.mark.django_db


def newcomer(chain, dot: int = 100 * DOT) -> Keypair:
    """A wallet the platform has never seen, with native funds on chain."""
    keypair = Keypair.create_from_mnemonic(Keypair.generate_mnemonic())
    chain.set_balance(keypair.public_key.hex(), dot)
    return keypair


def test_it_credits_a_transfer_once_to_a_sender_never_seen(chain):
    user = newcomer(chain)
    chain.transfer(user, HOT, 5 * DOT)
    chain.new_blocks(2)

    assert services.follow_deposits(chain.client) == 1
    assert services.follow_deposits(chain.client) == 0

    key = user.public_key.hex()
    assert Wallet.objects.filter(public_key=key).exists()
    assert available_balance(key, "DOT") == 5 * DOT
    deposit = Deposit.objects.get()
    assert (deposit.status, deposit.asset, deposit.amount) == ("credited", "DOT", 5 * DOT)
    assert OutboxEvent.objects.filter(type="deposit.credited").count() == 1


def test_a_deposit_below_confirmations_is_seen_not_credited(chain):
    user = newcomer(chain)
    chain.transfer(user, HOT, 2 * DOT)

    assert services.follow_deposits(chain.client) == 0
    assert Deposit.objects.get().status == "seen"
    chain.new_blocks(1)
    assert services.follow_deposits(chain.client) == 0
    assert available_balance(user.public_key.hex(), "DOT") == 0

    chain.new_blocks(1)
    assert services.follow_deposits(chain.client) == 1
    assert Deposit.objects.get().status == "credited"
    assert available_balance(user.public_key.hex(), "DOT") == 2 * DOT


def test_it_credits_usdt_from_the_assets_pallet(chain):
    user = newcomer(chain)
    chain.set_usdt(user.public_key.hex(), 50 * 10**6)
    chain.transfer(user, HOT, 7 * 10**6, asset_id=USDT_ID)
    chain.new_blocks(2)

    assert services.follow_deposits(chain.client) == 1
    assert available_balance(user.public_key.hex(), "USDT") == 7 * 10**6


def test_it_ignores_an_asset_it_does_not_map(chain, settings):
    settings.PM_CHAIN_ASSETS = {"DOT": "native"}
    user = newcomer(chain)
    chain.set_usdt(user.public_key.hex(), 50 * 10**6)
    chain.transfer(user, HOT, 7 * 10**6, asset_id=USDT_ID)
    chain.new_blocks(2)

    assert services.follow_deposits(chain.client) == 0
    assert not Deposit.objects.exists()


def test_a_transfer_to_another_address_is_not_a_deposit(chain):
    user, other = newcomer(chain), newcomer(chain)
    chain.transfer(user, other.public_key.hex(), 3 * DOT)
    chain.new_blocks(2)

    assert services.follow_deposits(chain.client) == 0
    assert not Deposit.objects.exists()


def test_my_deposits_are_listed_newest_first(chain, api):
    user = newcomer(chain)
    chain.transfer(user, HOT, 1 * DOT)
    chain.transfer(user, HOT, 2 * DOT)
    chain.new_blocks(1)
    services.follow_deposits(chain.client)  # the first is final, the second only seen

    api.force_authenticate(Wallet.objects.get(public_key=user.public_key.hex()))
    rows = api.get("/api/deposits").json()["results"]

    assert [(r["amount"], r["status"]) for r in rows] == [
        (str(2 * DOT), "seen"),
        (str(1 * DOT), "credited"),
    ]
    assert rows[0]["from"] and rows[0]["block_hash"].startswith("0x")
    assert rows[1]["block_number"] < rows[0]["block_number"]


def test_deposits_need_a_signed_in_wallet(api, db):
    assert api.get("/api/deposits").status_code == 401


def test_config_describes_the_chain(chain, api):
    services.connect(chain.client)
    config = api.get("/api/config").json()["chain"]

    assert config["url"] == chain.url
    assert config["genesis_hash"] == chain.client.genesis_hash()
    assert config["ss58_format"] == chain.client.ss58_format
    assert (
        config["deposit_address"]
        == Keypair.create_from_uri(HOT_URI, ss58_format=chain.client.ss58_format).ss58_address
    )
    assert config["assets"] == {"DOT": {"native": True}, "USDT": {"asset_id": USDT_ID}}
    assert config["confirmations"] == 2


def test_config_says_null_without_a_chain(api, db, settings):
    settings.PM_CHAIN_URL = ""
    assert api.get("/api/config").json()["chain"] is None
