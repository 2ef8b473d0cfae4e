import hashlib

from django.db import models
from django.db.models import Q

from ledger.fields import AmountField
from ledger.units import money
from marketplace.core.identity import address_of


class Wallet(models.Model):
    """A user: the 32-byte public key of a Polkadot account (sr25519 or ed25519)."""

    public_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    is_authenticated = True  # DRF treats request.user as signed in
    is_anonymous = False

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        return address_of(self.public_key)


class ApiToken(models.Model):
    """A bearer token for agents, opened by `login`. Only its sha256 is stored."""

    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"token of {self.wallet} from {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class SignedAction(models.Model):
    """The audit trail: every executed signed action with exactly what authorised it
    and what it answered. (public_key, nonce) is unique, which is what makes a nonce
    single-use even under concurrent requests."""

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="actions")
    action = models.CharField(max_length=64, db_index=True)
    nonce = models.CharField(max_length=64)
    payload = models.TextField()
    signature = models.CharField(max_length=130)
    crypto_type = models.CharField(max_length=8)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["wallet", "nonce"], name="signed_action_nonce_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} by {self.wallet_id}"


class WithdrawalStatus(models.TextChoices):
    PENDING = "pending"
    SUBMITTED = "submitted"  # sent to the chain (its tx_hash recorded first)
    CONFIRMED = "confirmed"
    FAILED = "failed"


class ReviewState(models.TextChoices):
    """The second pair of eyes on money out, apart from the payout `status` (API.md)."""

    NOT_REQUIRED = "", "not required"
    AWAITING = "awaiting_review", "awaiting review"
    APPROVED = "approved"
    REJECTED = "rejected"


class Withdrawal(models.Model):
    """Money leaving for an on-chain address. Held until it is confirmed paid (the
    hold goes to the external world) or failed (the hold returns to the wallet): by the
    payer on chain (marketplace/chain), or by staff where no chain is configured."""

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="withdrawals")
    asset = models.CharField(max_length=16)
    amount = AmountField()
    destination = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=WithdrawalStatus.choices, default=WithdrawalStatus.PENDING
    )
    hold_id = models.BigIntegerField(unique=True)
    # Above PM_WITHDRAW_REVIEW_THRESHOLD an operator approves before it is paid; one who
    # asked for a manual release may not be the one who approves it.
    review_state = models.CharField(
        max_length=16, choices=ReviewState.choices, blank=True, default=ReviewState.NOT_REQUIRED
    )
    release_requested_by = models.CharField(max_length=150, blank=True)
    reviewed_by = models.CharField(max_length=150, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=200, blank=True)
    tx_hash = models.CharField(max_length=66, blank=True)
    block_hash = models.CharField(max_length=66, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        permissions = [
            ("release_withdrawal", "Can mark withdrawals paid or failed"),
            ("review_withdrawal", "Can approve or reject withdrawals awaiting review"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="withdrawal_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"withdrawal #{self.pk} {money(self.amount, self.asset)} ({self.status})"
