"""Ledger state: assets, accounts, immutable transfers and holds.

Vocabulary (after TigerBeetle): a *transfer* moves `amount` from its debit account to
its credit account and is never changed or deleted; a *hold* (pending transfer) parks
money in its own account until it is posted (paid out, fully or partly, the rest
returned) or voided (all returned), exactly once. Only `ledger.services` writes here.
"""

from django.db import models
from django.db.models import Q

from .fields import AmountField
from .kinds import TransferKind


class Asset(models.Model):
    code = models.CharField(max_length=16, primary_key=True)
    name = models.CharField(max_length=64)
    decimals = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class AccountKind(models.TextChoices):
    USER = "user", "User available balance"
    HOLD = "hold", "Hold (escrow, lock, pending withdrawal)"
    STAKE = "stake", "Provider stake"
    UNBONDING = "unbonding", "Stake waiting out its cooldown"
    FEES = "fees", "Platform treasury"
    POOL = "pool", "AMM pool reserve"
    EXTERNAL = "external", "The world outside the ledger"


class Account(models.Model):
    """One balance of one asset. `code` names the owner: `user:<public key hex>`,
    `hold:<id>`, `stake:<hex>`, `fees`, `external`, `pool:<pair>`..."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    code = models.CharField(max_length=128)
    balance = AmountField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "code"], name="account_unique_code"),
            # Only the world may go negative: it is minus everything that ever entered.
            models.CheckConstraint(
                condition=Q(balance__gte=0) | Q(kind=AccountKind.EXTERNAL),
                name="account_balance_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} [{self.asset_id}]"


class Transfer(models.Model):
    """Immutable: `amount` leaves `debit_account` and enters `credit_account`."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    debit_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="debits")
    credit_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credits")
    amount = AmountField()
    kind = models.CharField(max_length=32, choices=TransferKind.choices)
    reference = models.CharField(max_length=128, blank=True)
    idempotency_key = models.CharField(max_length=160, unique=True, null=True, blank=True)
    hold = models.ForeignKey(
        "Hold", null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(
                condition=~Q(debit_account=models.F("credit_account")),
                name="transfer_accounts_differ",
            ),
        ]
        indexes = [
            models.Index(fields=["debit_account", "id"]),
            models.Index(fields=["credit_account", "id"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.amount} {self.asset_id} {self.kind}"


class HoldStatus(models.TextChoices):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class Hold(models.Model):
    """Money parked for a purpose (job escrow, intent lock, withdrawal). Its balance
    lives in `account`; `payer` gets back whatever is not paid out."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds_paid")
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="hold")
    amount = AmountField(help_text="What was held at first; the account shows what is left.")
    status = models.CharField(max_length=8, choices=HoldStatus.choices, default=HoldStatus.PENDING)
    reference = models.CharField(max_length=128)
    idempotency_key = models.CharField(max_length=160, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="hold_amount_positive"),
        ]
        indexes = [models.Index(fields=["payer", "status"])]

    def __str__(self) -> str:
        return f"hold #{self.pk} {self.reference} ({self.status})"
