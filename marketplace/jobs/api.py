"""Job queue endpoints: reads here; every POST is a signed action (actions.py)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core import errors
from marketplace.core.actions import REGISTRY
from marketplace.core.identity import InvalidAddress, public_key_from_address
from marketplace.core.rest import ERROR_RESPONSES, SignedPostMixin
from marketplace.wallets.api import EnvelopeSerializer, signed_action_view

from . import selectors
from .models import JobStatus
from .serializers import EscrowBalanceSerializer, JobSerializer, ResultSerializer

submit_job = signed_action_view("submit_job")
submit_result = signed_action_view("submit_result")


def _viewer(request) -> str | None:
    """The public key of the wallet reading (token or session), if any."""
    return request.user.public_key if request.user else None


class JobViewMixin:
    serializer_class = JobSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "viewer": _viewer(self.request)}


class JobCollectionView(SignedPostMixin, JobViewMixin, ListAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=JobStatus.values),
            OpenApiParameter("owner", description="SS58 address"),
            OpenApiParameter("provider", description="SS58 address of the assigned provider"),
        ],
        responses={200: JobSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = self.request.query_params
        status = query.get("status") or None
        if status is not None and status not in JobStatus.values:
            raise errors.InvalidParams(
                f"Unknown status {status!r}.",
                {"status": f"Use one of: {', '.join(JobStatus.values)}."},
            )
        return selectors.jobs(
            status=status, owner=_key(query, "owner"), provider=_key(query, "provider")
        )

    @extend_schema(
        operation_id="submit_job",
        request=EnvelopeSerializer,
        responses={201: REGISTRY["submit_job"].result, **ERROR_RESPONSES},
    )
    def post(self, request):
        return submit_job(request._request)


def _key(query, name: str) -> str | None:
    address = query.get(name)
    if not address:
        return None
    try:
        return public_key_from_address(address)
    except InvalidAddress as exc:
        raise errors.InvalidParams(f"{name} is not an SS58 address.", {name: "invalid"}) from exc


class JobDetailView(JobViewMixin, RetrieveAPIView):
    def get_object(self):
        return selectors.job(self.kwargs["job_id"])


class JobEscrowView(APIView):
    """`get_escrow_balance`: what the job's escrow holds now and what became of it."""

    @extend_schema(responses={200: EscrowBalanceSerializer, **ERROR_RESPONSES})
    def get(self, request, job_id: int):
        job = selectors.job(job_id)
        data = {
            "job_id": job.pk,
            "asset": job.asset,
            "amount": selectors.escrow_amount(job),
            "state": job.escrow_state,
        }
        return Response(EscrowBalanceSerializer(data).data)


class JobResultView(SignedPostMixin, APIView):
    """GET: the delivered result, for the owner and the assigned provider only.
    POST: the signed action `submit_result`."""

    @extend_schema(responses={200: ResultSerializer, **ERROR_RESPONSES})
    def get(self, request, job_id: int):
        if request.user is None:
            raise errors.NotAuthenticated()
        job = selectors.job(job_id)
        if not selectors.is_party(job, _viewer(request)):
            raise errors.Forbidden("Only the owner and the assigned provider see the result.")
        if not job.result_hash:
            raise errors.NotFound("No result has been submitted yet.")
        return Response(ResultSerializer(job).data)

    @extend_schema(
        operation_id="submit_result",
        request=EnvelopeSerializer,
        responses={200: REGISTRY["submit_result"].result, **ERROR_RESPONSES},
    )
    def post(self, request, job_id: int):
        return submit_result(request._request, job_id=job_id)
