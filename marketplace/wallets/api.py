"""Wallet endpoints, and the one generic view through which every signed action of
every app is posted (`signed_action_view`)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ledger import selectors as ledger_selectors
from marketplace.core import hooks
from marketplace.core.actions import REGISTRY
from marketplace.core.rest import ERROR_RESPONSES, SignedPostMixin

from . import services
from .selectors import withdrawals_of
from .serializers import EntrySerializer, MeSerializer, WithdrawalSerializer


class EnvelopeSerializer(serializers.Serializer):
    payload = serializers.CharField(
        help_text="Canonical JSON of {action, address, domain, nonce, issued_at, params}."
    )
    signature = serializers.RegexField(r"^0x[0-9a-fA-F]{128}$", help_text="0x + 64-byte hex")


def run_signed_action(action_name: str, request, url_kwargs: dict) -> Response:
    result = services.execute_signed_action(
        action_name, request.data, url_kwargs, request=request._request
    )
    response = Response(result.body, status=result.status)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


class SignedActionView(APIView):
    """POST a signed action. Authentication is the signature itself (no session, so
    no CSRF token either: a forged request cannot carry the user's signature)."""

    authentication_classes: list = []
    action_name = ""

    def post(self, request, **url_kwargs):
        return run_signed_action(self.action_name, request, url_kwargs)


def _describe(params: type[serializers.Serializer]) -> str:
    fields = params().fields
    if not fields:
        return "`params`: `{}`"
    listed = ", ".join(
        f"`{name}`" + ("" if field.required else "?") for name, field in fields.items()
    )
    return f"`params`: {listed}"


def signed_schema(name: str):
    """The OpenAPI description of the signed action `name` (for `extend_schema_view`)."""
    spec = REGISTRY[name]
    return extend_schema(
        operation_id=name,
        summary=f"Signed action `{name}`",
        description=_describe(spec.params),
        request=EnvelopeSerializer,
        responses={spec.status: spec.result, **ERROR_RESPONSES},
    )


def signed_action_view(name: str):
    """The view for a path that only takes the signed action `name`."""
    view = type(f"{name.title().replace('_', '')}View", (SignedActionView,), {"action_name": name})
    return extend_schema_view(post=signed_schema(name))(view).as_view()


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: OpenApiResponse(), **ERROR_RESPONSES})
    def post(self, request):
        token = request.auth if isinstance(request.auth, str) else None
        services.logout(request._request, request.user, token)
        return Response(status=204)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer, **ERROR_RESPONSES})
    def get(self, request):
        wallet = request.user
        return Response(
            {
                "address": wallet.address,
                "balances": MeSerializer()
                .fields["balances"]
                .to_representation(ledger_selectors.balances(wallet.public_key)),
                **hooks.profile_for(wallet),
            }
        )


class LedgerEntriesView(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = EntrySerializer

    def get_queryset(self):
        return ledger_selectors.statement(self.request.user.public_key)

    @extend_schema(responses={200: EntrySerializer(many=True), **ERROR_RESPONSES})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


withdraw = signed_action_view("withdraw")


@extend_schema_view(
    get=extend_schema(responses={200: WithdrawalSerializer(many=True), **ERROR_RESPONSES}),
    post=signed_schema("withdraw"),
)
class WithdrawalCollectionView(SignedPostMixin, ListAPIView):
    """GET my withdrawals, newest first; POST the signed action `withdraw`."""

    serializer_class = WithdrawalSerializer

    def get_permissions(self):
        if self.request.method == "POST":
            return []  # the signature is the authentication
        return [IsAuthenticated()]

    def get_queryset(self):
        return withdrawals_of(self.request.user)

    def post(self, request):
        return withdraw(request._request)
