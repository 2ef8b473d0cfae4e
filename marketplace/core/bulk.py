"""Set-based writes the ORM has no verb for, or none that stays cheap at thousands of rows.

A multi-row `VALUES` list (what `bulk_create` writes) has a placeholder per value, and
quoting and splitting tens of thousands of them costs more CPU than the database spends
applying the rows. On PostgreSQL a few rows go in with one array parameter per column,
read back with `unnest`; hundreds of rows and more, and every update, go by `COPY`, where
nothing is quoted into a statement. Other databases (the embedded SQLite set-up) take
the plain ORM path or a `VALUES` list.
"""

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from ledger import sql

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
    if len(rows) >= COPY_FROM_ROWS:
        return _copy_rows(model, given, rest, rows)
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


# From this many rows on, `insert_rows` copies them in (a round trip more, for the keys).
COPY_FROM_ROWS = 100


def _copy_rows(
    model: type[models.Model],
    given: list[Any],
    rest: list[tuple[Any, Any]],
    rows: Sequence[Sequence[Any]],
) -> list[int]:
    """`insert_rows` by `COPY`, for thousands of rows: the keys are drawn from the
    table's sequence first, ascending in the order of `rows`, and the rows go in with
    them. No statement is built, bound or planned per row, and no array of every value
    is quoted into one text."""
    meta = model._meta
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in (meta.pk, *given, *(f for f, _ in rest)))
    constants = tuple(field.get_db_prep_save(value, connection) for field, value in rest)
    columns = [
        _prepared(field, values)
        for field, values in zip(given, zip(*rows, strict=True), strict=True)
    ]
    with connection.cursor() as cursor:
        # The sequence is looked up once (MATERIALIZED): as nextval's argument it would be
        # looked up again for every key, most of the statement's cost.
        cursor.execute(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq)"
            " SELECT nextval(s.seq) FROM s, generate_series(1, %s) ORDER BY 1",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        copy_in = f"COPY {quote(meta.db_table)} ({names}) FROM STDIN"
        with cursor.cursor.copy(copy_in) as copy:
            for pk, *values in zip(ids, *columns, strict=True):
                copy.write_row((pk, *values, *constants))
    return ids


_UNSET = object()


def _prepared(field: models.Field, values: Sequence[Any]) -> list[Any]:
    """`values` as `field` saves them. A value repeated from the row before (the one
    date every row of a batch shares) is prepared once."""
    # The wrapper itself: each attribute read through the `connection` proxy is a
    # thread-local look-up, and preparing a value reads several.
    wrapper = connections[DEFAULT_DB_ALIAS]
    prepared: list[Any] = []
    last: Any = _UNSET
    for value in values:
        if value is not last:
            last, saved = value, field.get_db_prep_save(value, wrapper)
        prepared.append(saved)
    return prepared


def among(model: type[models.Model], field: str, ids: Sequence[int]) -> RawSQL:
    """A filter of `model` on its integer column `field` being one of `ids`, for
    thousands of them (ledger.sql.among)."""
    quote = connection.ops.quote_name
    column = f"{quote(model._meta.db_table)}.{quote(model._meta.get_field(field).column)}"
    return RawSQL(*sql.among(column, ids), output_field=models.BooleanField())


def update_rows(objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Save `fields` of every object (one model), each row its own values, set-based:
    on PostgreSQL by COPY (_copy_update), elsewhere a few thousand rows per statement.
    `QuerySet.bulk_update` writes a CASE with a branch per row that the database
    evaluates for every row: its cost grows with the square of the rows (minutes for a
    batch of 10,000 intents)."""
    if not objs:
        return
    meta = objs[0]._meta
    quote = connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    # `columnN` is what a VALUES list calls its columns (and the temporary table too).
    assignments = ", ".join(
        f"{quote(column.column)} = v.column{index}"
        for index, column in enumerate(columns[1:], start=2)
    )
    table = quote(meta.db_table)
    match = f"{table}.{quote(meta.pk.column)} = v.column1"
    if connection.vendor == "postgresql":
        _copy_update(objs, columns, f"UPDATE {table} SET {assignments}", match)
        return
    per_statement = _PARAMETERS_PER_STATEMENT // len(columns)
    row = "({})".format(", ".join(["%s"] * len(columns)))
    with connection.cursor() as cursor:
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


def _copy_update(objs: Sequence[models.Model], columns: list[Any], update: str, match: str) -> None:
    """`update_rows` on PostgreSQL: the rows are copied into a temporary table and the
    update joins it. No statement grows with the rows (an array parameter per column
    was 476 KB of quoted text for 2,000 intents, most of the update's CPU). The savepoint
    takes the table back with the rest if anything fails."""
    quote = connection.ops.quote_name
    table = quote("pm_update_rows")
    types = ", ".join(
        f"column{index} {column.db_type(connection)}"
        for index, column in enumerate(columns, start=1)
    )
    values = [
        _prepared(column, [getattr(obj, column.attname) for obj in objs]) for column in columns
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {table} ({types})")
        with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in zip(*values, strict=True):
                copy.write_row(row)
        cursor.execute(f"{update} FROM {table} AS v WHERE {match}")
        cursor.execute(f"DROP TABLE {table}")
