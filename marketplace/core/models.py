from django.db import models


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change it announces.

    With a shared (Redis) channel layer the event is also pushed right after commit;
    either way the row lets a process relay it (the embedded set-up, whose in-memory
    layer cannot cross processes) and lets a reconnecting client catch up (`?since=`)."""

    groups = models.JSONField()
    type = models.CharField(max_length=64)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type}"

    def as_message(self) -> dict:
        return {"id": self.pk, "type": self.type, "data": self.data}


class Heartbeat(models.Model):
    """The last time a Celery worker ran the beat's heartbeat task (for /healthz)."""

    name = models.CharField(max_length=32, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%H:%M:%S}"


class PauseName(models.TextChoices):
    BATCHES = "batches", "Batch settlement"


class Pause(models.Model):
    """An operator's switch that holds back one kind of automatic work (settling batches)
    until it is resumed; nothing is lost meanwhile, it waits. (Withdrawal payouts have
    their own switch beside the payer: chain.ChainState.)"""

    name = models.CharField(max_length=32, primary_key=True, choices=PauseName.choices)
    paused = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True)
    changed_by = models.CharField(max_length=150, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "pause switch"
        verbose_name_plural = "pause switches"
        permissions = [("pause_batches", "Can pause and resume batch settlement")]

    def __str__(self) -> str:
        return f"{self.get_name_display()}: {'paused' if self.paused else 'running'}"
