"""The chain's edge of the ledger: where the watcher and the payer keep their place.

A deposit row is keyed by (block hash, event index), the same key the ledger credit is
made idempotent by; a payout row holds the signed extrinsic of a withdrawal, written
before it is sent, so that after any crash it can be found on chain by its hash or sent
again as it is (same nonce: the chain accepts it at most once).
"""

from django.db import models

from ledger.fields import AmountField


class ChainState(models.Model):
    """One row: the watcher's cursor, the hot wallet's next nonce, the pause switch."""

    genesis_hash = models.CharField(max_length=66, blank=True)
    ss58_format = models.PositiveIntegerField(null=True, blank=True)
    last_block = models.BigIntegerField(
        null=True, blank=True, help_text="The last block whose deposits are credited."
    )
    next_nonce = models.BigIntegerField(default=0)
    withdrawals_paused = models.BooleanField(
        default=False, help_text="While set, the payer sends nothing; requests wait."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "chain state"
        verbose_name_plural = "chain state"
        permissions = [("pause_withdrawals", "Can pause and resume withdrawal payouts")]

    def __str__(self) -> str:
        return f"chain at block {self.last_block}"


class DepositStatus(models.TextChoices):
    SEEN = "seen"
    CREDITED = "credited"


class Deposit(models.Model):
    """A transfer to the deposit address, seen in a block; credited once final."""

    asset = models.CharField(max_length=16)
    amount = AmountField()
    sender = models.CharField(max_length=64, db_index=True, help_text="Public key hex.")
    block_number = models.BigIntegerField(db_index=True)
    block_hash = models.CharField(max_length=66)
    event_index = models.PositiveIntegerField()
    status = models.CharField(
        max_length=8, choices=DepositStatus.choices, default=DepositStatus.SEEN
    )
    credited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["block_hash", "event_index"], name="deposit_once"),
        ]

    def __str__(self) -> str:
        return f"deposit {self.amount} {self.asset} at #{self.block_number}"


class Payout(models.Model):
    """The on-chain side of one withdrawal: the signed extrinsic, recorded before it
    is submitted."""

    withdrawal_id = models.BigIntegerField(unique=True)
    nonce = models.BigIntegerField(db_index=True)
    tx_hash = models.CharField(max_length=66, unique=True)
    extrinsic = models.TextField(help_text="The signed extrinsic, hex: sent again as it is.")
    from_block = models.BigIntegerField(help_text="The best block when it was signed.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"payout of withdrawal #{self.withdrawal_id} (nonce {self.nonce})"


class Holding(models.Model):
    """The hot wallet's on-chain balance of one asset against what the ledger owes in it,
    as last checked (by the chain worker, and `chain_reconcile`): the console's
    reconciliation panel, without a network call per page."""

    asset = models.CharField(max_length=16, unique=True)
    on_chain = AmountField(help_text="The hot wallet's free balance on chain.")
    owed = AmountField(help_text="What the ledger owes its users in this asset.")
    short = models.BooleanField(help_text="On chain is less than owed.")
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["asset"]

    def __str__(self) -> str:
        return f"{self.asset} on chain vs. owed"
