"""The loop every compute-market sweep runs (bid windows, reviews, deadlines, unbonding).

A sweep reads the ids of due rows in small batches (keyset by id, so one pass visits
each due row once) and hands each id to a handler that opens its own transaction,
locks the row with `SELECT … FOR UPDATE SKIP LOCKED`, re-checks that it is still due
and acts. Two workers sweeping at once therefore split the rows between them instead
of waiting on (or repeating) each other's work, and one failing row neither rolls back
the others nor stops the sweep.

Balance events are coalesced: the handler reports the wallets whose balances it changed
through `notify`, and each of them is announced once after its batch (`announce`, the
wallets' `notify_balance`: a `balance` event with its balances as of then) instead of
once per row: an owner with thousands of overdue jobs would otherwise get thousands of
events, each computing all its balances."""

import logging
from collections.abc import Callable

from django.db.models import QuerySet

log = logging.getLogger(__name__)

BATCH_SIZE = 100


Notify = Callable[[str], None]


def sweep(
    due: QuerySet,
    handle: Callable[[int, Notify], bool],
    *,
    announce: Notify,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Run `handle(id, notify)` for every row of `due`; return how many it acted on.
    After each batch, `announce(public_key)` once for each wallet `handle` notified."""
    done = 0
    last_id = 0
    while True:
        ids = list(
            due.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return done
        touched: set[str] = set()
        for pk in ids:
            try:
                done += bool(handle(pk, touched.add))
            except Exception:  # one bad row must not stop the money of all the others
                log.exception("sweep of %s #%s failed; it stays due", due.model.__name__, pk)
        for public_key in sorted(touched):
            announce(public_key)
        last_id = ids[-1]
