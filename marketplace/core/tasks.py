from celery import shared_task

from . import services


@shared_task
def heartbeat() -> None:
    services.record_heartbeat()


@shared_task
def trim_outbox() -> int:
    return services.trim_outbox()
