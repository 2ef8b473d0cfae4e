from django.contrib import admin

from marketplace.core.admin_base import ReadOnlyAdmin

from .models import Heartbeat, OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "type", "groups"]
    list_filter = ["type"]


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "at"]
