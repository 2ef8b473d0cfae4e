"""Run callables at the same moment from several threads, each on its own database
connection (for races on PostgreSQL under `transactional_db`)."""

import threading
from collections.abc import Callable

from django.db import connections


def run_at_once(*calls: Callable, catch: tuple[type[BaseException], ...] = ()) -> list:
    """Each call's result in order, or the exception it raised when it is one of `catch`
    (any other exception fails the test)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    failures: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except catch as expected:
            results[i] = expected
        except BaseException as unexpected:  # re-raised in the test's thread below
            failures.append(unexpected)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results
