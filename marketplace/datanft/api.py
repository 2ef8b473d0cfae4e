"""Data NFT reads: listing, detail, readings (token holders) and usage stats. Writes are
signed actions (see actions.py), posted through `signed_action_view`."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core import errors
from marketplace.core.actions import REGISTRY
from marketplace.core.rest import ERROR_RESPONSES, Pagination, SignedPostMixin
from marketplace.wallets.api import EnvelopeSerializer, signed_action_view

from . import selectors, services
from .serializers import (
    MAX_READINGS_PER_CALL,
    READING_ROW,
    DataNFTSerializer,
    DataNFTWithRefSerializer,
    DataUsageStatsSerializer,
    ListFilters,
    ReadingOutSerializer,
    ReadingsQuery,
)

mint_data_nft = signed_action_view("mint_data_nft")
publish_readings = signed_action_view("publish_readings")


def _found(nft_id: int):
    item = selectors.nft(nft_id)
    if item is None:
        raise errors.NotFound(f"Data NFT {nft_id} does not exist.")
    return item


class DataNFTCollectionView(SignedPostMixin, ListAPIView):
    serializer_class = DataNFTSerializer

    def get_queryset(self):
        filters = ListFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.nfts(**filters.validated_data)

    @extend_schema(
        operation_id="list_data_nfts",
        parameters=[ListFilters],
        responses={200: DataNFTSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="mint_data_nft",
        request=EnvelopeSerializer,
        responses={201: REGISTRY["mint_data_nft"].result, **ERROR_RESPONSES},
    )
    def post(self, request):
        return mint_data_nft(request._request)


class DataNFTDetailView(APIView):
    """Public metadata; `content_ref` too when the signed-in wallet may read the data."""

    @extend_schema(
        operation_id="get_data_nft",
        responses={200: DataNFTWithRefSerializer, **ERROR_RESPONSES},
    )
    def get(self, request, nft_id: int):
        item = _found(nft_id)
        reader = getattr(request.user, "public_key", None)
        readable = selectors.access_for(item, reader, timezone.now()) is not None
        serializer = DataNFTWithRefSerializer if readable else DataNFTSerializer
        return Response(serializer(item).data)


class ReadingsPagination(Pagination):
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = MAX_READINGS_PER_CALL


class ReadingsView(ListAPIView):
    """GET: readings for the holder of an access token for this NFT, oldest first (the
    token is the only credential: a missing, foreign, tampered or expired one is 403
    data_access_required). POST: the owner's signed `publish_readings`."""

    authentication_classes: list = []
    serializer_class = ReadingOutSerializer
    pagination_class = ReadingsPagination

    def get_queryset(self):
        query = ReadingsQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        item = services.open_readings(
            self.kwargs["nft_id"], self.request.query_params.get("token", "")
        )
        return selectors.readings(item.pk, **query.validated_data).values_list(*READING_ROW)

    @extend_schema(
        operation_id="get_readings",
        parameters=[
            OpenApiParameter("token", str, required=True, description="from access_data"),
            OpenApiParameter("limit", int, description=f"page size, ≤ {MAX_READINGS_PER_CALL}"),
            ReadingsQuery,
        ],
        responses={200: ReadingOutSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="publish_readings",
        request=EnvelopeSerializer,
        responses={200: REGISTRY["publish_readings"].result, **ERROR_RESPONSES},
    )
    def post(self, request, nft_id: int):
        return publish_readings(request._request, nft_id=nft_id)


class StatsView(APIView):
    @extend_schema(
        operation_id="get_data_usage_stats",
        responses={200: DataUsageStatsSerializer, **ERROR_RESPONSES},
    )
    def get(self, request, nft_id: int):
        return Response(DataUsageStatsSerializer(selectors.usage_stats(_found(nft_id))).data)
