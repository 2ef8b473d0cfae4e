"""Artifact endpoints: the list and metadata reads, the bytes, and the multipart signed
upload (`upload_artifact`), whose envelope travels as two form fields beside the file."""

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core import errors
from marketplace.core.actions import REGISTRY
from marketplace.core.rest import ERROR_RESPONSES, SignedPostMixin
from marketplace.wallets import services as wallet_services

from . import selectors
from .models import MediaType
from .serializers import ArtifactSerializer

# Room for the envelope and the multipart framing around the file itself.
ENVELOPE_SLACK = 64 * 1024

UploadForm = inline_serializer(
    "ArtifactUpload",
    {
        "payload": serializers.CharField(help_text="The signed action's canonical JSON."),
        "signature": serializers.CharField(help_text="0x + 64-byte hex"),
        "content": serializers.FileField(help_text="The bytes; sha256 and size as signed."),
    },
)


def _viewer(request) -> str | None:
    return request.user.public_key if request.user else None


class ArtifactCollectionView(SignedPostMixin, ListAPIView):
    """GET: my artifacts and the public ones. POST: `upload_artifact` (multipart)."""

    serializer_class = ArtifactSerializer
    parser_classes = [MultiPartParser]

    def get_throttles(self):
        # The upload runs here rather than in a signed action's own view: keep the
        # per-IP limit that view would have applied.
        return super(SignedPostMixin, self).get_throttles()

    def get_queryset(self):
        media_type = self.request.query_params.get("media_type") or None
        if media_type is not None and media_type not in MediaType.values:
            raise errors.InvalidParams(
                "Unknown media_type.", {"media_type": f"Use one of: {', '.join(MediaType.values)}."}
            )
        return selectors.visible(_viewer(self.request), media_type=media_type)

    @extend_schema(
        parameters=[OpenApiParameter("media_type", enum=MediaType.values)],
        responses={200: ArtifactSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="upload_artifact",
        request={"multipart/form-data": UploadForm},
        responses={
            201: REGISTRY["upload_artifact"].result,
            200: REGISTRY["upload_artifact"].result,
            413: None,
            **ERROR_RESPONSES,
        },
    )
    def post(self, request):
        # Refuse an oversized upload by its declared length, before reading it.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.PM_ARTIFACT_MAX_BYTES + ENVELOPE_SLACK:
            raise errors.TooLarge(
                f"An artifact may be at most {settings.PM_ARTIFACT_MAX_BYTES} bytes."
            )
        envelope = {name: request.data.get(name) for name in ("payload", "signature")}
        result = wallet_services.execute_signed_action(
            "upload_artifact", envelope, {}, request=request._request
        )
        response = Response(result.body, status=result.status)
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class ArtifactDetailView(RetrieveAPIView):
    """Metadata: for the owner, anyone if public, and a provider running a job on it."""

    serializer_class = ArtifactSerializer

    def get_object(self):
        return selectors.artifact(self.kwargs["cid"], _viewer(self.request))


class ArtifactContentView(APIView):
    """The bytes, to the same readers as the metadata. Content-addressed: never changes."""

    @extend_schema(responses={(200, "application/octet-stream"): bytes, **ERROR_RESPONSES})
    def get(self, request, cid: str):
        found = selectors.artifact(cid, _viewer(request))
        response = HttpResponse(selectors.content(found), content_type=found.media_type)
        response["ETag"] = f'"{found.cid}"'
        response["Cache-Control"] = "private, max-age=31536000, immutable"
        return response
