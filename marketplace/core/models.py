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
