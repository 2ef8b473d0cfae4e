from collections.abc import Iterable
from datetime import datetime

from marketplace.core.models import OutboxEvent


def events_since(since: int, groups: list[str]) -> list[OutboxEvent]:
    """The outbox events after id `since` addressed to any of `groups`, oldest first:
    what a reconnecting client missed (kept for PM_OUTBOX_RETENTION_SECONDS). Filtered
    here rather than in SQL: the JSON list of groups has no portable overlap lookup."""
    wanted = set(groups)
    events = OutboxEvent.objects.filter(id__gt=since).order_by("id").iterator(chunk_size=500)
    return [event for event in events if wanted.intersection(event.groups)]


def events_created_since(
    when: datetime, groups: list[str], types: Iterable[str]
) -> list[OutboxEvent]:
    """The outbox events of `types` created at or after `when` and addressed to any of
    `groups`, oldest first: what a page read before `when` has not shown."""
    wanted = set(groups)
    events = OutboxEvent.objects.filter(created_at__gte=when, type__in=list(types)).order_by("id")
    return [event for event in events.iterator(chunk_size=500) if wanted.intersection(event.groups)]
