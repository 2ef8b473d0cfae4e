"""Withdrawals paid on the real local chain from the hot wallet: confirmed only after
inclusion with success, funds back when the chain refuses, paused by staff."""

import pytest
from django.core.management import CommandError, call_command
from substrateinterface import Keypair

from ledger.selectors import available_balance
from marketplace.chain import services
from marketplace.chain.models import Holding, Payout
from marketplace.core.models import OutboxEvent
from marketplace.wallets.models import Withdrawal
from tests.chain.conftest import HOT_URI
from tests.conftest import DOT

pytestmark = pytest.mark.django_db

HOT = Keypair.create_from_uri(HOT_URI).public_key.hex()


def stranger() -> Keypair:
    return Keypair.create_from_mnemonic(Keypair.generate_mnemonic())


def request_withdrawal(actions, signer, destination: Keypair, amount: int, asset="DOT") -> dict:
    response = actions.post(
        "/api/withdrawals",
        signer,
        "withdraw",
        {"asset": asset, "amount": str(amount), "destination": destination.ss58_address},
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_withdrawal_is_paid_on_chain_and_confirmed(chain, actions, alice, fund, api):
    fund(alice, 10 * DOT)
    destination = stranger()
    request_withdrawal(actions, alice, destination, 4 * DOT)

    assert services.pay_withdrawals(chain.client) == 1

    withdrawal = Withdrawal.objects.get()
    assert withdrawal.status == "confirmed"
    assert chain.balance(destination.public_key.hex()) == 4 * DOT
    assert withdrawal.tx_hash == Payout.objects.get().tx_hash
    assert withdrawal.block_hash.startswith("0x")
    assert available_balance(alice.public_key, "DOT") == 6 * DOT
    statuses = [e.data["status"] for e in OutboxEvent.objects.filter(type="withdrawal.status")]
    assert statuses == ["pending", "submitted", "confirmed"]

    api.force_authenticate(withdrawal.wallet)
    [row] = api.get("/api/withdrawals").json()["results"]
    assert (row["status"], row["tx_hash"], row["failure_reason"]) == (
        "confirmed",
        withdrawal.tx_hash,
        "",
    )


def test_an_overdraft_on_chain_fails_and_returns_the_funds(chain, actions, alice, fund):
    chain.set_balance(HOT, 1 * DOT)  # the hot wallet cannot cover it
    fund(alice, 10 * DOT)
    destination = stranger()
    request_withdrawal(actions, alice, destination, 5 * DOT)

    services.pay_withdrawals(chain.client)

    withdrawal = Withdrawal.objects.get()
    assert withdrawal.status == "failed"
    assert withdrawal.failure_reason.endswith("InsufficientBalance")
    assert chain.balance(destination.public_key.hex()) == 0
    assert available_balance(alice.public_key, "DOT") == 10 * DOT


def test_nothing_is_paid_while_withdrawals_are_paused(chain, actions, alice, fund):
    fund(alice, 10 * DOT)
    destination = stranger()
    request_withdrawal(actions, alice, destination, 1 * DOT)
    services.set_withdrawals_paused(True)

    assert services.pay_withdrawals(chain.client) == 0
    assert Withdrawal.objects.get().status == "pending"

    services.set_withdrawals_paused(False)
    assert services.pay_withdrawals(chain.client) == 1
    assert chain.balance(destination.public_key.hex()) == 1 * DOT


def test_withdrawals_need_a_signed_in_wallet(api):
    assert api.get("/api/withdrawals").status_code == 401


def test_reconcile_passes_when_the_hot_wallet_covers_the_ledger(chain, alice, fund):
    fund(alice, 10 * DOT)  # the ledger owes 10 DOT; the hot wallet holds its float
    call_command("chain_reconcile")
    dot = Holding.objects.get(asset="DOT")
    assert (dot.owed, dot.short) == (10 * DOT, False) and dot.on_chain >= 10 * DOT


def test_reconcile_detects_a_shortfall(chain, alice, fund):
    fund(alice, 2_000 * DOT)  # more than the hot wallet holds

    with pytest.raises(CommandError, match="DOT short by"):
        call_command("chain_reconcile")
