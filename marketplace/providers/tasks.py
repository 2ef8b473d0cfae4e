from celery import shared_task

from . import services


@shared_task
def sweep_unbondings() -> int:
    return services.release_matured_unbondings()
