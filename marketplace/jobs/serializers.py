from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.core.rest import AmountField, FieldsBuiltOnce

from . import selectors
from .models import Bid, Job, JobEvent


class BidSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    provider = serializers.CharField(source="provider.wallet.address")
    price = AmountField()

    class Meta:
        model = Bid
        fields = ["id", "provider", "price", "sla_seconds", "status", "created_at"]


class HistorySerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """A status the job entered, or a provider's decline (`declined_by`, `reason`)."""

    declined_by = serializers.SerializerMethodField()

    class Meta:
        model = JobEvent
        fields = ["status", "at", "note", "declined_by", "reason"]

    def get_declined_by(self, event: JobEvent) -> str | None:
        provider = event.declined_by
        return provider.wallet.address if provider else None


class EscrowSerializer(serializers.Serializer):
    amount = AmountField(allow_zero=True)
    state = serializers.ChoiceField(choices=["held", "released", "refunded", "split"])


class JobSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """A job as `context["viewer"]` (a public key, or None) may see it: bids and the
    result only for the owner and the assigned provider (a bidder sees its own bids)."""

    owner = serializers.CharField(source="owner.address")
    budget = AmountField()
    price = AmountField(allow_null=True)
    assigned_provider = serializers.SerializerMethodField()
    result_ref = serializers.SerializerMethodField()
    result_hash = serializers.SerializerMethodField()
    escrow = serializers.SerializerMethodField()
    bids = serializers.SerializerMethodField()
    history = HistorySerializer(many=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "owner",
            "model_ref",
            "data_ref",
            "data_nft_id",
            "compute_type",
            "asset",
            "budget",
            "deadline",
            "privacy_required",
            "auto_assign",
            "status",
            "assigned_provider",
            "price",
            "result_ref",
            "result_hash",
            "escrow",
            "bids",
            "history",
            "bid_window_ends_at",
            "review_ends_at",
            "dispute_reason",
            "resolution",
            "provider_percent",
            "resolution_note",
            "created_at",
        ]

    def _party(self, job: Job) -> bool:
        return selectors.is_party(job, self.context.get("viewer"))

    def get_assigned_provider(self, job: Job) -> str | None:
        provider = job.assigned_provider
        return provider.wallet.address if provider else None

    def get_result_ref(self, job: Job) -> str | None:
        return job.result_ref if self._party(job) and job.result_ref else None

    def get_result_hash(self, job: Job) -> str | None:
        return job.result_hash if self._party(job) and job.result_hash else None

    @extend_schema_field(EscrowSerializer)
    def get_escrow(self, job: Job) -> dict:
        return EscrowSerializer(
            {"amount": selectors.escrow_amount(job), "state": job.escrow_state}
        ).data

    @extend_schema_field(BidSerializer(many=True))
    def get_bids(self, job: Job) -> list:
        return BidSerializer(
            selectors.visible_bids(job, self.context.get("viewer")), many=True
        ).data


class ResultSerializer(serializers.Serializer):
    result_ref = serializers.CharField()
    result_hash = serializers.CharField()
    result_content = serializers.JSONField(allow_null=True)


class EscrowBalanceSerializer(serializers.Serializer):
    job_id = serializers.IntegerField()
    asset = serializers.CharField()
    amount = AmountField(allow_zero=True)
    state = serializers.CharField()
