"""Access tokens for readings: Django's `signing` (HMAC-SHA256 over SECRET_KEY, with a
salt of our own so no other signed value of the site can pass for one) over the claims
(NFT id, reader's public key, expiry in Unix seconds, and for a federated training task
the task's job id). Nothing is stored: the signature is the proof, the expiry is inside
what is signed."""

from datetime import UTC, datetime

from django.core import signing

from marketplace.core.errors import DataAccessRequired

SALT = "marketplace.datanft.access-token"
MAX_TOKEN_CHARS = 512  # a real one is ~170; anything longer is not worth verifying


def issue(nft_id: int, public_key: str, expires_at: datetime, job_id: int | None = None) -> str:
    """A token for `public_key` to read NFT `nft_id` until `expires_at` (whole seconds);
    with `job_id`, only while it runs that training task."""
    claims = {"nft": nft_id, "key": public_key, "exp": int(expires_at.timestamp())}
    if job_id is not None:
        claims["job"] = job_id
    return signing.dumps(claims, salt=SALT)


def verify(token: str, nft_id: int, now: datetime) -> tuple[str, int | None]:
    """(reader's public key, training task's job id or None) if `token` is ours,
    untampered, for NFT `nft_id` and not expired at `now`; DataAccessRequired (403)
    otherwise."""
    if not token:
        raise DataAccessRequired("Send ?token= from access_data.")
    if len(token) > MAX_TOKEN_CHARS:
        raise DataAccessRequired("The access token is not valid.")
    try:
        claims = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise DataAccessRequired("The access token is not valid.") from exc
    if claims.get("nft") != nft_id:
        raise DataAccessRequired("The access token is for another Data NFT.")
    if datetime.fromtimestamp(claims["exp"], UTC) <= now:
        raise DataAccessRequired("The access token has expired; ask access_data for a new one.")
    return claims["key"], claims.get("job")
