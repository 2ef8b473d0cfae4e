"""Staff views of federated training, read-only: jobs move only by signed actions, the
job queue's sweeps and the rounds they complete; money only through the ledger."""

from django.contrib import admin

from marketplace.core.admin_base import ReadOnlyAdmin

from .models import FederatedJob, Participant, Round, Task


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    can_delete = False
    fields = ["nft", "price_per_round"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class RoundInline(admin.TabularInline):
    model = Round
    extra = 0
    can_delete = False
    fields = ["number", "loss", "contributors", "n_samples", "completed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FederatedJob)
class FederatedJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "owner", "model", "status", "round", "rounds", "asset", "budget"]
    list_filter = ["status", "model"]
    search_fields = ["owner__public_key"]
    list_select_related = ["owner"]
    inlines = [ParticipantInline, RoundInline]


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ["id", "federated", "round", "participant", "attempt", "job", "delivered_at"]
    list_filter = ["round"]
    list_select_related = ["federated", "participant", "job"]
    # The update itself (weights, samples, loss) stays out of the list and the form.
    exclude = ["weights", "n_samples", "loss", "stats"]
