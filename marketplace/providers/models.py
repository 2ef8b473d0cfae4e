"""Compute providers: who they are, what they run, their reputation and counters.

Stake is money and lives in the ledger (`stake:<key>` and `unbonding:<key>` accounts of
PM_STAKE_ASSET); these tables only say who may bid and how well they have done."""

from django.db import models
from django.db.models import Q

from ledger.fields import AmountField

REPUTATION_START = 500
REPUTATION_MAX = 1000


class Capability(models.TextChoices):
    CPU = "cpu", "CPU"
    GPU = "gpu", "GPU"
    TEE = "tee", "TEE"


class Provider(models.Model):
    wallet = models.OneToOneField(
        "wallets.Wallet", on_delete=models.PROTECT, related_name="provider"
    )
    name = models.CharField(max_length=100)
    capabilities = models.JSONField(help_text="Subset of cpu, gpu, tee.")
    regions = models.JSONField(default=list)
    pricing = models.JSONField(
        default=dict, help_text="Advertised price per capability, decimal strings."
    )
    reputation = models.PositiveSmallIntegerField(default=REPUTATION_START)
    jobs_completed = models.PositiveIntegerField(default=0)
    jobs_expired = models.PositiveIntegerField(default=0)
    disputes_lost = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Staff deactivate; inactive never bid.")
    deactivation_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("sanction_provider", "Can slash and deactivate providers")]
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reputation__lte=REPUTATION_MAX), name="provider_reputation_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.wallet})"

    def offers(self, capability: str) -> bool:
        return capability in self.capabilities


class Unbonding(models.Model):
    """Stake waiting out PM_UNBOND_SECONDS in the provider's unbonding account; the
    unbonding sweep returns it to the wallet once `unbond_at` has passed."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="unbondings")
    amount = AmountField()
    unbond_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="unbonding_amount_positive"),
        ]
        indexes = [
            models.Index(
                fields=["unbond_at"], condition=Q(released_at=None), name="unbonding_due_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"unbonding #{self.pk} {self.amount} until {self.unbond_at:%Y-%m-%d %H:%M}"


class Slash(models.Model):
    """Stake taken from a provider: for a job it let expire or declined after starting
    (to the job's owner), or by staff (to the treasury). The ledger transfer's reference
    is `slash:<id>`."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="slashes")
    job_id = models.BigIntegerField(null=True, blank=True)
    amount = AmountField()
    reason = models.CharField(max_length=200)
    beneficiary = models.CharField(max_length=64, help_text="Public key, or 'treasury'.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "slashes"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="slash_amount_positive"),
            # Once per job and provider: a job one provider declined after starting may
            # later expire in another's hands.
            models.UniqueConstraint(fields=["job_id", "provider"], name="slash_once_per_job"),
        ]

    def __str__(self) -> str:
        return f"slash #{self.pk} {self.amount} of {self.provider}"
