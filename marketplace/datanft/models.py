"""Data NFTs: data streams sold as time-limited subscriptions.

Money lives in the ledger: a purchase is two transfers from the subscriber (to the
owner, and the platform fee). These tables say who owns what, who may read until when,
what each purchase paid, the readings themselves, and every access for usage stats."""

from django.db import models
from django.db.models import Q

from ledger.fields import AmountField


class Category(models.TextChoices):
    SMART_CITY = "smart_city"
    IOT = "iot"
    FINANCIAL = "financial"
    HEALTHCARE = "healthcare"
    OTHER = "other"


class AccessPolicy(models.TextChoices):
    SUBSCRIPTION = "subscription"
    PUBLIC = "public"


class DataNFT(models.Model):
    owner = models.ForeignKey("wallets.Wallet", on_delete=models.PROTECT, related_name="data_nfts")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=2000, blank=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    sensor_type = models.CharField(max_length=64)
    data_format = models.CharField(max_length=32)
    update_frequency = models.CharField(max_length=32)
    content_ref = models.CharField(
        max_length=256,
        help_text="Where the data lives (IPFS CID, URL); only readers see it.",
    )
    location = models.CharField(max_length=200, blank=True)
    access_policy = models.CharField(max_length=16, choices=AccessPolicy.choices)
    asset = models.CharField(max_length=16)
    price_per_hour = AmountField(help_text="Smallest units of `asset` per hour; 0 when public.")
    # Federated training (docs/FEDERATED.md): the owner lets providers train on the
    # readings for a task, and is paid this much per round of each federated job.
    training_allowed = models.BooleanField(default=False)
    training_price_per_round = AmountField(
        default=0, help_text="Smallest units of `asset` per training round."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "Data NFT"
        constraints = [
            # A subscription NFT always costs something; a public one never does.
            models.CheckConstraint(
                condition=(Q(access_policy=AccessPolicy.PUBLIC) & Q(price_per_hour=0))
                | (Q(access_policy=AccessPolicy.SUBSCRIPTION) & Q(price_per_hour__gt=0)),
                name="datanft_price_matches_policy",
            ),
            models.CheckConstraint(
                condition=Q(training_price_per_round__gte=0),
                name="datanft_training_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"

    @property
    def is_public(self) -> bool:
        return self.access_policy == AccessPolicy.PUBLIC


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active"
    EXPIRED = "expired"


class Subscription(models.Model):
    """One row per (NFT, subscriber). Access is decided by `expires_at` alone; `status`
    only records whether the expiry sweep has announced the end (so it announces once)."""

    nft = models.ForeignKey(DataNFT, on_delete=models.PROTECT, related_name="subscriptions")
    subscriber = models.ForeignKey(
        "wallets.Wallet", on_delete=models.PROTECT, related_name="data_subscriptions"
    )
    expires_at = models.DateTimeField()
    status = models.CharField(
        max_length=8, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["nft", "subscriber"], name="subscription_once"),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=Q(status=SubscriptionStatus.ACTIVE),
                name="subscription_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"subscription #{self.pk} to NFT {self.nft_id} until {self.expires_at:%Y-%m-%d %H:%M}"
        )


class Purchase(models.Model):
    """One `purchase_subscription`: what it paid, the fee, and the period it bought.
    The idempotency key is the signed action's, so a purchase is recorded once."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="purchases"
    )
    hours = models.PositiveIntegerField()
    asset = models.CharField(max_length=16)
    amount = AmountField(help_text="What the subscriber paid (price per hour * hours).")
    fee = AmountField(help_text="The platform's part of `amount`; the owner got the rest.")
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="purchase_amount_positive"),
            models.CheckConstraint(
                condition=Q(fee__gte=0) & Q(fee__lte=models.F("amount")),
                name="purchase_fee_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"purchase #{self.pk} {self.hours} h for {self.amount} {self.asset}"

    @property
    def owner_received(self) -> int:
        return self.amount - self.fee


class Reading(models.Model):
    """One time-series point: `ts`, a finite `value`, and the publisher's other keys."""

    nft = models.ForeignKey(DataNFT, on_delete=models.CASCADE, related_name="readings")
    ts = models.DateTimeField()
    value = models.FloatField()
    extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ts", "id"]
        indexes = [models.Index(fields=["nft", "ts"], name="reading_nft_ts_idx")]

    def __str__(self) -> str:
        return f"NFT {self.nft_id} @ {self.ts:%Y-%m-%d %H:%M}: {self.value}"


class AccessKind(models.TextChoices):
    TOKEN = "token", "access token issued"
    READINGS = "readings", "readings read"
    JOB = "job", "used by a settled job"


class DataAccess(models.Model):
    """The access log behind usage stats: every token issued, every readings read, and
    every settled job that named the NFT (once per job)."""

    nft = models.ForeignKey(DataNFT, on_delete=models.CASCADE, related_name="accesses")
    kind = models.CharField(max_length=8, choices=AccessKind.choices)
    accessor = models.CharField(max_length=64, help_text="Public key (hex) of the reader.")
    job_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "data accesses"
        constraints = [
            models.UniqueConstraint(
                fields=["job_id"], condition=Q(job_id__isnull=False), name="data_access_job_once"
            ),
        ]
        indexes = [models.Index(fields=["nft", "at"], name="data_access_nft_at_idx")]

    def __str__(self) -> str:
        return f"{self.kind} of NFT {self.nft_id} at {self.at:%Y-%m-%d %H:%M:%S}"
