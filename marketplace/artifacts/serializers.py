from rest_framework import serializers

from .models import Artifact


class ArtifactSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.address")

    class Meta:
        model = Artifact
        fields = [
            "cid",
            "name",
            "media_type",
            "size",
            "owner",
            "visibility",
            "created_at",
            "signature",
            "description",
            "example",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.signature is None:
            del data["signature"]
        return data
