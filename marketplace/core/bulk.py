"""A set-based update the ORM has no verb for."""

from collections.abc import Sequence

from django.db import connection, models

# PostgreSQL takes at most 65,535 parameters a statement, SQLite 32,766.
_PARAMETERS_PER_STATEMENT = 30_000


def update_rows(objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Save `fields` of every object (one model), each row its own values, with one
    `UPDATE … FROM (VALUES …)` per few thousand rows. `QuerySet.bulk_update` writes a
    CASE with a branch per row that the database evaluates for every row: its cost
    grows with the square of the rows (minutes for a batch of 10,000 intents)."""
    if not objs:
        return
    meta = objs[0]._meta
    quote = connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    # PostgreSQL types a VALUES list from its literals: say each column's type.
    typed = connection.vendor == "postgresql"
    row = "({})".format(
        ", ".join(f"CAST(%s AS {c.db_type(connection)})" if typed else "%s" for c in columns)
    )
    assignments = ", ".join(
        f"{quote(column.column)} = v.column{index}"
        for index, column in enumerate(columns[1:], start=2)
    )
    table = quote(meta.db_table)
    per_statement = _PARAMETERS_PER_STATEMENT // len(columns)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            chunk = objs[start : start + per_statement]
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(chunk))})"
                f" AS v WHERE {table}.{quote(meta.pk.column)} = v.column1",
                [
                    column.get_db_prep_save(getattr(obj, column.attname), connection)
                    for obj in chunk
                    for column in columns
                ],
            )
