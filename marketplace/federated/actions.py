"""Signed actions of federated training: submit_federated_job, submit_federated_update."""

from rest_framework import serializers

from marketplace.core.actions import signed_action

from . import selectors, services
from .serializers import FederatedJobSerializer, SubmitParams, UpdateParams


@signed_action(
    "submit_federated_job", params=SubmitParams, status=201, response=FederatedJobSerializer
)
def submit_federated_job(wallet, params, ctx):
    federated = services.submit_federated_job(wallet, idempotency_key=ctx.idempotency_key, **params)
    return FederatedJobSerializer(selectors.federated_job(federated.pk, wallet.public_key)).data


class UpdateResult(serializers.Serializer):
    federated_job_id = serializers.IntegerField()
    job_id = serializers.IntegerField()
    round = serializers.IntegerField()
    accepted = serializers.BooleanField()


@signed_action(
    "submit_federated_update",
    params=UpdateParams,
    status=201,
    url_params=("federated_job_id",),
    response=UpdateResult,
)
def submit_federated_update(wallet, params, ctx):
    task = services.submit_federated_update(wallet, **params)
    return {
        "federated_job_id": task.federated_id,
        "job_id": task.job_id,
        "round": task.round,
        "accepted": True,
    }
