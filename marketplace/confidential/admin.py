from django import forms
from django.contrib import admin

from marketplace.core.admin_base import (
    NoAddDeleteAdmin,
    ReadOnlyAdmin,
    WalletColumn,
    change_link,
    form_action,
    logged_service,
    row_action,
)

from . import services
from .models import ConfidentialJob, TeeWorker


class RevokeForm(forms.Form):
    reason = forms.CharField(max_length=200)


@admin.register(TeeWorker)
class TeeWorkerAdmin(WalletColumn, NoAddDeleteAdmin):
    list_display = ["id", "wallet_address", "status", "created_at", "approved_at", "revoked_at"]
    list_filter = ["status"]
    search_fields = ["wallet__public_key", "encryption_public_key"]
    list_select_related = ["wallet"]
    fields = [
        "status",
        "wallet_address",
        "encryption_public_key",
        "attestation_report",
        "created_at",
        "approved_at",
        "revoked_at",
        "revocation_reason",
    ]
    readonly_fields = fields
    actions = ["approve", "revoke"]

    def has_review_teeworker_permission(self, request):
        return request.user.has_perm("confidential.review_teeworker")

    @admin.action(
        description="Approve (buyers may seal jobs to it)", permissions=["review_teeworker"]
    )
    def approve(self, request, queryset):
        row_action(
            self,
            request,
            queryset,
            logged_service(request, "approve", services.approve_tee_worker, _status),
        )

    @admin.action(
        description="Revoke (asks a reason; its attestations stop counting)",
        permissions=["review_teeworker"],
    )
    def revoke(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            form_class=RevokeForm,
            action="revoke",
            title="Revoke TEE workers",
            apply=logged_service(request, "revoke", services.revoke_tee_worker, _status),
        )


def _status(worker: TeeWorker) -> dict:
    return {"status": worker.status}


@admin.register(ConfidentialJob)
class ConfidentialJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "job_link", "worker_link", "payload_hash", "attested_at"]
    list_select_related = ["job", "worker__wallet"]
    # Ciphertexts stay out of the admin: staff have no key to open them anyway.
    fields = [
        "job_link",
        "worker_link",
        "payload_hash",
        "result_hash",
        "attestation_proof",
        "attested_at",
    ]
    readonly_fields = fields

    @admin.display(description="job")
    def job_link(self, confidential_job):
        return change_link(confidential_job.job)

    @admin.display(description="worker")
    def worker_link(self, confidential_job):
        return change_link(confidential_job.worker)
