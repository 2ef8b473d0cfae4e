"""The wallet page on the real local chain: the Deposit button has the (fake) extension
sign a real balances.transferKeepAlive, the deposit shows seen then credited, and a
withdrawal is paid on chain with its transaction hash shown."""

import pytest
from substrateinterface import Keypair

from marketplace.wallets.models import Withdrawal
from tests.chain.conftest import HOT_URI, Chain
from tests.conftest import DOT
from tests.e2e.conftest import sign_in
from tests.stack import ARTIFACTS, running, web_server

pytestmark = pytest.mark.e2e

ALICE = Keypair.create_from_uri("//Alice").public_key.hex()
HOT = Keypair.create_from_uri(HOT_URI).public_key.hex()


@pytest.fixture(scope="module")
def chain(local_chain_process):
    chain = Chain(local_chain_process.running_url())
    chain.set_balance(HOT, 1_000 * DOT)
    yield chain
    chain.client.close()


@pytest.fixture(scope="module")
def live_server_url(django_db_setup, chain):
    """A web server and the chain worker, both pointed at the local chain."""
    env = {
        "PM_CHAIN_URL": chain.url,
        "PM_CHAIN_HOT_WALLET_URI": HOT_URI,
        "PM_CHAIN_CONFIRMATIONS": "2",
        "PM_CHAIN_START_BLOCK": str(chain.client.best_number() + 1),
        "PM_CHAIN_POLL_SECONDS": "0.3",
    }
    with (
        web_server("chain-web", **env) as url,
        running("chain-worker", "manage.py", "chain_worker", **env),
    ):
        yield url


def test_a_deposit_signed_in_the_browser_is_credited_and_a_withdrawal_paid(open_as, chain):
    chain.set_balance(ALICE, 100 * DOT)
    hot_before = chain.balance(HOT)
    page = open_as("Alice", "/wallet/")
    sign_in(page)

    page.fill("form[data-deposit] input[name=amount]", "5")
    page.click("form[data-deposit] button")
    page.wait_for_selector("[data-deposit-status][data-state=pending]", timeout=60_000)
    page.wait_for_selector("#pm-deposits [data-status=seen]")
    assert chain.balance(HOT) == hot_before + 5 * DOT

    chain.new_blocks(2)
    page.wait_for_selector("#pm-deposits [data-status=credited]", timeout=30_000)
    assert "5" in page.inner_text("#pm-balances tr[data-asset=DOT]")

    bob = Keypair.create_from_uri("//Bob", ss58_format=42)
    before = chain.balance(bob.public_key.hex())
    page.select_option("form[data-action=withdraw] select[name=asset]", "DOT")
    page.fill("form[data-action=withdraw] input[name=amount]", "2")
    page.fill("form[data-action=withdraw] input[name=destination]", bob.ss58_address)
    page.click("form[data-action=withdraw] button")
    page.wait_for_selector("#pm-withdrawals [data-status=confirmed]", timeout=60_000)

    withdrawal = Withdrawal.objects.get()
    assert page.get_attribute("#pm-withdrawals [data-tx-hash]", "title") == withdrawal.tx_hash
    assert chain.balance(bob.public_key.hex()) == before + 2 * DOT
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"chain-wallet-{width}.png"), full_page=True)
