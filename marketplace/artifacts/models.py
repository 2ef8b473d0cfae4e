"""Content-addressed artifacts: ONNX models and JSON inputs that jobs refer to by
`sha256:<hex>`. The bytes are stored once per content hash (storage.py); each wallet
that uploaded them has its own row, with its own name and visibility."""

from django.db import models


class Visibility(models.TextChoices):
    PRIVATE = "private"
    PUBLIC = "public"


class MediaType(models.TextChoices):
    ONNX = "application/onnx"
    JSON = "application/json"


class Artifact(models.Model):
    cid = models.CharField(max_length=71)  # "sha256:" + 64 hex digits
    owner = models.ForeignKey("wallets.Wallet", on_delete=models.PROTECT, related_name="artifacts")
    name = models.CharField(max_length=200)
    media_type = models.CharField(max_length=32, choices=MediaType.choices)
    size = models.PositiveBigIntegerField()
    visibility = models.CharField(max_length=8, choices=Visibility.choices)
    # ONNX only: {"inputs": [{name, dtype, shape}], "outputs": [...]}, read at upload.
    signature = models.JSONField(null=True, blank=True)
    # A short description and an example `{"inputs": …}` document (the demo gallery).
    description = models.CharField(max_length=500, blank=True)
    example = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["cid", "owner"], name="artifact_one_per_owner"),
        ]
        indexes = [models.Index(fields=["cid"], name="artifact_cid_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.cid[:19]}…)"

    @property
    def digest(self) -> str:
        return self.cid.removeprefix("sha256:")
