"""marketplace.core.bulk: rows inserted set-based come back with their keys in the
order given, whether they go in by one INSERT (a few) or by COPY (hundreds)."""

import pytest

from marketplace.core.bulk import COPY_FROM_ROWS, among, insert_rows
from marketplace.core.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [3, COPY_FROM_ROWS + 20])
def test_inserted_rows_have_their_keys_in_the_order_given_and_their_defaults(count):
    rows = [([f"user:{i}"], "note", {"n": i, "text": "it's \\ \t\n"}) for i in range(count)]

    ids = insert_rows(OutboxEvent, ("groups", "type", "data"), rows)

    assert ids == sorted(ids) and len(set(ids)) == count
    stored = OutboxEvent.objects.in_bulk(ids)
    assert [(e.groups, e.type, e.data) for e in map(stored.get, ids)] == rows
    assert all(e.created_at is not None for e in stored.values())


def test_among_selects_the_rows_of_thousands_of_ids():
    ids = insert_rows(OutboxEvent, ("groups", "type", "data"), [([], "n", {})] * 2_000)

    chosen = ids[::3]
    found = OutboxEvent.objects.filter(among(OutboxEvent, "id", chosen)).values_list(
        "pk", flat=True
    )
    assert sorted(found) == chosen
