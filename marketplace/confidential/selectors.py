"""Reads of TEE workers and confidential jobs: lists, who may read what, and the
re-check of a stored attestation."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from marketplace.core import errors
from marketplace.wallets.signing import verify_signature

from .models import ConfidentialJob, TeeWorker, WorkerStatus


def worker_of_key(public_key: str) -> TeeWorker | None:
    return TeeWorker.objects.select_related("wallet").filter(wallet__public_key=public_key).first()


def approved_workers() -> QuerySet[TeeWorker]:
    return TeeWorker.objects.select_related("wallet").filter(status=WorkerStatus.APPROVED)


def _confidential_jobs() -> QuerySet[ConfidentialJob]:
    return ConfidentialJob.objects.select_related(
        "job__owner", "worker__wallet", "job__assigned_provider__wallet"
    ).order_by("-id")


def confidential_job(confidential_id: int) -> ConfidentialJob:
    found = _confidential_jobs().filter(pk=confidential_id).first()
    if found is None:
        raise errors.NotFound(f"There is no confidential job {confidential_id}.")
    return found


def jobs_of_worker(public_key: str) -> QuerySet[ConfidentialJob]:
    return _confidential_jobs().filter(worker__wallet__public_key=public_key)


def jobs_of_owner(public_key: str) -> QuerySet[ConfidentialJob]:
    return _confidential_jobs().filter(job__owner__public_key=public_key)


def is_party(confidential: ConfidentialJob, viewer_key: str | None) -> bool:
    """Only the owner and the worker may read the ciphertext and the sealed result."""
    return viewer_key is not None and viewer_key in (
        confidential.job.owner.public_key,
        confidential.worker.wallet.public_key,
    )


def readable_job(confidential_id: int, viewer_key: str) -> ConfidentialJob:
    """The job for its owner or worker; Forbidden for anyone else."""
    confidential = confidential_job(confidential_id)
    if not is_party(confidential, viewer_key):
        raise errors.Forbidden("Only the job's owner and its TEE worker may read it.")
    return confidential


@dataclass(frozen=True)
class Verdict:
    """What `verify_attestation` reports: `valid` is true only for a recorded proof that
    still verifies against the key of a worker that is not revoked."""

    id: int
    valid: bool
    attested: bool
    signature_valid: bool
    revoked: bool
    revoked_at: datetime | None
    worker: str
    result_hash: str | None
    verified_at: datetime | None
    checked_at: datetime


def verdict(confidential: ConfidentialJob) -> Verdict:
    """Re-check the stored proof now, against the message rebuilt from stored fields."""
    tee = confidential.worker
    attested = bool(confidential.attestation_proof)
    signature_valid = attested and (
        verify_signature(
            tee.wallet.public_key,
            confidential.attestation_message(confidential.result_hash).encode(),
            bytes.fromhex(confidential.attestation_proof[2:]),
        )
        is not None
    )
    revoked = tee.status == WorkerStatus.REVOKED
    return Verdict(
        id=confidential.pk,
        valid=signature_valid and not revoked,
        attested=attested,
        signature_valid=signature_valid,
        revoked=revoked,
        revoked_at=tee.revoked_at,
        worker=tee.wallet.address,
        result_hash=confidential.result_hash or None,
        verified_at=confidential.attested_at,
        checked_at=timezone.now(),
    )
