"""Platform housekeeping: worker heartbeat and outbox retention."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Heartbeat, OutboxEvent

WORKER = "worker"


def record_heartbeat() -> None:
    Heartbeat.objects.update_or_create(name=WORKER, defaults={"at": timezone.now()})


def trim_outbox() -> int:
    """Forget events older than the retention window (clients older than that refetch)."""
    cutoff = timezone.now() - timedelta(seconds=settings.PM_OUTBOX_RETENTION_SECONDS)
    deleted, _ = OutboxEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted
