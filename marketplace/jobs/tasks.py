"""The job sweeps, run by beat every PM_SWEEP_INTERVAL_SECONDS. Each finds what is due
by querying the database (never an ETA task) and is safe to run twice at once."""

from celery import shared_task

from . import services


@shared_task
def sweep_bid_windows() -> int:
    return services.close_bid_windows()


@shared_task
def sweep_reviews() -> int:
    return services.release_ended_reviews()


@shared_task
def sweep_deadlines() -> int:
    return services.expire_overdue()
