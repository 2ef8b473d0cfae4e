"""marketplace.core.bulk: rows inserted set-based come back with their keys in the
order given, whether a few (one statement) or hundreds (by COPY), and rows updated
set-based each take their own values."""

import pytest

from marketplace.core.bulk import COPY_FROM_ROWS, among, insert_rows, update_rows
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


@pytest.mark.parametrize("count", [3, COPY_FROM_ROWS + 20])
def test_updated_rows_each_take_their_own_values_and_no_other_row_changes(count):
    ids = insert_rows(OutboxEvent, ("groups", "type", "data"), [([], "old", {})] * (count + 1))
    events = list(OutboxEvent.objects.filter(pk__in=ids[:count]).order_by("pk"))

    for round in (1, 2):  # twice in one transaction: whatever the first leaves behind is gone
        for i, event in enumerate(events):
            event.type, event.data = f"round {round}", {"n": i, "text": "it's \\ \t\n", "x": None}
        update_rows(events, ["type", "data"])

    stored = OutboxEvent.objects.in_bulk(ids)
    assert [(stored[e.pk].type, stored[e.pk].data) for e in events] == [
        ("round 2", {"n": i, "text": "it's \\ \t\n", "x": None}) for i in range(count)
    ]
    assert (stored[ids[-1]].type, stored[ids[-1]].data) == ("old", {})
