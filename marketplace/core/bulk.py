"""Set-based writes the ORM has no verb for, or none that stays cheap at thousands of rows.

On PostgreSQL each statement takes one array parameter per column and reads the rows
back with `unnest`: its text, its parsing and the driver's quoting stay the same size
whatever the number of rows. A multi-row `VALUES` list (what `bulk_create` writes) has a
placeholder per value, and quoting and splitting tens of thousands of them costs more
CPU than the database spends applying the rows. Other databases (the embedded SQLite
set-up) take the plain ORM path.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

# SQLite takes at most 32,766 parameters a statement.
_PARAMETERS_PER_STATEMENT = 30_000


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert one row of `model` per tuple of `rows` (the values of `fields`, in that
    order) and return their primary keys in the same order. Other fields take their
    default, `auto_now(_add)` dates the current time, as `bulk_create` gives them."""
    if not rows:
        return []
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    now = timezone.now()
    rest = [
        (
            field,
            now
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            else field.get_default(),
        )
        for field in meta.concrete_fields
        if not field.primary_key and field not in given
    ]
    if connection.vendor != "postgresql":
        defaults = {field.attname: value for field, value in rest}
        created = model._default_manager.bulk_create(
            [
                model(**defaults, **{f.attname: v for f, v in zip(given, row, strict=True)})
                for row in rows
            ]
        )
        return [obj.pk for obj in created]
    columns = [*given, *(field for field, _ in rest)]
    arrays = [
        [field.get_db_prep_save(value, connection) for value in values]
        for field, values in zip(given, zip(*rows, strict=True), strict=True)
    ]
    arrays += [[field.get_db_prep_save(value, connection)] * len(rows) for field, value in rest]
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in columns)
    unnest = ", ".join(f"%s::{field.db_type(connection)}[]" for field in columns)
    aliases = ", ".join(f"c{index}" for index in range(len(columns)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({names}) SELECT {aliases} FROM unnest({unnest})"
            f" WITH ORDINALITY AS v({aliases}, n) ORDER BY n RETURNING {quote(meta.pk.column)}",
            arrays,
        )
        return [pk for (pk,) in cursor.fetchall()]


def update_rows(objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Save `fields` of every object (one model), each row its own values, in one
    statement (a few thousand rows per statement off PostgreSQL). `QuerySet.bulk_update`
    writes a CASE with a branch per row that the database evaluates for every row: its
    cost grows with the square of the rows (minutes for a batch of 10,000 intents)."""
    if not objs:
        return
    meta = objs[0]._meta
    quote = connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    # `columnN` is what both databases call the columns of a VALUES list.
    assignments = ", ".join(
        f"{quote(column.column)} = v.column{index}"
        for index, column in enumerate(columns[1:], start=2)
    )
    aliases = ", ".join(f"column{index}" for index in range(1, len(columns) + 1))
    table = quote(meta.db_table)
    match = f"{table}.{quote(meta.pk.column)} = v.column1"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            unnest = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM unnest({unnest}) AS v({aliases})"
                f" WHERE {match}",
                [
                    [
                        column.get_db_prep_save(getattr(obj, column.attname), connection)
                        for obj in objs
                    ]
                    for column in columns
                ],
            )
            return
        per_statement = _PARAMETERS_PER_STATEMENT // len(columns)
        row = "({})".format(", ".join(["%s"] * len(columns)))
        for start in range(0, len(objs), per_statement):
            chunk = objs[start : start + per_statement]
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(chunk))})"
                f" AS v WHERE {match}",
                [
                    column.get_db_prep_save(getattr(obj, column.attname), connection)
                    for obj in chunk
                    for column in columns
                ],
            )
