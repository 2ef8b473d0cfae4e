"""Fields for sealed boxes, keys and proofs, and the shapes of workers, confidential
jobs and attestation verdicts."""

import base64
import binascii

from rest_framework import serializers

from marketplace.core.rest import AmountField
from marketplace.wallets.signing import SIGNATURE

from .models import SEAL_OVERHEAD, ConfidentialJob, TeeWorker


class SealedBoxField(serializers.Field):
    """A libsodium sealed box sent as standard base64; validated to its bytes. Not
    base64, shorter than a box's overhead, or above `max_bytes` is 400 invalid_params."""

    default_error_messages = {
        "invalid": "Send the sealed box as standard base64.",
        "short": "Too short to be a sealed box.",
        "too_large": "The sealed box is larger than {max_bytes} bytes.",
    }

    def __init__(self, *, max_bytes: int, **kwargs):
        self.max_bytes = max_bytes
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> bytes:
        if not isinstance(data, str):
            self.fail("invalid")
        # Checked on the text first, so an oversized body is never decoded.
        if len(data) > (self.max_bytes + 2) // 3 * 4:
            self.fail("too_large", max_bytes=self.max_bytes)
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            self.fail("invalid")
        if len(raw) < SEAL_OVERHEAD:
            self.fail("short")
        if len(raw) > self.max_bytes:
            self.fail("too_large", max_bytes=self.max_bytes)
        return raw

    def to_representation(self, value) -> str:
        return value


class HexKeyField(serializers.RegexField):
    """A 32-byte key as 64 hex digits; stored lowercase."""

    def __init__(self, **kwargs):
        super().__init__(
            r"^[0-9a-fA-F]{64}$",
            error_messages={"invalid": "An X25519 public key: 64 hex digits."},
            **kwargs,
        )

    def to_internal_value(self, data) -> str:
        return super().to_internal_value(data).lower()


class ProofField(serializers.CharField):
    """A 64-byte signature as 0x + 128 hex digits; validated to its bytes."""

    default_error_messages = {"signature": "A signature: 0x followed by 128 hex digits."}

    def to_internal_value(self, data) -> bytes:
        text = super().to_internal_value(data)
        if not SIGNATURE.fullmatch(text):
            self.fail("signature")
        return bytes.fromhex(text[2:])


class Sha256Field(serializers.RegexField):
    def __init__(self, **kwargs):
        super().__init__(
            r"^[0-9a-f]{64}$",
            error_messages={"invalid": "A sha256 digest: 64 lowercase hex chars."},
            **kwargs,
        )


class TeeWorkerSerializer(serializers.ModelSerializer):
    address = serializers.CharField(source="wallet.address")

    class Meta:
        model = TeeWorker
        fields = [
            "id",
            "address",
            "encryption_public_key",
            "status",
            "created_at",
            "approved_at",
            "revoked_at",
        ]


class ConfidentialJobSerializer(serializers.ModelSerializer):
    """A confidential job as its owner and its worker see it (ciphertexts included)."""

    job_id = serializers.IntegerField()
    owner = serializers.CharField(source="job.owner.address")
    worker = serializers.CharField(source="worker.wallet.address")
    status = serializers.CharField(source="job.status")
    asset = serializers.CharField(source="job.asset")
    budget = AmountField(source="job.budget")
    deadline = serializers.DateTimeField(source="job.deadline")
    escrow_state = serializers.CharField(source="job.escrow_state")

    class Meta:
        model = ConfidentialJob
        fields = [
            "id",
            "job_id",
            "owner",
            "worker",
            "status",
            "asset",
            "budget",
            "deadline",
            "escrow_state",
            "payload_hash",
            "encrypted_payload",
            "outcome",
            "result_hash",
            "encrypted_result",
            "attested_at",
            "created_at",
        ]


class VerdictSerializer(serializers.Serializer):
    """`verify_attestation`: `valid` only while the recorded proof verifies and the
    worker is not revoked."""

    id = serializers.IntegerField(help_text="the confidential job")
    valid = serializers.BooleanField()
    attested = serializers.BooleanField(help_text="an attestation was recorded")
    signature_valid = serializers.BooleanField()
    revoked = serializers.BooleanField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    worker = serializers.CharField()
    result_hash = serializers.CharField(allow_null=True)
    verified_at = serializers.DateTimeField(
        allow_null=True, help_text="when the proof was verified and the job settled"
    )
    checked_at = serializers.DateTimeField(help_text="when this answer re-checked it")
