"""The Phala Job Processor: TEE workers and the confidential jobs sealed to them.

A confidential job is a normal compute job (`jobs.Job`: escrow, status, deadline sweep)
plus what only the owner and the worker may read: the sealed payload, its hash, and
after the attestation the sealed result and the proof. The platform never sees clear
text (docs/CONFIDENTIAL.md)."""

from django.db import models
from django.db.models import Q

# Sealed boxes are stored base64; the envelope of a signed action is at most 512 KB, so
# a payload of 256 KB (≈ 350 KB in base64) always fits beside the other params.
MAX_SEALED_BYTES = 256 * 1024
# libsodium's sealed box: a 32-byte ephemeral public key and a 16-byte MAC, then the text.
SEAL_OVERHEAD = 48
# The result document is at most 256 KB (docs/AGENTS.md, runners), sealed.
MAX_RESULT_BYTES = 256 * 1024 + SEAL_OVERHEAD
MAX_REPORT_CHARS = 16 * 1024


class Outcome(models.TextChoices):
    """What the worker attested: a result, or that it could not run the job (the
    sealed result then says why, to the owner only)."""

    SUCCESS = "success"
    ERROR = "error"


class WorkerStatus(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"
    REVOKED = "revoked"


class TeeWorker(models.Model):
    """A worker: its wallet signs attestations, its X25519 key opens the payloads."""

    wallet = models.OneToOneField(
        "wallets.Wallet", on_delete=models.PROTECT, related_name="tee_worker"
    )
    encryption_public_key = models.CharField(max_length=64, help_text="X25519, hex")
    attestation_report = models.TextField(help_text="The operator's statement, for staff.")
    status = models.CharField(
        max_length=8, choices=WorkerStatus.choices, default=WorkerStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "TEE worker"
        permissions = [("review_teeworker", "Can approve and revoke TEE workers")]
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(encryption_public_key__regex=r"^[0-9a-f]{64}$"),
                name="tee_worker_key_hex",
            ),
        ]

    def __str__(self) -> str:
        return f"TEE worker {self.wallet} ({self.status})"


class ConfidentialJob(models.Model):
    """The sealed side of a `jobs.Job` (privacy required, compute type tee) assigned to
    `worker`; its status is the job's."""

    job = models.OneToOneField("jobs.Job", on_delete=models.PROTECT, related_name="confidential")
    worker = models.ForeignKey(TeeWorker, on_delete=models.PROTECT, related_name="jobs")
    encrypted_payload = models.TextField(help_text="base64 sealed box to the worker's key")
    payload_hash = models.CharField(max_length=64, help_text="sha256 hex of the box's bytes")
    result_hash = models.CharField(max_length=64, blank=True)
    attestation_proof = models.CharField(max_length=130, blank=True, help_text="0x + hex")
    encrypted_result = models.TextField(blank=True, help_text="base64 sealed box to the owner")
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    attested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"confidential job #{self.pk} (job #{self.job_id})"

    def attestation_message(self, result_hash: str) -> str:
        """What the worker signs (docs/CONFIDENTIAL.md): binds this job, its payload and
        one result."""
        return f"{self.pk}:{self.payload_hash}:{result_hash}"
