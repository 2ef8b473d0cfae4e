"""Amounts for people: the one rounding rule of every amount and price a page shows."""

import pytest

from ledger.units import rounded_decimal, rounded_units, whole_units


@pytest.mark.parametrize(
    ("amount", "decimals", "shown"),
    [
        (16_566_666_666, 10, "1.6567"),  # four decimals, half up
        (15_000_000_000, 10, "1.5"),  # trailing zeros dropped
        (12_345_678_900_000_000, 10, "1,234,567.89"),  # thousands separated
        (1_234, 10, "0.0000001234"),  # below 1: four significant digits, never 0
        (99_999, 10, "0.00001"),  # rounding up carries
        (-16_566_666_666, 10, "-1.6567"),
        (0, 10, "0"),
        (7, 0, "7"),
    ],
)
def test_an_amount_shows_at_most_four_decimals_or_four_significant_digits(amount, decimals, shown):
    assert rounded_units(amount, decimals) == shown


def test_an_amount_with_few_decimals_is_shown_exactly():
    assert rounded_units(1_250_000, 6) == whole_units(1_250_000, 6) == "1.25"


@pytest.mark.parametrize(
    ("price", "shown"),
    [("4.980000000000", "4.98"), ("4.123456789012", "4.1235"), ("0.000001234567", "0.000001235")],
)
def test_a_price_follows_the_same_rule(price, shown):
    assert rounded_decimal(price) == shown
