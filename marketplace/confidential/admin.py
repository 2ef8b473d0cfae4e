from django import forms
from django.contrib import admin

from marketplace.core.admin_base import NoAddDeleteAdmin, form_action, row_action

from . import services
from .models import ConfidentialJob, TeeWorker


class RevokeForm(forms.Form):
    reason = forms.CharField(max_length=200)


@admin.register(TeeWorker)
class TeeWorkerAdmin(NoAddDeleteAdmin):
    list_display = ["id", "wallet", "status", "created_at", "approved_at", "revoked_at"]
    list_filter = ["status"]
    search_fields = ["wallet__public_key", "encryption_public_key"]
    list_select_related = ["wallet"]
    readonly_fields = [f.name for f in TeeWorker._meta.fields]
    actions = ["approve", "revoke"]

    @admin.action(description="Approve (buyers may seal jobs to it)")
    def approve(self, request, queryset):
        row_action(self, request, queryset, lambda worker: services.approve_tee_worker(worker.pk))

    @admin.action(description="Revoke (asks a reason; its attestations stop counting)")
    def revoke(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            form_class=RevokeForm,
            action="revoke",
            title="Revoke TEE workers",
            apply=lambda worker, **data: services.revoke_tee_worker(worker.pk, **data),
        )


@admin.register(ConfidentialJob)
class ConfidentialJobAdmin(NoAddDeleteAdmin):
    list_display = ["id", "job", "worker", "payload_hash", "attested_at"]
    list_select_related = ["job", "worker__wallet"]
    # Ciphertexts stay out of the admin: staff have no key to open them anyway.
    fields = ["job", "worker", "payload_hash", "result_hash", "attestation_proof", "attested_at"]
    readonly_fields = fields
