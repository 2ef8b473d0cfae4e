from django import forms
from django.contrib import admin

from marketplace.core.admin_base import NoAddDeleteAdmin, form_action

from . import services
from .models import Bid, Job, JobEvent, JobStatus, Resolution


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(choices=Resolution.choices)
    provider_percent = forms.IntegerField(
        min_value=1, max_value=99, required=False, help_text="For a split: the provider's share."
    )
    note = forms.CharField(max_length=200, required=False)


class JobEventInline(admin.TabularInline):
    model = JobEvent
    extra = 0
    can_delete = False
    readonly_fields = ["status", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


class BidInline(admin.TabularInline):
    model = Bid
    extra = 0
    can_delete = False
    readonly_fields = ["provider", "price", "sla_seconds", "status", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(NoAddDeleteAdmin):
    list_display = ["id", "created_at", "owner", "compute_type", "asset", "budget", "status"]
    list_filter = ["status", "compute_type", "asset"]
    search_fields = ["owner__public_key", "model_ref"]
    list_select_related = ["owner"]
    readonly_fields = [f.name for f in Job._meta.fields]
    inlines = [BidInline, JobEventInline]
    actions = ["resolve_dispute"]

    @admin.action(description="Resolve disputes (release, refund or split)")
    def resolve_dispute(self, request, queryset):
        return form_action(
            self,
            request,
            queryset.filter(status=JobStatus.DISPUTED),
            form_class=ResolveForm,
            action="resolve_dispute",
            title="Resolve dispute",
            apply=lambda job, note, **data: services.resolve_dispute(
                job.pk, note=note or f"resolved by {request.user}", **data
            ),
        )
