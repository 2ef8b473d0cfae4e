"""Federated training endpoints: reads here; every POST is a signed action (actions.py)."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.actions import REGISTRY
from marketplace.core.rest import ERROR_RESPONSES, SignedPostMixin
from marketplace.wallets.api import EnvelopeSerializer, signed_action_view

from . import selectors
from .serializers import FederatedJobSerializer, TaskSerializer

submit_federated_job = signed_action_view("submit_federated_job")


def _viewer(request) -> str | None:
    return request.user.public_key if request.user else None


class FederatedJobCollectionView(SignedPostMixin, APIView):
    @extend_schema(
        operation_id="submit_federated_job",
        request=EnvelopeSerializer,
        responses={201: REGISTRY["submit_federated_job"].result, **ERROR_RESPONSES},
    )
    def post(self, request):
        return submit_federated_job(request._request)


class FederatedJobDetailView(APIView):
    @extend_schema(
        operation_id="get_federated_job",
        responses={200: FederatedJobSerializer, **ERROR_RESPONSES},
    )
    def get(self, request, federated_job_id: int):
        found = selectors.federated_job(federated_job_id, _viewer(request))
        return Response(FederatedJobSerializer(found).data)


class FederatedTaskView(APIView):
    """A task's training terms, for its assigned provider only."""

    @extend_schema(
        operation_id="get_federated_task",
        responses={200: TaskSerializer, **ERROR_RESPONSES},
    )
    def get(self, request, job_id: int):
        return Response(TaskSerializer(selectors.task_for_provider(job_id, _viewer(request))).data)
