"""Reads of the artifact store and the one permission rule: an artifact is readable by
its owner, by anyone when public, and by the provider assigned to an active job that
uses it."""

import json
import logging

from django.db.models import Q, QuerySet

from marketplace.core import errors, hooks

from . import storage
from .models import Artifact, MediaType, Visibility

logger = logging.getLogger(__name__)


def readable(cid: str, viewer_key: str | None, *, lock: bool = False) -> Artifact | None:
    """The row the viewer may read `cid` through (its own first, then a public one,
    then any when it runs a job using it), or None. `lock` locks that row against a
    concurrent delete (submit_job holds it until its job is stored)."""
    rows = Artifact.objects.filter(cid=cid).select_related("owner")
    if lock:
        rows = rows.select_for_update(of=("self",))
    if viewer_key is not None:
        own = rows.filter(owner__public_key=viewer_key).first()
        if own is not None:
            return own
    public = rows.filter(visibility=Visibility.PUBLIC).order_by("id").first()
    if public is not None:
        return public
    if viewer_key is not None and hooks.may_read_artifact_for_job(cid, viewer_key):
        return rows.order_by("id").first()
    return None


def artifact(cid: str, viewer_key: str | None) -> Artifact:
    """`readable` or NotFound: a private artifact is not told apart from a missing one."""
    found = readable(cid, viewer_key)
    if found is None:
        raise errors.NotFound("No artifact with that cid is visible to you.")
    return found


def content(found: Artifact) -> bytes:
    """The stored bytes. Bytes gone from the store (a storage folder moved, a bucket
    emptied) are an operator's problem, logged as such; the reader gets 404, not 500."""
    try:
        return storage.read(found.digest)
    except FileNotFoundError:
        logger.error("artifact %s: its bytes are missing from the store", found.cid)
        raise errors.NotFound(f"The bytes of {found.cid} are missing from the store.") from None


def json_content(found: Artifact) -> object:
    """The parsed document of a JSON artifact (checked at upload)."""
    if found.media_type != MediaType.JSON:
        raise errors.InvalidParams(f"{found.cid} is not a JSON artifact.")
    return json.loads(content(found))


def visible(viewer_key: str | None, *, media_type: str | None = None) -> QuerySet[Artifact]:
    """The viewer's artifacts and the public ones, newest first."""
    mine = Q(owner__public_key=viewer_key) if viewer_key else Q(pk__in=[])
    found = Artifact.objects.filter(mine | Q(visibility=Visibility.PUBLIC)).select_related("owner")
    if media_type:
        found = found.filter(media_type=media_type)
    return found.order_by("-id")


def owned(viewer_key: str, *, media_type: str | None = None) -> QuerySet[Artifact]:
    """The viewer's own uploads, newest first."""
    found = Artifact.objects.filter(owner__public_key=viewer_key).select_related("owner")
    return found.filter(media_type=media_type) if media_type else found


def gallery(viewer_key: str | None) -> QuerySet[Artifact]:
    """Public ONNX models, the viewer's own left out (they are listed as its uploads)."""
    found = Artifact.objects.filter(visibility=Visibility.PUBLIC, media_type=MediaType.ONNX)
    if viewer_key:
        found = found.exclude(owner__public_key=viewer_key)
    return found.select_related("owner")
