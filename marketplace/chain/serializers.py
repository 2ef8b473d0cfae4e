from rest_framework import serializers

from marketplace.core.identity import address_of
from marketplace.core.rest import AmountField


class DepositSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    asset = serializers.CharField()
    amount = AmountField()
    sender = serializers.SerializerMethodField(method_name="get_from")
    block_number = serializers.IntegerField()
    block_hash = serializers.CharField()
    event_index = serializers.IntegerField()
    status = serializers.CharField()
    credited_at = serializers.DateTimeField(allow_null=True)

    def get_from(self, obj) -> str:
        return address_of(obj.sender)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["from"] = data.pop("sender")  # `from` is a Python keyword: API.md's name
        return data
