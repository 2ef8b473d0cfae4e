from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .selectors import public_config


class ConfigView(APIView):
    """What clients need to build signed actions and show amounts."""

    authentication_classes: list = []

    @extend_schema(
        responses={200: inline_serializer("Config", {"domain": serializers.CharField()})}
    )
    def get(self, request):
        return Response(public_config())
