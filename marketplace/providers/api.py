"""Provider registry endpoints: the list (GET) shares its path with the signed
`register_provider` (POST); stake and unbond are plain signed-action routes."""

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView

from marketplace.core.actions import REGISTRY
from marketplace.core.rest import ERROR_RESPONSES, SignedPostMixin
from marketplace.wallets.api import EnvelopeSerializer, signed_action_view

from . import selectors
from .serializers import ProviderSerializer

register_provider = signed_action_view("register_provider")


class ProviderCollectionView(SignedPostMixin, ListAPIView):
    serializer_class = ProviderSerializer

    def get_queryset(self):
        return selectors.providers()

    @extend_schema(
        operation_id="register_provider",
        request=EnvelopeSerializer,
        responses={201: REGISTRY["register_provider"].result, **ERROR_RESPONSES},
    )
    def post(self, request):
        return register_provider(request._request)


class ProviderDetailView(RetrieveAPIView):
    serializer_class = ProviderSerializer

    def get_object(self):
        return selectors.provider_by_address(self.kwargs["address"])
