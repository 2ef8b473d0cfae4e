"""SQLite for the embedded set-up (no DATABASE_URL), with amounts read back exactly.

Django's SQLite backend reads a DecimalField through a float context of 15 significant
digits, made for SQLite's REAL. Amounts are integers in the smallest unit, which SQLite
stores as INTEGER (up to 2^63) — and an amount of 16 digits or more (100,000 DOT is
10^15 plancks; a pool's KSM or ASTR reserves) came back rounded, so a batch settlement's
check of the pools' balances failed under `make run`. An integer read back is exact and
is kept so; anything else goes through Django's converter as before."""

from decimal import Decimal

from django.db.backends.sqlite3 import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def get_decimalfield_converter(self, expression):
        rounding = super().get_decimalfield_converter(expression)

        def converter(value, expression, connection):
            if isinstance(value, int):
                return Decimal(value)
            return rounding(value, expression, connection)

        return converter


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
