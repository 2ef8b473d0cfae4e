"""Intents read endpoints (the writes are signed actions: see actions.py)."""

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
