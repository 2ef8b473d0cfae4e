from celery import shared_task

from . import services


@shared_task
def settle_due_batches() -> int:
    """Beat, every PM_BATCH_INTERVAL_SECONDS: settle the batches whose window closed."""
    return services.settle_due_batches()


@shared_task
def verify_settled_batches() -> int:
    """Beat, every PM_BATCH_INTERVAL_SECONDS: re-derive the newly settled batches."""
    return services.verify_settled_batches()
