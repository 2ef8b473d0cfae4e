"""A statement row in words: the ledger records a transfer's `kind` and `reference` as
codes (`escrow_hold`, `job:6`); people read "Budget held in escrow for job #6" with a
link to the job. Reversing URL names keeps this room free of the apps above it."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

# kind → (words when the money came in, words when it went out)
WORDS = {
    "faucet": ("Test funds from the faucet", "Test funds"),
    "demo_funding": ("Demo funds", "Demo funds"),
    "chain_deposit": ("Deposit from the chain", "Deposit"),
    "escrow_hold": ("Escrow", "Budget held in escrow"),
    "escrow_return": ("Unspent budget returned", "Budget"),
    "escrow_refund": ("Budget refunded", "Budget"),
    "escrow_expired": ("Budget refunded: the deadline passed", "Budget"),
    "payout": ("Paid for your work", "Paid to the provider"),
    "fee": ("Platform fee", "Platform fee"),
    "training_data": ("Paid for training on your data", "Paid for training data"),
    "subscription": ("Data subscription sold", "Data subscription"),
    "subscription_fee": ("Platform fee", "Platform fee on a data subscription"),
    "intent_lock": ("Trade lock", "Locked for a sealed trade"),
    "intent_unlock": ("Unused trade lock returned", "Trade lock"),
    "intent_swap_out": ("Received from a trade", "Trade"),
    "stake": ("Stake", "Staked as a provider"),
    "unbond_release": ("Stake returned after its cooldown", "Stake"),
    "withdrawal_hold": ("Withdrawal", "Withdrawal requested"),
    "withdrawal_return": ("Withdrawal returned", "Withdrawal"),
    "withdrawal_refund": ("Withdrawal refused: returned", "Withdrawal"),
    "pool_seed": ("Pool", "Seeded a trading pool"),
}

# reference prefix → (what it names, URL name of its page, whether the URL takes the id)
SUBJECTS = {
    "job": ("job #{}", "job-page", True),
    "batch": ("batch #{}", "trade-batch", True),
    "intent": ("sealed trade #{}", "trade", False),
    "datanft": ("Data NFT #{}", "data-detail", True),
    "federated": ("federated job #{}", "federated-detail", True),
    "withdrawal": ("withdrawal #{}", "wallet", False),
    "provider": ("your provider account", "provide", False),
    "unbonding": ("your provider account", "provide", False),
}


@dataclass(frozen=True)
class Line:
    words: str
    subject: str = ""
    url: str = ""


def describe(kind: str, reference: str, direction: str) -> Line:
    """`describe("escrow_hold", "job:6", "out")` → "Budget held in escrow", "job #6",
    "/jobs/6/". An unknown kind reads as its words ("some_kind" → "Some kind")."""
    came_in, went_out = WORDS.get(kind, (kind.replace("_", " ").capitalize(),) * 2)
    words = came_in if direction == "in" else went_out
    prefix, _, rest = reference.partition(":")
    subject = SUBJECTS.get(prefix)
    if subject is None or not rest.isdigit():
        return Line(words)
    label, url_name, takes_id = subject
    try:
        url = reverse(url_name, args=[int(rest)] if takes_id else [])
    except NoReverseMatch:
        url = ""
    return Line(words, label.format(rest), url)
