"""Signed actions of the Phala Job Processor: register_tee_worker,
submit_confidential_job, record_attestation."""

from rest_framework import serializers

from marketplace.core.actions import signed_action
from marketplace.core.rest import AddressField, AmountField
from marketplace.wallets.actions import AssetField

from . import services
from .models import MAX_REPORT_CHARS, MAX_RESULT_BYTES, MAX_SEALED_BYTES, Outcome
from .serializers import (
    HexKeyField,
    ProofField,
    SealedBoxField,
    Sha256Field,
    TeeWorkerSerializer,
)


class RegisterParams(serializers.Serializer):
    encryption_public_key = HexKeyField()
    attestation_report = serializers.CharField(max_length=MAX_REPORT_CHARS)


@signed_action(
    "register_tee_worker", params=RegisterParams, status=201, response=TeeWorkerSerializer
)
def register_tee_worker(wallet, params, ctx):
    return TeeWorkerSerializer(services.register_tee_worker(wallet, **params)).data


class SubmitParams(serializers.Serializer):
    worker = AddressField(help_text="SS58 address of an approved TEE worker")
    encrypted_payload = SealedBoxField(
        max_bytes=MAX_SEALED_BYTES,
        help_text='base64 sealed box of {"model_ref", "input", "reply_public_key"}',
    )
    asset = AssetField()
    budget = AmountField()
    deadline = serializers.DateTimeField()


class SubmitResult(serializers.Serializer):
    id = serializers.IntegerField(help_text="the confidential job")
    job_id = serializers.IntegerField(help_text="the underlying compute job")
    payload_hash = serializers.CharField()
    status = serializers.CharField()


@signed_action("submit_confidential_job", params=SubmitParams, status=201, response=SubmitResult)
def submit_confidential_job(wallet, params, ctx):
    confidential = services.submit_confidential_job(
        wallet, idempotency_key=ctx.idempotency_key, **params
    )
    return {
        "id": confidential.pk,
        "job_id": confidential.job_id,
        "payload_hash": confidential.payload_hash,
        "status": confidential.job.status,
    }


class AttestParams(serializers.Serializer):
    job_id = serializers.IntegerField(min_value=1, help_text="the confidential job's id")
    result_hash = Sha256Field()
    attestation_proof = ProofField(
        help_text='the worker\'s signature over "{job_id}:{payload_hash}:{result_hash}"'
    )
    encrypted_result = SealedBoxField(
        max_bytes=MAX_RESULT_BYTES,
        required=False,
        help_text="base64 sealed box of the result to the payload's reply_public_key",
    )
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        default=Outcome.SUCCESS,
        help_text='"error": the worker could not run the job; the owner is refunded',
    )


class AttestResult(serializers.Serializer):
    id = serializers.IntegerField()
    job_id = serializers.IntegerField()
    status = serializers.CharField()
    outcome = serializers.CharField()
    result_hash = serializers.CharField()
    attested_at = serializers.DateTimeField()


@signed_action(
    "record_attestation", params=AttestParams, url_params=("job_id",), response=AttestResult
)
def record_attestation(wallet, params, ctx):
    confidential = services.record_attestation(wallet, **params)
    # The sealed result is not echoed: the answer is kept in the audit trail for replays.
    return AttestResult(
        {
            "id": confidential.pk,
            "job_id": confidential.job_id,
            "status": confidential.job.status,
            "outcome": confidential.outcome,
            "result_hash": confidential.result_hash,
            "attested_at": confidential.attested_at,
        }
    ).data
