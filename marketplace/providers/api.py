"""Provider registry endpoints: the list (GET) shares its path with the signed
`register_provider` (POST); stake and unbond are plain signed-action routes."""

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView

from marketplace.core.rest import ERROR_RESPONSES
from marketplace.wallets.api import EnvelopeSerializer, signed_action_view

from . import selectors
from .actions import ProviderResult
from .serializers import ProviderSerializer

register_provider = signed_action_view("register_provider")


class SignedPostMixin:
    """For a path whose GET is a read and whose POST is a signed action: the POST is
    handed to the signed action's own view, which authenticates it by its signature
    alone (no session, hence no CSRF check) and applies the rate limits once."""

    def _posting(self) -> bool:
        request = getattr(self, "request", None)  # None while the schema is generated
        return request is not None and request.method == "POST"

    def get_authenticators(self):
        return [] if self._posting() else super().get_authenticators()

    def get_throttles(self):
        return [] if self._posting() else super().get_throttles()


class ProviderCollectionView(SignedPostMixin, ListAPIView):
    serializer_class = ProviderSerializer

    def get_queryset(self):
        return selectors.providers()

    @extend_schema(
        operation_id="register_provider",
        request=EnvelopeSerializer,
        responses={201: ProviderResult, **ERROR_RESPONSES},
    )
    def post(self, request):
        return register_provider(request._request)


class ProviderDetailView(RetrieveAPIView):
    serializer_class = ProviderSerializer

    def get_object(self):
        return selectors.provider_by_address(self.kwargs["address"])
