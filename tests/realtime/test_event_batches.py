"""Events of one transaction are pushed together after commit, from the instances in
hand: those of a savepoint that rolled back are dropped wherever they fall in the batch
(first, last, or the whole batch), and nothing is pushed twice."""

import pytest
from django.db import transaction

from marketplace.realtime import events
from marketplace.realtime.events import publish, user_group


@pytest.fixture
def pushed(monkeypatch):
    """The event types each flush delivers, one list per flush."""
    flushes: list[list[str]] = []
    monkeypatch.setattr(events, "deliver", lambda batch: flushes.append([e.type for e in batch]))
    return flushes


def undone(group: list[str], *types: str) -> None:
    try:
        with transaction.atomic():
            for type_ in types:
                publish(group, type_, {})
            raise RuntimeError("the inner step failed")
    except RuntimeError:
        pass


@pytest.mark.django_db(transaction=True)
def test_the_first_and_the_last_events_of_a_batch_may_be_rolled_back(settings, pushed, alice):
    settings.PM_EVENTS_DIRECT = True
    group = [user_group(alice.public_key)]
    with transaction.atomic():
        undone(group, "undone first")
        publish(group, "kept 1", {})
        with transaction.atomic():
            publish(group, "kept 2", {})
        undone(group, "undone 1", "undone 2")
        publish(group, "kept 3", {})
        undone(group, "undone last")
    assert pushed == [["kept 1", "kept 2", "kept 3"]]


@pytest.mark.django_db(transaction=True)
def test_a_batch_all_rolled_back_pushes_nothing_and_the_next_transaction_starts_afresh(
    settings, pushed, alice
):
    settings.PM_EVENTS_DIRECT = True
    group = [user_group(alice.public_key)]
    with transaction.atomic():
        undone(group, "undone")
    with transaction.atomic():
        publish(group, "next", {})
    publish(group, "autocommit", {})
    assert pushed == [["next"], ["autocommit"]]


@pytest.mark.django_db(transaction=True)
def test_django_runs_the_on_commit_hooks_in_the_order_events_leaves_them():
    """events._Batch moves its flush to the end of Django's private
    `connection.run_on_commit`, a list of (savepoint ids, callable, robust) triples, and
    relies on the hooks running in that list's order. A Django upgrade that changes
    either fails here."""
    ran: list[str] = []
    with transaction.atomic():
        transaction.on_commit(lambda: ran.append("first"))
        transaction.on_commit(lambda: ran.append("second"))
        hooks = transaction.get_connection().run_on_commit
        assert isinstance(hooks, list)
        assert all(len(hook) == 3 and callable(hook[1]) for hook in hooks)
        hooks.append(hooks.pop(0))
    assert ran == ["second", "first"]
