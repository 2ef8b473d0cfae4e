"""Why money moved: every transfer's `kind`, the one list of them. The values are stored
in each transfer and shown by the API (GET /api/ledger/entries), so they never change;
the labels are what a wallet's statement says of a transfer, worded for the wallet that
sees it (the payer sees its budget held, the provider its payout)."""

from django.db import models


class TransferKind(models.TextChoices):
    FAUCET = "faucet", "Test funds from the faucet"
    DEMO_FUNDING = "demo_funding", "Demo funds"
    CHAIN_DEPOSIT = "chain_deposit", "Deposit from the chain"
    # Jobs and federated jobs: the budget in escrow, paid out or returned.
    ESCROW_HOLD = "escrow_hold", "Budget held in escrow"
    ESCROW_RETURN = "escrow_return", "Unspent budget returned"
    ESCROW_REFUND = "escrow_refund", "Budget refunded"
    ESCROW_EXPIRED = "escrow_expired", "Budget refunded: the deadline passed"
    PAYOUT = "payout", "Paid for your work"
    FEE = "fee", "Platform fee"
    TRAINING_DATA = "training_data", "Paid for training on your data"
    # Data NFTs.
    SUBSCRIPTION = "subscription", "Data subscription"
    SUBSCRIPTION_FEE = "subscription_fee", "Platform fee on a data subscription"
    # Sealed trades: the lock, what it paid into the pools and what came back.
    INTENT_LOCK = "intent_lock", "Locked for a sealed trade"
    INTENT_UNLOCK = "intent_unlock", "Unused trade lock returned"
    INTENT_SWAP_IN = "intent_swap_in", "Paid into a trade"
    INTENT_ROUTE = "intent_route", "Passed between two pools of a trade"
    INTENT_SWAP_OUT = "intent_swap_out", "Received from a trade"
    POOL_SEED = "pool_seed", "Seeded a trading pool"
    # Providers' stake.
    STAKE = "stake", "Staked as a provider"
    UNBOND = "unbond", "Stake unbonding"
    UNBOND_RELEASE = "unbond_release", "Stake returned after its cooldown"
    SLASH = "slash", "Taken from a provider's stake"
    # Withdrawals: held until paid out, returned if they fail.
    WITHDRAWAL_HOLD = "withdrawal_hold", "Withdrawal requested"
    WITHDRAWAL = "withdrawal", "Withdrawal paid out"
    WITHDRAWAL_RETURN = "withdrawal_return", "Withdrawal returned"
    WITHDRAWAL_REFUND = "withdrawal_refund", "Withdrawal refused: returned"
