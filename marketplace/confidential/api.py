"""TEE worker and confidential job endpoints: reads here; every POST is a signed action
(actions.py), handed to its own view."""

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core import errors
from marketplace.core.identity import InvalidAddress, public_key_from_address
from marketplace.core.rest import ERROR_RESPONSES, SignedPostMixin
from marketplace.wallets.api import signed_action_view, signed_schema

from . import selectors
from .serializers import ConfidentialJobSerializer, TeeWorkerSerializer, VerdictSerializer

register_tee_worker = signed_action_view("register_tee_worker")
submit_confidential_job = signed_action_view("submit_confidential_job")
record_attestation = signed_action_view("record_attestation")


class TeeWorkerCollectionView(SignedPostMixin, ListAPIView):
    """GET: approved workers with their encryption keys (anyone). POST:
    `register_tee_worker`."""

    serializer_class = TeeWorkerSerializer

    def get_queryset(self):
        return selectors.approved_workers()

    @extend_schema(responses={200: TeeWorkerSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @signed_schema("register_tee_worker")
    def post(self, request):
        return register_tee_worker(request._request)


class ConfidentialJobCollectionView(SignedPostMixin, ListAPIView):
    """GET: the signed-in wallet's confidential jobs as their owner, or with
    `?worker=<its own address>` the jobs sealed to it as a worker. POST:
    `submit_confidential_job`."""

    serializer_class = ConfidentialJobSerializer
    permission_classes = [IsAuthenticated]

    def get_permissions(self):
        return [] if self._posting() else super().get_permissions()

    def get_queryset(self):
        viewer = self.request.user.public_key
        address = self.request.query_params.get("worker")
        if not address:
            return selectors.jobs_of_owner(viewer)
        try:
            worker = public_key_from_address(address)
        except InvalidAddress as exc:
            raise errors.InvalidParams(
                "worker is not an SS58 address.", {"worker": "invalid"}
            ) from exc
        if worker != viewer:
            raise errors.Forbidden("Only the worker itself lists the jobs sealed to it.")
        return selectors.jobs_of_worker(viewer)

    @extend_schema(
        parameters=[OpenApiParameter("worker", description="SS58 address: your own, as worker")],
        responses={200: ConfidentialJobSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @signed_schema("submit_confidential_job")
    def post(self, request):
        return submit_confidential_job(request._request)


class ConfidentialJobDetailView(APIView):
    """`get_job_status`: the job with its ciphertexts, for its owner and its worker."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="get_job_status",
        responses={200: ConfidentialJobSerializer, **ERROR_RESPONSES},
    )
    def get(self, request, job_id: int):
        confidential = selectors.readable_job(job_id, request.user.public_key)
        return Response(ConfidentialJobSerializer(confidential).data)


class AttestationView(SignedPostMixin, APIView):
    """GET: `verify_attestation` (anyone). POST: the worker's `record_attestation`."""

    @extend_schema(
        operation_id="verify_attestation",
        responses={200: VerdictSerializer, **ERROR_RESPONSES},
    )
    def get(self, request, job_id: int):
        verdict = selectors.verdict(selectors.confidential_job(job_id))
        return Response(VerdictSerializer(asdict(verdict)).data)

    @signed_schema("record_attestation")
    def post(self, request, job_id: int):
        return record_attestation(request._request, job_id=job_id)
