from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

AMOUNT_DIGITS = 39  # u128 fits in 39 decimal digits
MAX_AMOUNT = 10**AMOUNT_DIGITS - 1


# Unparametrised, as Django's own fields are: the stubs then type a nullable amount as
# `int | None` and a required one as `int`.
class AmountField(models.DecimalField):  # type: ignore[type-arg]
    """An integer amount in the asset's smallest unit: NUMERIC(39,0) in the database,
    `int` in Python and to the driver. Floats never reach it; the driver hands values back
    as Decimal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["max_digits"] = AMOUNT_DIGITS
        kwargs["decimal_places"] = 0
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_digits", None)
        kwargs.pop("decimal_places", None)
        return name, path, args, kwargs

    def from_db_value(
        self, value: Decimal | None, expression: object, connection: BaseDatabaseWrapper
    ) -> int | None:
        return None if value is None else int(value)

    def to_python(self, value: Any) -> int | None:
        if value is None or isinstance(value, int):
            return value
        return int(super().to_python(value))

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        # An int is what DecimalField's preparation ends in (to_python above): passed
        # as it is, without its round trip through Decimal, which every amount saved paid.
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return super().get_db_prep_value(value, connection, prepared)
