"""`make run`'s demo on the local chain: the demo wallets' money arrives as deposits,
and everything the ledger then owes in a chain-backed asset — deposits and the pools'
seeded liquidity — is held by the hot wallet on chain."""

import io

import pytest
from django.core.management import call_command

from ledger.selectors import available_balance
from marketplace.chain import services
from marketplace.core.demo import FUNDING, demo_keypair

pytestmark = pytest.mark.django_db(transaction=True)


def test_after_the_demo_the_hot_wallet_covers_what_the_ledger_owes(chain):
    call_command("chain_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())

    alice = demo_keypair("Alice").public_key.hex()
    assert available_balance(alice, "DOT") == FUNDING["DOT"]
    holdings = services.check_holdings(chain.client)
    assert {h.asset for h in holdings} == {"DOT", "USDT"}
    assert [(h.asset, h.short) for h in holdings if h.short] == []
    assert all(h.owed > FUNDING[h.asset] for h in holdings)  # deposits and pools both owed
