from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ledger.fields import AmountField
from marketplace.wallets.models import Wallet


class Pool(models.Model):
    """A constant-product AMM pool for one pair. Its reserves are not stored here: they
    are the balances of the ledger accounts `pool:<code>` of each token."""

    token_a = models.CharField(max_length=16)
    token_b = models.CharField(max_length=16)
    fee_bps = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["token_a", "token_b"]
        constraints = [
            models.UniqueConstraint(fields=["token_a", "token_b"], name="pool_one_per_pair"),
            # Canonical order, so {DOT, USDT} can only be stored one way.
            models.CheckConstraint(
                condition=Q(token_a__lt=F("token_b")), name="pool_tokens_sorted"
            ),
            # A pool keeping 100% of the input has no price (clearing.Pool refuses it).
            models.CheckConstraint(
                condition=Q(fee_bps__gte=0) & Q(fee_bps__lt=10_000), name="pool_fee_below_100pct"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.token_a}/{self.token_b} ({self.fee_bps} bps)"

    @property
    def code(self) -> str:
        return f"{self.token_a}-{self.token_b}"


class BatchStatus(models.TextChoices):
    OPEN = "open"
    SETTLED = "settled"


class Verification(models.TextChoices):
    UNCHECKED = "", "not checked yet"
    PASSED = "passed"
    FAILED = "failed"


class Batch(models.Model):
    """One epoch: intents sealed to `public_key` until `closes_at`, then settled at once.

    The epoch's X25519 private key is kept only encrypted (`sealed_secret_key`, a
    SecretBox under a key derived from SECRET_KEY) and published in `secret_key` when
    the batch settles, so anyone can re-run the settlement."""

    status = models.CharField(max_length=8, choices=BatchStatus.choices, default=BatchStatus.OPEN)
    opens_at = models.DateTimeField(unique=True)
    closes_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    public_key = models.CharField(max_length=64)
    sealed_secret_key = models.BinaryField()
    secret_key = models.CharField(max_length=64, blank=True)
    # After settlement the batch is re-derived from its public data alone (the task
    # verify_settled_batches); a mismatch waits for staff in the console.
    verification = models.CharField(
        max_length=8, choices=Verification.choices, blank=True, default=Verification.UNCHECKED
    )
    verification_problems = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "batches"
        permissions = [("settle_batch", "Can close and settle a batch now")]
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="batch_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(status=BatchStatus.OPEN, secret_key="")
                | Q(status=BatchStatus.SETTLED, closed_at__isnull=False),
                name="batch_key_secret_until_settled",
            ),
        ]
        indexes = [models.Index(fields=["status", "closes_at"])]

    def __str__(self) -> str:
        return f"batch #{self.pk} ({self.status})"

    def accepts_intents(self, now=None) -> bool:
        return self.status == BatchStatus.OPEN and (now or timezone.now()) < self.closes_at

    @property
    def display_status(self) -> str:
        """`closing` between `closes_at` and the settlement that follows it."""
        if self.status == BatchStatus.OPEN and timezone.now() >= self.closes_at:
            return "closing"
        return self.status


class IntentStatus(models.TextChoices):
    SEALED = "sealed"
    EXECUTED = "executed"
    DROPPED = "dropped"
    CANCELLED = "cancelled"
    INVALID = "invalid"
    EXPIRED = "expired"


class Intent(models.Model):
    """A sealed swap intent. Until its batch settles the server knows only the pair, the
    lock and the sealed box; `amount_in`, `min_output` and `amount_out` are filled in
    by the settlement (null while sealed, and forever for a cancelled intent)."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="intents")
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="intents")
    token_in = models.CharField(max_length=16)
    token_out = models.CharField(max_length=16)
    via = models.CharField(
        max_length=16, blank=True, help_text="the intermediate asset of a two-pool route"
    )
    lock_amount = AmountField()
    sealed_intent = models.TextField(help_text="base64 sealed box; wiped when cancelled")
    hold_id = models.BigIntegerField(unique=True)
    status = models.CharField(
        max_length=10, choices=IntentStatus.choices, default=IntentStatus.SEALED
    )
    reason = models.CharField(max_length=32, blank=True)
    amount_in = AmountField(null=True, blank=True)
    min_output = AmountField(null=True, blank=True)
    amount_out = AmountField(null=True, blank=True)
    legs = models.JSONField(
        null=True, blank=True, help_text="executed swaps, one per pool: amounts as strings"
    )
    mev_saved = AmountField(
        null=True, blank=True, help_text="amount_out less the same swap sandwiched on the pool"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(lock_amount__gt=0), name="intent_lock_positive"),
            models.CheckConstraint(
                condition=~Q(token_in=F("token_out")), name="intent_tokens_differ"
            ),
            models.CheckConstraint(
                condition=~Q(status=IntentStatus.EXECUTED)
                | Q(amount_in__lte=F("lock_amount"), amount_out__gte=F("min_output")),
                name="intent_executed_within_limits",
            ),
        ]
        indexes = [models.Index(fields=["batch", "status"])]

    def __str__(self) -> str:
        return f"intent #{self.pk} {self.token_in}→{self.token_out} ({self.status})"

    def expired_at(self, closed_at) -> bool:
        """Whether a still-sealed intent has expired when its batch closes at `closed_at`."""
        return self.expires_at is not None and self.expires_at <= closed_at

    @property
    def route(self) -> list[str]:
        return [self.token_in, *([self.via] if self.via else []), self.token_out]

    @property
    def outcome_text(self) -> str:
        """Why it did not execute, in words for its owner ("" when nothing to say)."""
        if self.status == IntentStatus.EXPIRED:
            return "It expired before its batch closed."
        return OUTCOME_TEXT.get(self.reason, "")


# The settlement's reasons (clearing.py, sealing.py) as their owner reads them.
OUTCOME_TEXT = {
    "min_output": "The batch price would have paid less than your minimum.",
    "unknown_pair": "No pool trades this pair.",
    "same_token": "It sold and bought the same asset.",
    "bad_amount": "The sealed amount was zero.",
    "bad_min_output": "The sealed minimum was zero.",
    "above_lock": "The sealed amount was more than you locked.",
    "bad_route": "No route joins these two assets.",
    "undecryptable": "The sealed box could not be opened with the batch's key.",
    "bad_payload": "The sealed box did not hold a valid swap.",
}


class BatchPair(models.Model):
    """The settlement of one pair in one batch (`token_a < token_b`), as recorded:
    enough to re-run it (`reserve_*_before`, `fee_bps`) and to check it."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="pairs")
    token_a = models.CharField(max_length=16)
    token_b = models.CharField(max_length=16)
    fee_bps = models.PositiveSmallIntegerField()
    clearing_price = models.CharField(
        max_length=200, blank=True, help_text='exact "num/den": token_b per token_a, smallest units'
    )
    price_display = models.CharField(
        max_length=100, blank=True, help_text="token_b per whole token_a, truncated"
    )
    executed = models.PositiveIntegerField()
    dropped = models.PositiveIntegerField()
    volume_in_a = AmountField(default=0)
    volume_in_b = AmountField(default=0)
    volume_out_a = AmountField(default=0)
    volume_out_b = AmountField(default=0)
    leg_token_in = models.CharField(max_length=16, blank=True)
    leg_amount_in = AmountField(default=0)
    leg_amount_out = AmountField(default=0)
    reserve_a_before = AmountField()
    reserve_b_before = AmountField()
    reserve_a_after = AmountField()
    reserve_b_after = AmountField()

    class Meta:
        ordering = ["token_a", "token_b"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "token_a", "token_b"], name="batch_pair_once"),
        ]

    def __str__(self) -> str:
        return f"{self.token_a}/{self.token_b} in batch #{self.batch_id}"

    @staticmethod
    def result_fields(pair) -> dict:
        """The columns recorded for a `clearing.PairResult` (settlement and verify_batch
        both use this, so they compare like with like)."""
        a, b = pair.token_in, pair.token_out
        price, leg = pair.clearing_price, pair.pool_leg
        return {
            "token_a": a,
            "token_b": b,
            "fee_bps": pair.fee_bps,
            "clearing_price": "" if price is None else f"{price.numerator}/{price.denominator}",
            "executed": len(pair.executed),
            "dropped": len(pair.dropped),
            "volume_in_a": pair.forward.volume_in,
            "volume_in_b": pair.reverse.volume_in,
            "volume_out_a": pair.reverse.volume_out,
            "volume_out_b": pair.forward.volume_out,
            "leg_token_in": leg.token_in if leg else "",
            "leg_amount_in": leg.amount_in if leg else 0,
            "leg_amount_out": leg.amount_out if leg else 0,
            "reserve_a_before": pair.reserves_before[a],
            "reserve_b_before": pair.reserves_before[b],
            "reserve_a_after": pair.reserves_after[a],
            "reserve_b_after": pair.reserves_after[b],
        }
