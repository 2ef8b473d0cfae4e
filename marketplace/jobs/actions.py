"""Signed actions of the job queue: submit_job, submit_bid, decline_job, assign_provider,
mark_in_progress, submit_result, accept_result, dispute_job, cancel_job."""

import hashlib

from rest_framework import serializers

from marketplace.core.actions import signed_action
from marketplace.core.canonical import canonical_json
from marketplace.core.jsontext import StorableJSONField
from marketplace.core.rest import AmountField
from marketplace.providers.models import Capability
from marketplace.wallets.actions import AssetField

from . import selectors, services
from .serializers import BidSerializer, JobSerializer

MAX_RESULT_BYTES = 256 * 1024


def _job_as_seen_by(wallet, job) -> dict:
    return _serialized(wallet, selectors.job(job.pk))


def _serialized(wallet, job) -> dict:
    return JobSerializer(job, context={"viewer": wallet.public_key}).data


class SubmitJobParams(serializers.Serializer):
    model_ref = serializers.CharField(max_length=512)
    data_ref = serializers.CharField(max_length=512, allow_blank=True)
    data_nft_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    compute_type = serializers.ChoiceField(choices=Capability.choices)
    asset = AssetField()
    budget = AmountField()
    deadline = serializers.DateTimeField()
    privacy_required = serializers.BooleanField()
    auto_assign = serializers.BooleanField(default=False)


@signed_action("submit_job", params=SubmitJobParams, status=201, response=JobSerializer)
def submit_job(wallet, params, ctx):
    # The service returns the new job with its history in hand: no need to read it back.
    return _serialized(
        wallet, services.submit_job(wallet, idempotency_key=ctx.idempotency_key, **params)
    )


class JobIdParams(serializers.Serializer):
    job_id = serializers.IntegerField(min_value=1)


class BidParams(JobIdParams):
    price = AmountField()
    sla_seconds = serializers.IntegerField(min_value=1, max_value=365 * 24 * 3600)


@signed_action(
    "submit_bid", params=BidParams, status=201, url_params=("job_id",), response=BidSerializer
)
def submit_bid(wallet, params, ctx):
    return BidSerializer(services.submit_bid(wallet, **params)).data


class DeclineParams(JobIdParams):
    reason = serializers.CharField(max_length=500)


@signed_action("decline_job", params=DeclineParams, url_params=("job_id",), response=JobSerializer)
def decline_job(wallet, params, ctx):
    return _job_as_seen_by(wallet, services.decline_job(wallet, **params))


class AssignParams(JobIdParams):
    bid_id = serializers.IntegerField(min_value=1)


@signed_action(
    "assign_provider", params=AssignParams, url_params=("job_id",), response=JobSerializer
)
def assign_provider(wallet, params, ctx):
    return _job_as_seen_by(wallet, services.assign_provider(wallet, **params))


@signed_action(
    "mark_in_progress", params=JobIdParams, url_params=("job_id",), response=JobSerializer
)
def mark_in_progress(wallet, params, ctx):
    return _job_as_seen_by(wallet, services.mark_in_progress(wallet, **params))


class ResultParams(JobIdParams):
    result_ref = serializers.CharField(max_length=512)
    result_hash = serializers.RegexField(
        r"^[0-9a-f]{64}$", error_messages={"invalid": "A sha256 digest: 64 lowercase hex chars."}
    )
    result_content = StorableJSONField(required=False, allow_null=True)

    def validate(self, data: dict) -> dict:
        content = data.get("result_content")
        if content is None:
            return data
        canonical = canonical_json(content).encode()
        if len(canonical) > MAX_RESULT_BYTES:
            raise serializers.ValidationError({"result_content": "larger than 256 KB"})
        if hashlib.sha256(canonical).hexdigest() != data["result_hash"]:
            raise serializers.ValidationError(
                {"result_hash": "is not the sha256 of result_content's canonical JSON"}
            )
        return data


@signed_action("submit_result", params=ResultParams, url_params=("job_id",), response=JobSerializer)
def submit_result(wallet, params, ctx):
    return _job_as_seen_by(wallet, services.submit_result(wallet, **params))


@signed_action("accept_result", params=JobIdParams, url_params=("job_id",), response=JobSerializer)
def accept_result(wallet, params, ctx):
    return _job_as_seen_by(wallet, services.accept_result(wallet, **params))


class DisputeParams(JobIdParams):
    reason = serializers.CharField(max_length=500)


@signed_action("dispute_job", params=DisputeParams, url_params=("job_id",), response=JobSerializer)
def dispute_job(wallet, params, ctx):
    return _job_as_seen_by(wallet, services.dispute_job(wallet, **params))


@signed_action("cancel_job", params=JobIdParams, url_params=("job_id",), response=JobSerializer)
def cancel_job(wallet, params, ctx):
    return _job_as_seen_by(wallet, services.cancel_job(wallet, **params))
