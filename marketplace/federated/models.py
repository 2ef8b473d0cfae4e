"""Federated training over Data NFTs: one researcher's model trained across several
data owners' NFTs, round by round, by providers that each train on one NFT locally.

Money lives in the ledger: the job's budget is one hold (`escrow_hold_id`); each
round's tasks are jobs of the job queue whose escrows are funded out of that hold and
return to it what they do not pay; each round's data prices are paid out of it; the
rest returns to the researcher when the job ends. The updates the providers return
stay in `Task` rows that only the aggregation reads: the researcher sees rounds."""

from django.db import models
from django.db.models import Q

from ledger.fields import AmountField


class FederatedStatus(models.TextChoices):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    EXPIRED = "expired"


class ModelKind(models.TextChoices):
    LINEAR_REGRESSION = "linear_regression"
    LOGISTIC_REGRESSION = "logistic_regression"


class FederatedJob(models.Model):
    owner = models.ForeignKey(
        "wallets.Wallet", on_delete=models.PROTECT, related_name="federated_jobs"
    )
    model = models.CharField(max_length=32, choices=ModelKind.choices)
    features = models.JSONField(help_text="Names of the readings' numeric input fields.")
    target = models.CharField(max_length=64)
    rounds = models.PositiveSmallIntegerField()
    asset = models.CharField(max_length=16)
    budget = AmountField()
    task_budget = AmountField(help_text="The most a provider may be paid for one task.")
    deadline = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=FederatedStatus.choices, default=FederatedStatus.RUNNING
    )
    round = models.PositiveSmallIntegerField(default=0, help_text="Rounds aggregated.")
    global_weights = models.JSONField(help_text="[w_1, …, w_k, bias], raw feature space.")
    # Null only inside submit_federated_job's transaction (the hold's reference names
    # the job, so the job comes first).
    escrow_hold_id = models.BigIntegerField(unique=True, null=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gt=0), name="federated_budget_positive"),
            models.CheckConstraint(
                condition=Q(round__lte=models.F("rounds")), name="federated_round_within_rounds"
            ),
        ]

    def __str__(self) -> str:
        return f"federated job #{self.pk} {self.model} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status == FederatedStatus.RUNNING


class Participant(models.Model):
    """One Data NFT of a federated job, with the price per round it was accepted at."""

    federated = models.ForeignKey(
        FederatedJob, on_delete=models.CASCADE, related_name="participants"
    )
    nft = models.ForeignKey("datanft.DataNFT", on_delete=models.PROTECT, related_name="+")
    price_per_round = AmountField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["federated", "nft"], name="participant_once"),
        ]

    def __str__(self) -> str:
        return f"NFT {self.nft_id} in federated job #{self.federated_id}"


class Task(models.Model):
    """One local training of one round on one NFT: a job of the job queue (`job`),
    offered at most twice (`attempt` 1, then 2 after a miss). The update stays here."""

    federated = models.ForeignKey(FederatedJob, on_delete=models.CASCADE, related_name="tasks")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="tasks")
    round = models.PositiveSmallIntegerField()
    attempt = models.PositiveSmallIntegerField(default=1)
    job = models.OneToOneField("jobs.Job", on_delete=models.PROTECT, related_name="+")
    weights = models.JSONField(null=True, blank=True)
    n_samples = models.PositiveIntegerField(null=True, blank=True)
    loss = models.FloatField(null=True, blank=True)
    stats = models.JSONField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "round", "attempt"], name="task_once_per_attempt"
            ),
        ]

    def __str__(self) -> str:
        return f"task of round {self.round} on NFT {self.participant.nft_id} (job {self.job_id})"


class Round(models.Model):
    """An aggregated round: what the researcher sees (never the per-NFT updates)."""

    federated = models.ForeignKey(FederatedJob, on_delete=models.CASCADE, related_name="history")
    number = models.PositiveSmallIntegerField()
    loss = models.FloatField()
    contributors = models.PositiveSmallIntegerField()
    n_samples = models.PositiveIntegerField()
    weights = models.JSONField()
    completed_at = models.DateTimeField()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["federated", "number"], name="round_once"),
        ]

    def __str__(self) -> str:
        return f"round {self.number} of federated job #{self.federated_id}"
