from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated

from marketplace.core.rest import ERROR_RESPONSES

from . import selectors
from .serializers import DepositSerializer


class DepositListView(ListAPIView):
    """My on-chain deposits, newest first: `seen` in a block, `credited` once final."""

    permission_classes = [IsAuthenticated]
    serializer_class = DepositSerializer

    def get_queryset(self):
        return selectors.deposits_of(self.request.user.public_key)

    @extend_schema(responses={200: DepositSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
