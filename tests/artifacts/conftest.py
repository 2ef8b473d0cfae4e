import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture(autouse=True)
def _artifact_store(settings, tmp_path):
    """Each test stores its artifacts in a folder of its own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "artifacts")},
        },
    }
    return tmp_path / "artifacts"


def upload_params(data: bytes, **overrides) -> dict:
    return {
        "name": "model.onnx",
        "media_type": "application/onnx",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "visibility": "private",
        **overrides,
    }


def upload(api, signer, data: bytes, *, content: bytes | None = None, **overrides):
    """POST /api/artifacts as a multipart form; `content` replaces the file sent."""
    envelope = signer.envelope("upload_artifact", upload_params(data, **overrides))
    body = {
        **envelope,
        "content": SimpleUploadedFile("blob", data if content is None else content),
    }
    return api.post("/api/artifacts", body, format="multipart")
