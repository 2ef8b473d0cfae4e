"""API errors with the stable codes of API.md. Services raise these; the one DRF
exception handler (marketplace.core.rest) turns them into
`{"error": {"code", "message", "fields"}}` with the matching status."""


class ApiError(Exception):
    code = "invalid_params"
    status = 400
    default_message = "The request is not valid."

    def __init__(self, message: str | None = None, fields: dict | None = None):
        self.message = message or self.default_message
        self.fields = fields or {}
        super().__init__(self.message)


class InvalidParams(ApiError):
    pass


class BadSignature(ApiError):
    code, status, default_message = "bad_signature", 401, "The signature does not verify."


class StaleRequest(ApiError):
    code, status, default_message = "stale_request", 401, "issued_at is too old or in the future."


class WrongDomain(ApiError):
    code, status, default_message = "wrong_domain", 401, "The payload was signed for another site."


class NotAuthenticated(ApiError):
    code, status, default_message = "not_authenticated", 401, "Sign in with your wallet first."


class Forbidden(ApiError):
    code, status, default_message = "forbidden", 403, "You may not do this."


class DataAccessRequired(ApiError):
    code, status = "data_access_required", 403
    default_message = "An active subscription to this Data NFT is required."


class NotFound(ApiError):
    code, status, default_message = "not_found", 404, "Not found."


class InvalidState(ApiError):
    code, status, default_message = "invalid_state", 409, "Not allowed in the current state."


class BelowMinimum(ApiError):
    code, status, default_message = "below_minimum", 409, "The amount is below the minimum."


class ReplayedNonce(ApiError):
    code, status = "replayed_nonce", 409
    default_message = "This nonce was already used for another payload."


class Duplicate(ApiError):
    code, status, default_message = "duplicate", 409, "It already exists."


class DeadlinePassed(ApiError):
    code, status, default_message = "deadline_passed", 409, "The deadline has passed."


class WindowClosed(ApiError):
    code, status, default_message = "window_closed", 409, "The window for this has closed."


class TooLarge(ApiError):
    code, status, default_message = "too_large", 413, "The upload is larger than allowed."


class RateLimited(ApiError):
    code, status, default_message = "rate_limited", 429, "Too many requests; slow down."
