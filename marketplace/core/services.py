"""Platform housekeeping: worker heartbeat, outbox retention and the operators' pause
switches."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Heartbeat, OutboxEvent, Pause

WORKER = "worker"


def record_heartbeat() -> None:
    Heartbeat.objects.update_or_create(name=WORKER, defaults={"at": timezone.now()})


def trim_outbox() -> int:
    """Forget events older than the retention window (clients older than that refetch)."""
    cutoff = timezone.now() - timedelta(seconds=settings.PM_OUTBOX_RETENTION_SECONDS)
    deleted, _ = OutboxEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def set_pause(name: str, *, paused: bool, by: str, reason: str = "") -> Pause:
    """Pause or resume the automatic work `name` (a `PauseName`) on behalf of staff
    member `by`; returns the switch as it was before (for the admin log)."""
    with transaction.atomic():
        switch, _ = Pause.objects.select_for_update().get_or_create(name=name)
        before = Pause(**{f.attname: getattr(switch, f.attname) for f in Pause._meta.fields})
        switch.paused = paused
        switch.reason = reason
        switch.changed_by = by
        switch.changed_at = timezone.now()
        switch.save()
    return before
