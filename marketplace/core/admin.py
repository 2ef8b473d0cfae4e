"""The platform's own records: the outbox, the worker heartbeat and the operators'
pause switches."""

from django import forms
from django.contrib import admin, messages

from . import services
from .admin_base import ReadOnlyAdmin, form_action, log_staff_action
from .models import Heartbeat, OutboxEvent, Pause, PauseName


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "type", "groups"]
    list_filter = ["type"]


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "at"]


class PauseForm(forms.Form):
    reason = forms.CharField(max_length=200, help_text="Why; shown to the other operators.")


@admin.register(Pause)
class PauseAdmin(ReadOnlyAdmin):
    """The operators' switches. Each has its own permission (`core.pause_<name>`)."""

    list_display = ["name", "paused", "reason", "changed_by", "changed_at"]
    actions = ["pause", "resume"]

    def has_pause_permission(self, request):
        return any(request.user.has_perm(f"core.pause_{name}") for name in PauseName.values)

    def _require_each(self, request, queryset) -> None:
        for switch in queryset:
            self.require(request, f"core.pause_{switch.name}")

    def _set(self, request, switch: Pause, *, paused: bool, reason: str = "") -> None:
        before = services.set_pause(
            switch.name, paused=paused, by=request.user.get_username(), reason=reason
        )
        after = {"paused": paused}
        log_staff_action(
            request,
            switch,
            "pause" if paused else "resume",
            {"paused": before.paused},
            after,
            reason,
        )

    @admin.action(description="Pause (asks a reason)", permissions=["pause"])
    def pause(self, request, queryset):
        self._require_each(request, queryset)
        return form_action(
            self,
            request,
            queryset,
            form_class=PauseForm,
            action="pause",
            title="Pause",
            apply=lambda switch, reason: self._set(request, switch, paused=True, reason=reason),
        )

    @admin.action(description="Resume", permissions=["pause"])
    def resume(self, request, queryset):
        self._require_each(request, queryset)
        for switch in queryset:
            self._set(request, switch, paused=False)
        self.message_user(request, f"{len(queryset)} resumed.", messages.SUCCESS)
