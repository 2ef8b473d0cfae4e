"""Where artifact bytes live: Django's storage named `artifacts` (settings.STORAGES),
local files under the instance's var folder by default, any S3-compatible store
through django-storages by settings alone (docs/OPERATIONS.md). Names are derived from
the content hash, so the same bytes are stored once and a name never changes meaning."""

from django.core.files import File
from django.core.files.storage import storages


def _storage():
    return storages["artifacts"]


def path_of(digest: str) -> str:
    return f"sha256/{digest[:2]}/{digest}"


def put(digest: str, content: File) -> None:
    """Store `content` under its digest unless those bytes are already there. Two
    uploads of the same bytes at once may both write: the storage then keeps one name
    and the extra copy is removed."""
    storage = _storage()
    name = path_of(digest)
    if storage.exists(name):
        return
    content.seek(0)
    saved = storage.save(name, content)
    if saved != name:  # the other writer won; its bytes are the same
        storage.delete(saved)


def read(digest: str) -> bytes:
    with _storage().open(path_of(digest), "rb") as stored:
        return stored.read()


def remove(digest: str) -> None:
    _storage().delete(path_of(digest))
