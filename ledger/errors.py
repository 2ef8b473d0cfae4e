"""Ledger errors carry the API.md error code and HTTP status they map to, so the API
layer can report them without the ledger knowing about HTTP views."""


class LedgerError(Exception):
    code = "invalid_state"
    status = 409

    def __init__(self, message: str, **fields: str):
        super().__init__(message)
        self.message = message
        self.fields = fields


class InvalidAmount(LedgerError):
    code = "invalid_params"
    status = 400


class InsufficientFunds(LedgerError):
    code = "insufficient_funds"


class HoldClosed(LedgerError):
    code = "invalid_state"


class IdempotencyConflict(LedgerError):
    """The key was used before for a different movement."""

    code = "duplicate"
