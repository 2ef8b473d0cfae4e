from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ledger.units import money
from marketplace.core.admin_base import (
    NoAddDeleteAdmin,
    ReadOnlyAdmin,
    address,
    change_link,
    id_link,
    list_link,
    log_staff_action,
)
from marketplace.core.errors import ApiError
from marketplace.core.templatetags.pm import when
from marketplace.wallets.models import SignedAction

from . import selectors, services
from .models import UNDELIVERED, Bid, Job, JobEvent, JobStatus, Resolution


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[
            (Resolution.RELEASE, "Release: the provider is paid the price (less the fee)"),
            (Resolution.REFUND, "Refund: the whole escrow returns to the owner"),
            (Resolution.SPLIT, "Split: the provider gets a share of the price, the rest returns"),
        ],
        widget=forms.RadioSelect,
    )
    provider_percent = forms.IntegerField(
        min_value=1, max_value=99, required=False, help_text="For a split: the provider's share."
    )
    note = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required. Kept with the resolution and shown to the owner and the provider.",
    )

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Resolution.SPLIT and not data.get("provider_percent"):
            self.add_error("provider_percent", "A split needs the provider's share (1-99).")
        return data


class JobEventInline(admin.TabularInline):
    model = JobEvent
    extra = 0
    can_delete = False
    fields = ["status", "at", "note", "declined_by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class BidInline(admin.TabularInline):
    model = Bid
    extra = 0
    can_delete = False
    fields = ["bid_link", "provider_link", "bid_price", "sla_seconds", "status", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="bid")
    def bid_link(self, bid):
        return change_link(bid, f"bid #{bid.pk}")

    @admin.display(description="provider")
    def provider_link(self, bid):
        return change_link(bid.provider)

    @admin.display(description="price")
    def bid_price(self, bid):
        return money(bid.price, bid.job.asset)


class QueueFilter(admin.SimpleListFilter):
    """The console's work queues: `?queue=disputes` (oldest first) or `?queue=expiring`."""

    title = "needs a person"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("disputes", "Open disputes, oldest first"),
            ("expiring", "Expiring within the hour"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "disputes":
            return queryset.filter(status=JobStatus.DISPUTED)
        if self.value() == "expiring":
            return queryset.filter(pk__in=selectors.expiring_within(3600).values("pk"))
        return queryset


@admin.register(Job)
class JobAdmin(NoAddDeleteAdmin):
    list_display = [
        "id",
        "created_at",
        "owner_address",
        "compute_type",
        "budget_units",
        "status",
        "deadline",
        "time_left",
    ]
    list_filter = [QueueFilter, "status", "compute_type", "asset"]
    search_fields = ["owner__public_key", "model_ref"]
    list_select_related = ["owner"]
    fieldsets = [
        (None, {"fields": ["status", "owner_address", "compute_type", "model_ref", "data_ref"]}),
        (
            "Money",
            {"fields": ["budget_units", "price_units", "escrow", "money_trail"]},
        ),
        (
            "Work",
            {
                "fields": [
                    "provider_link",
                    "deadline",
                    "bid_window_ends_at",
                    "result_ref",
                    "result_hash",
                    "review_ends_at",
                ]
            },
        ),
        (
            "Dispute",
            {"fields": ["dispute_reason", "resolution", "provider_percent", "resolution_note"]},
        ),
    ]
    readonly_fields = [
        "status",
        "owner_address",
        "compute_type",
        "model_ref",
        "data_ref",
        "budget_units",
        "price_units",
        "escrow",
        "money_trail",
        "provider_link",
        "deadline",
        "bid_window_ends_at",
        "result_ref",
        "result_hash",
        "review_ends_at",
        "dispute_reason",
        "resolution",
        "provider_percent",
        "resolution_note",
    ]
    inlines = [BidInline, JobEventInline]

    def get_queryset(self, request):
        # Annotated before the ordering, which may sort by the annotation.
        found = selectors.with_dispute_clock(Job.objects.all())
        return found.order_by(*(self.get_ordering(request) or ["-id"]))

    def get_ordering(self, request):
        return {"disputes": ["disputed_at", "id"], "expiring": ["deadline", "id"]}.get(
            request.GET.get("queue"), super().get_ordering(request)
        )

    @admin.display(description="time left")
    def time_left(self, job):
        """For a dispute: until staff should have resolved it; for undelivered work:
        until its deadline."""
        if job.status == JobStatus.DISPUTED and job.disputed_at:
            return when(job.disputed_at + timedelta(seconds=settings.PM_DISPUTE_SLA_SECONDS))
        if job.status in UNDELIVERED:
            return when(job.deadline)
        return "—"

    @admin.display(description="owner")
    def owner_address(self, job):
        return address(job.owner.public_key)

    @admin.display(description="budget", ordering="budget")
    def budget_units(self, job):
        return money(job.budget, job.asset)

    @admin.display(description="price")
    def price_units(self, job):
        return money(job.price, job.asset)

    @admin.display(description="assigned provider")
    def provider_link(self, job):
        return change_link(job.assigned_provider)

    @admin.display(description="escrow hold")
    def escrow(self, job):
        return id_link(
            "ledger.hold", job.escrow_hold_id, f"hold #{job.escrow_hold_id} ({job.escrow_state})"
        )

    @admin.display(description="related")
    def money_trail(self, job):
        return format_html(
            "{} · {}",
            list_link("ledger.transfer", "transfers", reference=f"job:{job.pk}"),
            list_link(SignedAction, "signed actions", job=job.pk),
        )

    def get_urls(self):
        resolve = self.admin_site.admin_view(self.resolve_view)
        return [
            path("<int:job_id>/resolve/", resolve, name="jobs_job_resolve"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, object_id)
        extra = {"resolve_url": None}
        if job is not None and job.status == JobStatus.DISPUTED:
            extra["resolve_url"] = reverse("admin:jobs_job_resolve", args=[job.pk])
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def resolve_view(self, request, job_id: int):
        """The whole story of a disputed job on one page, and its resolution behind a
        required note. Reading it takes the view permission; resolving, the arbiter's."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(self.get_queryset(request), pk=job_id)
        may_resolve = request.user.has_perm("jobs.resolve_dispute")
        form = ResolveForm(request.POST or None)
        if request.method == "POST":
            self.require(request, "jobs.resolve_dispute")
            if form.is_valid():
                data = form.cleaned_data
                before = {"status": job.status, "escrow": job.escrow_state}
                try:
                    job = services.resolve_dispute(
                        job.pk,
                        outcome=data["outcome"],
                        provider_percent=data["provider_percent"]
                        if data["outcome"] == Resolution.SPLIT
                        else None,
                        note=data["note"],
                    )
                except ApiError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                else:
                    after = {"status": job.status, "escrow": job.escrow_state}
                    if job.provider_percent:
                        after["provider_percent"] = job.provider_percent
                    log_staff_action(request, job, "resolve dispute", before, after, data["note"])
                    self.message_user(
                        request,
                        f"Job #{job.pk}: dispute resolved ({job.escrow_state}).",
                        messages.SUCCESS,
                    )
                    return redirect("admin:jobs_job_change", job.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Dispute on job #{job.pk}",
            "opts": self.model._meta,
            "job": job,
            "story": selectors.dispute_story(job),
            "form": form if job.status == JobStatus.DISPUTED and may_resolve else None,
            "may_resolve": may_resolve,
            "sla_due": job.disputed_at + timedelta(seconds=settings.PM_DISPUTE_SLA_SECONDS)
            if job.disputed_at and job.status == JobStatus.DISPUTED
            else None,
        }
        return TemplateResponse(request, "admin/jobs/resolve.html", context)


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = ["id", "job_link", "provider_link", "bid_price", "sla_seconds", "status"]
    list_filter = ["status"]
    list_select_related = ["job", "provider"]
    fields = ["job_link", "provider_link", "bid_price", "sla_seconds", "status", "created_at"]
    readonly_fields = fields

    @admin.display(description="job")
    def job_link(self, bid):
        return change_link(bid.job)

    @admin.display(description="provider")
    def provider_link(self, bid):
        return change_link(bid.provider)

    @admin.display(description="price", ordering="price")
    def bid_price(self, bid):
        return money(bid.price, bid.job.asset)
