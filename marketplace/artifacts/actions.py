"""Signed actions of the artifact store: upload_artifact, delete_artifact."""

from rest_framework import serializers

from marketplace.core.actions import Reply, signed_action

from . import services
from .models import MediaType, Visibility
from .serializers import ArtifactSerializer

CID = r"^sha256:[0-9a-f]{64}$"


class UploadParams(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    media_type = serializers.ChoiceField(choices=MediaType.choices)
    sha256 = serializers.RegexField(
        r"^[0-9a-f]{64}$", error_messages={"invalid": "A sha256 digest: 64 lowercase hex chars."}
    )
    size = serializers.IntegerField(min_value=1)
    visibility = serializers.ChoiceField(choices=Visibility.choices)


@signed_action("upload_artifact", params=UploadParams, status=201, response=ArtifactSerializer)
def upload_artifact(wallet, params, ctx):
    # The multipart view parsed the file part; the signed params name its hash and size.
    content = ctx.request.FILES.get("content") if ctx.request is not None else None
    artifact, created = services.upload_artifact(wallet, content=content, **params)
    body = ArtifactSerializer(artifact).data
    return body if created else Reply(body, 200)


class CidParams(serializers.Serializer):
    cid = serializers.RegexField(CID, error_messages={"invalid": "sha256:<64 hex digits>"})


@signed_action("delete_artifact", params=CidParams, url_params=("cid",))
def delete_artifact(wallet, params, ctx):
    services.delete_artifact(wallet, **params)
    return {"cid": params["cid"], "deleted": True}
