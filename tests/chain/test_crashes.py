"""The chain worker killed at its worst moments (a real process, `os._exit` at the named
point as a SIGKILL would), then restarted: nothing is credited or paid twice."""

import subprocess
import sys

import pytest
from django.conf import settings
from substrateinterface import Keypair

from ledger.selectors import available_balance
from marketplace.chain.models import Deposit, Holding, Payout
from marketplace.wallets.models import Withdrawal
from tests.chain.conftest import HOT_URI, Chain, configured_chain
from tests.conftest import DOT
from tests.stack import ROOT, local_chain, stack_env

pytestmark = pytest.mark.django_db(transaction=True)

HOT = Keypair.create_from_uri(HOT_URI).public_key.hex()
KILLED = 137


def worker_once(crash_at: str = "") -> int:
    env = stack_env(
        PM_CHAIN_URL=settings.PM_CHAIN_URL,
        PM_CHAIN_HOT_WALLET_URI=settings.PM_CHAIN_HOT_WALLET_URI,
        PM_CHAIN_CONFIRMATIONS=str(settings.PM_CHAIN_CONFIRMATIONS),
        PM_CHAIN_START_BLOCK=str(settings.PM_CHAIN_START_BLOCK),
        PM_CHAIN_CRASH_AT=crash_at,
    )
    command = [sys.executable, "manage.py", "chain_worker", "--once"]
    return subprocess.run(command, cwd=ROOT, env=env, timeout=120).returncode


def test_a_watcher_killed_before_its_credit_commits_credits_once_after_restart(chain):
    user = Keypair.create_from_mnemonic(Keypair.generate_mnemonic())
    chain.set_balance(user.public_key.hex(), 100 * DOT)
    chain.transfer(user, HOT, 3 * DOT)
    chain.new_blocks(2)

    assert worker_once(crash_at="watcher.before_credit") == KILLED
    assert available_balance(user.public_key.hex(), "DOT") == 0

    assert worker_once() == 0
    assert worker_once() == 0
    assert available_balance(user.public_key.hex(), "DOT") == 3 * DOT
    assert Deposit.objects.get().status == "credited"


def test_a_payer_killed_right_after_submitting_pays_once(chain, actions, alice, fund):
    fund(alice, 10 * DOT)
    destination = Keypair.create_from_mnemonic(Keypair.generate_mnemonic())
    response = actions.post(
        "/api/withdrawals",
        alice,
        "withdraw",
        {"asset": "DOT", "amount": str(3 * DOT), "destination": destination.ss58_address},
    )
    assert response.status_code == 201

    assert worker_once(crash_at="payer.after_submit") == KILLED
    withdrawal = Withdrawal.objects.get()
    assert withdrawal.status == "submitted"
    assert withdrawal.tx_hash == Payout.objects.get().tx_hash

    assert worker_once() == 0  # the reconciler finds it on chain
    assert worker_once() == 0
    withdrawal.refresh_from_db()
    assert withdrawal.status == "confirmed"
    assert chain.balance(destination.public_key.hex()) == 3 * DOT
    assert Payout.objects.count() == 1
    assert available_balance(alice.public_key, "DOT") == 7 * DOT


def test_the_chain_restarted_over_its_saved_state_is_followed_on(tmp_path, settings):
    """As `make run` does: the chain stopped and resumed from its saved state keeps its
    genesis hash, so the worker still follows it, and wallets' signatures still verify."""
    user = Keypair.create_from_mnemonic(Keypair.generate_mnemonic())
    with local_chain(tmp_path) as url:
        chain = configured_chain(url, settings)
        chain.set_balance(user.public_key.hex(), 100 * DOT)
        chain.transfer(user, HOT, 3 * DOT)
        chain.new_blocks(2)
        assert worker_once() == 0
        genesis = chain.client.genesis_hash()
        chain.client.close()
    assert available_balance(user.public_key.hex(), "DOT") == 3 * DOT

    with local_chain(tmp_path, fresh=False) as url:
        settings.PM_CHAIN_URL = url
        chain = Chain(url)
        assert chain.client.genesis_hash() == genesis
        chain.transfer(user, HOT, 4 * DOT)
        chain.new_blocks(2)
        assert worker_once() == 0
        assert worker_once() == 0
        chain.client.close()

    assert available_balance(user.public_key.hex(), "DOT") == 7 * DOT
    assert sorted(Deposit.objects.values_list("amount", "status")) == [
        (3 * DOT, "credited"),
        (4 * DOT, "credited"),
    ]
    # The worker checked the hot wallet against the ledger as it went.
    assert Holding.objects.get(asset="DOT").owed == 7 * DOT


def test_the_session_chain_is_started_again_if_it_has_died(local_chain_process):
    """The test harness's own guard: chopsticks dying mid-session costs a warning, not
    every chain test after it."""
    local_chain_process.process.kill()
    local_chain_process.process.wait()

    with pytest.warns(UserWarning, match="the local chain had exited with -9"):
        url = local_chain_process.running_url()

    chain = Chain(url)
    assert chain.client.best_number() >= 0
    chain.client.close()
