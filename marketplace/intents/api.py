"""Intents read endpoints (the writes are signed actions: see actions.py)."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core.rest import ERROR_RESPONSES

from . import selectors, services
from .serializers import (
    BatchSerializer,
    EpochSerializer,
    IntentSerializer,
    PoolSerializer,
    QuoteQuery,
    QuoteSerializer,
    StatsSerializer,
)


class EpochView(APIView):
    """The batch accepting intents now and the X25519 key to seal them to."""

    authentication_classes: list = []

    @extend_schema(responses={200: EpochSerializer, **ERROR_RESPONSES})
    def get(self, request):
        return Response(EpochSerializer(services.open_epoch()).data)


class IntentDetailView(APIView):
    @extend_schema(responses={200: IntentSerializer, **ERROR_RESPONSES})
    def get(self, request, intent_id: int):
        return Response(IntentSerializer(selectors.intent_for(intent_id, request.user)).data)


class BatchListView(ListAPIView):
    authentication_classes: list = []
    serializer_class = BatchSerializer

    def get_queryset(self):
        return selectors.batches()

    @extend_schema(responses={200: BatchSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BatchDetailView(APIView):
    authentication_classes: list = []

    @extend_schema(responses={200: BatchSerializer, **ERROR_RESPONSES})
    def get(self, request, batch_id: int):
        return Response(BatchSerializer(selectors.batch(batch_id)).data)


class BatchStatsView(APIView):
    authentication_classes: list = []

    @extend_schema(responses={200: StatsSerializer, **ERROR_RESPONSES})
    def get(self, request):
        return Response(StatsSerializer(selectors.batch_stats()).data)


class PoolListView(APIView):
    authentication_classes: list = []

    @extend_schema(responses={200: PoolSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request):
        return Response(PoolSerializer(selectors.pools(), many=True).data)


class QuoteView(APIView):
    """An estimate before signing: the route, the expected output at the pools' reserves
    now, fee, price impact and a suggested minimum (anyone)."""

    authentication_classes: list = []

    @extend_schema(parameters=[QuoteQuery], responses={200: QuoteSerializer, **ERROR_RESPONSES})
    def get(self, request):
        query = QuoteQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        found = selectors.quote(
            services.open_epoch(),
            params["token_in"],
            params["token_out"],
            params["amount_in"],
            params.get("slippage_bps", settings.PM_DEFAULT_SLIPPAGE_BPS),
        )
        return Response(QuoteSerializer(found).data)
