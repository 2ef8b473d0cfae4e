"""The AI job queue: jobs, their bids and their history.

A job's budget is a ledger hold (`escrow_hold_id`); the status machine (DESIGN.md):
registered → assigned → in_progress → completed → settled | disputed → settled;
registered/assigned → cancelled; not completed at the deadline → expired."""

from django.db import models
from django.db.models import Q

from ledger.fields import AmountField
from ledger.units import money
from marketplace.providers.models import Capability


class JobStatus(models.TextChoices):
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DISPUTED = "disputed"
    SETTLED = "settled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# Statuses in which the deadline still matters: the job has not delivered a result.
UNDELIVERED = [JobStatus.REGISTERED, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS]
# Statuses in which the provider still owes or awaits something: it may not unbond
# below the minimum stake.
OPEN_FOR_PROVIDER = [
    JobStatus.ASSIGNED,
    JobStatus.IN_PROGRESS,
    JobStatus.COMPLETED,
    JobStatus.DISPUTED,
]


class DataGrant(models.TextChoices):
    """Why the assigned provider of a job over a Data NFT may read its readings."""

    SUBSCRIPTION = "subscription", "the job owner's subscription"
    TRAINING = "training", "the NFT's opt-in to federated training (a task)"


class Resolution(models.TextChoices):
    RELEASE = "release"
    REFUND = "refund"
    SPLIT = "split"


class Job(models.Model):
    owner = models.ForeignKey("wallets.Wallet", on_delete=models.PROTECT, related_name="jobs")
    model_ref = models.CharField(max_length=512)
    data_ref = models.CharField(max_length=512, blank=True)
    data_nft_id = models.BigIntegerField(null=True, blank=True)
    data_grant = models.CharField(
        max_length=16, choices=DataGrant.choices, default=DataGrant.SUBSCRIPTION
    )
    compute_type = models.CharField(max_length=8, choices=Capability.choices)
    asset = models.CharField(max_length=16)
    budget = AmountField()
    deadline = models.DateTimeField()
    privacy_required = models.BooleanField(default=False)
    auto_assign = models.BooleanField(default=False)
    attested_delivery = models.BooleanField(
        default=False,
        help_text="Delivered only through a service that verifies the result (a TEE "
        "attestation, a federated update), never by hand or the owner's review.",
    )
    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.REGISTERED
    )
    # The ledger hold of the budget. Null only inside submit_job's transaction: the hold
    # is created after the job so that its reference can name the job.
    escrow_hold_id = models.BigIntegerField(unique=True, null=True)
    bid_window_ends_at = models.DateTimeField()
    assigned_provider = models.ForeignKey(
        "providers.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="jobs",
    )
    price = AmountField(null=True, blank=True)
    result_ref = models.CharField(max_length=512, blank=True)
    result_hash = models.CharField(max_length=64, blank=True)
    result_content = models.JSONField(null=True, blank=True)
    review_ends_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.CharField(max_length=500, blank=True)
    resolution = models.CharField(max_length=8, choices=Resolution.choices, blank=True)
    provider_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    # Staff's reasons for a dispute's outcome, shown to both parties.
    resolution_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("resolve_dispute", "Can resolve disputes")]
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="job_budget_positive"),
            models.CheckConstraint(
                condition=Q(price=None) | (Q(price__gt=0) & Q(price__lte=models.F("budget"))),
                name="job_price_within_budget",
            ),
        ]
        # Partial indexes: each sweep scans only the rows that can be due.
        indexes = [
            models.Index(
                fields=["deadline"], condition=Q(status__in=UNDELIVERED), name="job_deadline_idx"
            ),
            models.Index(
                fields=["review_ends_at"],
                condition=Q(status=JobStatus.COMPLETED),
                name="job_review_idx",
            ),
            models.Index(
                fields=["bid_window_ends_at"],
                condition=Q(status=JobStatus.REGISTERED, auto_assign=True),
                name="job_bid_window_idx",
            ),
            models.Index(fields=["status", "id"], name="job_status_idx"),
        ]

    def __str__(self) -> str:
        return f"job #{self.pk} {self.compute_type} ({self.status})"

    @property
    def deadline_matters(self) -> bool:
        """Whether the deadline can still expire the job (no result delivered yet)."""
        return self.status in UNDELIVERED

    @property
    def escrow_state(self) -> str:
        """held / released / refunded / split: the hold closes in the same transaction
        as the status change, so the status says what became of it."""
        if self.status in (JobStatus.CANCELLED, JobStatus.EXPIRED):
            return "refunded"
        if self.status == JobStatus.SETTLED:
            return {Resolution.REFUND: "refunded", Resolution.SPLIT: "split"}.get(
                self.resolution, "released"
            )
        return "held"


class JobEvent(models.Model):
    """The job's history: every status it entered, with when, and every provider's
    decline with its reason (`status` is then the job's status after the decline)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=16, choices=JobStatus.choices)
    at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    declined_by = models.ForeignKey(
        "providers.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="declines",
    )
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # A provider declines a job once: it may not bid on it afterwards.
            models.UniqueConstraint(
                fields=["job", "declined_by"],
                condition=Q(declined_by__isnull=False),
                name="job_event_one_decline_per_provider",
            ),
        ]

    def __str__(self) -> str:
        return f"job #{self.job_id} {self.status} at {self.at:%Y-%m-%d %H:%M:%S}"


class BidStatus(models.TextChoices):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    # Its provider declined the job (docs/COMPUTE_MARKET.md "Declines").
    WITHDRAWN = "withdrawn"


class Bid(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="bids")
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="bids"
    )
    price = AmountField()
    sla_seconds = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=BidStatus.choices, default=BidStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="bid_price_positive"),
            models.UniqueConstraint(
                fields=["job", "provider"],
                condition=Q(status=BidStatus.OPEN),
                name="bid_one_open_per_provider",
            ),
        ]

    def __str__(self) -> str:
        return f"bid #{self.pk} on job #{self.job_id}: {money(self.price, self.job.asset)}"
