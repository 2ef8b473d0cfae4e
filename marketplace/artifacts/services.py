"""Artifact services: upload (content-addressed, deduplicated) and delete."""

import hashlib
import json

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from marketplace.agents import onnx_model
from marketplace.core import errors, hooks
from marketplace.wallets.models import Wallet

from . import storage
from .models import Artifact, MediaType

CHUNK = 1024 * 1024


def _digest(content: UploadedFile) -> tuple[str, int]:
    content.seek(0)
    digest, size = hashlib.sha256(), 0
    for chunk in content.chunks(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _check_content(media_type: str, data: bytes) -> dict | None:
    """The ONNX signature, or None for JSON; InvalidParams when the bytes are not what
    `media_type` says."""
    if media_type == MediaType.ONNX:
        try:
            return onnx_model.read_signature(data)
        except onnx_model.ModelError as exc:
            message = f"The model cannot be used: {exc}."
            raise errors.InvalidParams(message, {"content": str(exc)}) from exc
    try:
        json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise errors.InvalidParams("The file is not JSON.", {"content": "not JSON"}) from exc
    return None


def upload_artifact(
    wallet: Wallet,
    *,
    name: str,
    media_type: str,
    sha256: str,
    size: int,
    visibility: str,
    content: UploadedFile | None,
) -> tuple[Artifact, bool]:
    """Store the uploaded bytes under their content hash and record them for the
    wallet; returns (artifact, created). The signed params name the hash and size, so
    the signature covers the content.

    Preconditions: a file part `content` (else InvalidParams); at most
    PM_ARTIFACT_MAX_BYTES (else TooLarge); its size and sha256 are the signed ones (else
    InvalidParams); an ONNX model loads in onnxruntime with standard operators only, a
    JSON document parses (else InvalidParams). The same bytes uploaded again by the same
    wallet return its existing artifact (created False) and change nothing."""
    if content is None:
        raise errors.InvalidParams("Attach the file as the part `content`.", {"content": "missing"})
    limit = settings.PM_ARTIFACT_MAX_BYTES
    if content.size > limit:
        raise errors.TooLarge(
            f"An artifact may be at most {limit} bytes.", {"content": "too large"}
        )
    digest, actual = _digest(content)
    if actual != size:
        raise errors.InvalidParams(
            f"The file has {actual} bytes, the signed size is {size}.", {"size": "does not match"}
        )
    if digest != sha256:
        raise errors.InvalidParams(
            "The file's sha256 is not the signed one.", {"sha256": "does not match the file"}
        )
    cid = f"sha256:{digest}"
    existing = Artifact.objects.filter(cid=cid, owner=wallet).first()
    if existing is not None:
        return existing, False
    content.seek(0)
    signature = _check_content(media_type, content.read())
    # Bytes first, then the row: a row never points at missing bytes. A rolled-back
    # transaction may leave bytes no row names; they are harmless and deduplicated.
    storage.put(digest, content)
    artifact = Artifact.objects.create(
        cid=cid,
        owner=wallet,
        name=name,
        media_type=media_type,
        size=size,
        visibility=visibility,
        signature=signature,
    )
    return artifact, True


def delete_artifact(wallet: Wallet, *, cid: str) -> None:
    """Forget the wallet's artifact; the bytes go when no wallet has them any more.

    Preconditions: the wallet has this artifact (else NotFound); no active job uses it
    (else InvalidState). The row is locked, so a job submitted at the same time either
    sees it (and this waits, then refuses) or does not find it."""
    with transaction.atomic():
        artifact = Artifact.objects.select_for_update().filter(cid=cid, owner=wallet).first()
        if artifact is None:
            raise errors.NotFound("You have no artifact with that cid.")
        if hooks.is_artifact_in_use(cid):
            raise errors.InvalidState("An active job uses this artifact; it cannot be deleted.")
        artifact.delete()
        if not Artifact.objects.filter(cid=cid).exists():
            transaction.on_commit(lambda: storage.remove(artifact.digest))
