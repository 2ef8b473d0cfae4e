from django.urls import path, register_converter

from marketplace.wallets.api import signed_action_view

from . import api


class CidConverter:
    regex = "sha256:[0-9a-f]{64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CidConverter, "cid")

urlpatterns = [
    path("artifacts", api.ArtifactCollectionView.as_view(), name="artifacts"),
    path("artifacts/<cid:cid>", api.ArtifactDetailView.as_view(), name="artifact"),
    path("artifacts/<cid:cid>/content", api.ArtifactContentView.as_view(), name="artifact-content"),
    path(
        "artifacts/<cid:cid>/delete", signed_action_view("delete_artifact"), name="artifact-delete"
    ),
]
