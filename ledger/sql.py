"""Filters on thousands of ids, which the ORM and the driver build slowly: the ledger's
bulk paths use them, and so does marketplace.core.bulk."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def among(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """`column` being one of `ids`, as SQL and its parameters. On PostgreSQL `= ANY(…)`
    with one array parameter, which the planner reads as that many index look-ups: not a
    placeholder per id for the driver to split and quote (its CPU, not the database's,
    grows with them), nor `IN (SELECT unnest(…))`, which it joins by scanning the whole
    table. Elsewhere `IN`, a placeholder each."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [int_array(ids)]
    return "{} IN ({})".format(column, ", ".join(["%s"] * len(ids))), list(ids)


def int_array(values: Iterable[int]) -> str:
    """PostgreSQL's text form of an array of integers, one parameter to cast
    (`::bigint[]`, `::numeric[]`): the driver quotes one string, where it inspects every
    element of a list."""
    return "{" + ",".join(map(str, values)) + "}"
