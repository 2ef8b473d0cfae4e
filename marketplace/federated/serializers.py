"""Input and output shapes of federated training, shared by actions, API and pages."""

import math

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.core.rest import AmountField
from marketplace.wallets.actions import AssetField

from . import selectors
from .models import FederatedJob, ModelKind, Round

FIELD_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
MAX_FEATURES = 20
MAX_NFTS = 20
MAX_ROUNDS = 50


class FieldName(serializers.RegexField):
    def __init__(self, **kwargs):
        super().__init__(
            FIELD_NAME,
            error_messages={"invalid": "A reading's field name: letters, digits, _ (≤ 64)."},
            **kwargs,
        )


class SubmitParams(serializers.Serializer):
    model = serializers.ChoiceField(choices=ModelKind.choices)
    features = serializers.ListField(child=FieldName(), min_length=1, max_length=MAX_FEATURES)
    target = FieldName()
    data_nft_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=2, max_length=MAX_NFTS
    )
    rounds = serializers.IntegerField(min_value=1, max_value=MAX_ROUNDS)
    asset = AssetField()
    budget = AmountField()
    deadline = serializers.DateTimeField()

    def validate(self, attrs):
        if len(set(attrs["features"])) != len(attrs["features"]):
            raise serializers.ValidationError({"features": "Name each feature once."})
        if attrs["target"] in attrs["features"]:
            raise serializers.ValidationError({"target": "The target cannot be a feature."})
        if len(set(attrs["data_nft_ids"])) != len(attrs["data_nft_ids"]):
            raise serializers.ValidationError({"data_nft_ids": "Name each Data NFT once."})
        return attrs


class FiniteFloat(serializers.FloatField):
    """A finite JSON number (not a string, not a boolean)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class StatsParams(serializers.Serializer):
    mean = serializers.ListField(child=FiniteFloat(), max_length=MAX_FEATURES)
    std = serializers.ListField(child=FiniteFloat(), max_length=MAX_FEATURES)


class UpdateParams(serializers.Serializer):
    federated_job_id = serializers.IntegerField(min_value=1)
    job_id = serializers.IntegerField(min_value=1, help_text="the task's job")
    weights = serializers.ListField(child=FiniteFloat(), min_length=2, max_length=MAX_FEATURES + 1)
    n_samples = serializers.IntegerField(min_value=1)
    loss = FiniteFloat(min_value=0)
    stats = StatsParams(required=False, help_text="the standardisation the trainer used")


class RoundSerializer(serializers.ModelSerializer):
    round = serializers.IntegerField(source="number")

    class Meta:
        model = Round
        fields = ["round", "loss", "contributors", "n_samples", "weights", "completed_at"]


class PayoutSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=["data_owner", "provider", "refund"])
    to = serializers.CharField()
    amount = AmountField(allow_zero=True)
    data_nft_id = serializers.IntegerField(required=False)
    tasks = serializers.IntegerField(required=False)


class TaskStatusSerializer(serializers.Serializer):
    data_nft_id = serializers.IntegerField()
    job_id = serializers.IntegerField()
    attempt = serializers.IntegerField()
    status = serializers.CharField()


class FederatedJobSerializer(serializers.ModelSerializer):
    """A federated job as its researcher sees it: rounds, never the per-NFT updates."""

    owner = serializers.CharField(source="owner.address")
    budget = AmountField()
    task_budget = AmountField()
    data_nft_ids = serializers.SerializerMethodField()
    history = RoundSerializer(many=True)
    payouts = serializers.SerializerMethodField()
    tasks = serializers.SerializerMethodField()

    class Meta:
        model = FederatedJob
        fields = [
            "id",
            "owner",
            "status",
            "model",
            "features",
            "target",
            "data_nft_ids",
            "rounds",
            "round",
            "asset",
            "budget",
            "task_budget",
            "deadline",
            "global_weights",
            "history",
            "tasks",
            "payouts",
            "failure_reason",
            "created_at",
            "finished_at",
        ]

    def get_data_nft_ids(self, obj) -> list[int]:
        return [p.nft_id for p in obj.participants.all()]

    @staticmethod
    @extend_schema_field(PayoutSerializer(many=True))
    def get_payouts(obj) -> list[dict]:
        return PayoutSerializer(selectors.payouts(obj), many=True).data

    @staticmethod
    @extend_schema_field(TaskStatusSerializer(many=True))
    def get_tasks(obj) -> list[dict]:
        return TaskStatusSerializer(selectors.current_tasks(obj), many=True).data


class TaskSerializer(serializers.Serializer):
    """What a task's provider needs to train: the model, the fields, the global weights."""

    job_id = serializers.IntegerField()
    federated_job_id = serializers.IntegerField(source="federated_id")
    round = serializers.IntegerField()
    data_nft_id = serializers.IntegerField(source="participant.nft_id")
    model = serializers.CharField(source="federated.model")
    features = serializers.ListField(source="federated.features")
    target = serializers.CharField(source="federated.target")
    global_weights = serializers.ListField(source="federated.global_weights")
