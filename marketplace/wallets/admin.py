from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from ledger import codes as ledger_codes
from ledger.units import money
from marketplace.core.admin_base import (
    NoAddDeleteAdmin,
    ReadOnlyAdmin,
    WalletColumn,
    address,
    change_link,
    form_action,
    id_link,
    list_link,
    log_staff_action,
)
from marketplace.core.errors import ApiError
from marketplace.core.templatetags.pm import when

from . import services
from .models import ApiToken, SignedAction, Wallet, Withdrawal


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["id", "wallet_address", "created_at"]
    search_fields = ["public_key"]
    fields = ["wallet_address", "public_key", "created_at", "related"]
    readonly_fields = fields

    @admin.display(description="address")
    def wallet_address(self, wallet):
        return address(wallet.public_key)

    @admin.display(description="related")
    def related(self, wallet):
        return format_html(
            "{} · {} · {}",
            list_link(SignedAction, "signed actions", wallet=wallet.pk),
            list_link(Withdrawal, "withdrawals", wallet=wallet.pk),
            list_link("ledger.hold", "holds", payer__code=ledger_codes.user(wallet.public_key)),
        )


class JobFilter(admin.SimpleListFilter):
    """`?job=42`: the signed actions that named job 42 in their params (the payload is
    canonical JSON, so the id is followed by `,` or `}`)."""

    title = "job"
    parameter_name = "job"

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        job = self.value()
        if not job:
            return queryset
        if not job.isdigit():
            return queryset.none()
        return queryset.filter(payload__regex=rf'"job_id":{job}[,}}]')

    def choices(self, changelist):
        return []


@admin.register(SignedAction)
class SignedActionAdmin(WalletColumn, ReadOnlyAdmin):
    """The audit trail: read-only."""

    list_display = ["id", "created_at", "action", "wallet_address", "response_status"]
    list_filter = ["action", "response_status", JobFilter]
    search_fields = ["nonce", "wallet__public_key", "payload"]
    list_select_related = ["wallet"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["id", "wallet", "created_at", "revoked_at"]
    readonly_fields = ["wallet", "key_hash", "created_at", "revoked_at"]


class ReviewForm(forms.Form):
    note = forms.CharField(
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why; kept with the review.",
    )


@admin.register(Withdrawal)
class WithdrawalAdmin(WalletColumn, NoAddDeleteAdmin):
    list_display = [
        "id",
        "created_at",
        "wallet_address",
        "amount_units",
        "destination_address",
        "status",
        "review_state",
        "release_requested_by",
    ]
    list_filter = ["status", "review_state", "asset"]
    list_select_related = ["wallet"]
    fields = [
        "status",
        "review_state",
        "wallet_link",
        "amount_units",
        "destination_address",
        "hold",
        "created_at",
        "release_requested_by",
        "reviewed_by",
        "reviewed_at",
        "review_note",
        "tx_hash",
        "block_hash",
        "failure_reason",
        "decided_at",
        "note",
    ]
    readonly_fields = fields
    actions = ["release", "mark_failed", "approve", "reject"]

    @admin.display(description="wallet")
    def wallet_link(self, withdrawal):
        return change_link(withdrawal.wallet, address(withdrawal.wallet.public_key))

    @admin.display(description="amount", ordering="amount")
    def amount_units(self, withdrawal):
        return money(withdrawal.amount, withdrawal.asset)

    @admin.display(description="destination")
    def destination_address(self, withdrawal):
        return address(withdrawal.destination)

    @admin.display(description="hold")
    def hold(self, withdrawal):
        return format_html(
            "{} · {}",
            id_link("ledger.hold", withdrawal.hold_id, f"hold #{withdrawal.hold_id}"),
            list_link("ledger.transfer", "transfers", hold=withdrawal.hold_id),
        )

    def has_release_withdrawal_permission(self, request):
        return request.user.has_perm("wallets.release_withdrawal")

    def has_review_withdrawal_permission(self, request):
        return request.user.has_perm("wallets.review_withdrawal")

    def _each(self, request, queryset, what: str, act, note: str = ""):
        """Apply the service `act(pk)` to each selected withdrawal, logging its
        before/after; a refusal is shown and changes nothing."""
        for withdrawal in queryset:
            before = _review_fields(withdrawal)
            try:
                after = act(withdrawal.pk)
            except ApiError as exc:
                self.message_user(request, f"{withdrawal}: {exc.message}", messages.ERROR)
                continue
            log_staff_action(request, after, what, before, _review_fields(after), note)
            self.message_user(request, f"{after}: {what}.", messages.SUCCESS)

    @admin.action(
        description="Release (paid by hand; above the review threshold a second operator approves)",
        permissions=["release_withdrawal"],
    )
    def release(self, request, queryset):
        by = request.user.get_username()
        self._each(request, queryset, "release", lambda pk: services.release_withdrawal(pk, by=by))

    @admin.action(description="Mark failed (refund the wallet)", permissions=["release_withdrawal"])
    def mark_failed(self, request, queryset):
        note = f"refunded by {request.user.get_username()}"
        self._each(
            request,
            queryset,
            "mark failed",
            lambda pk: services.mark_withdrawal_failed(pk, note=note, failure_reason="Refused."),
        )

    @admin.action(description="Approve (four eyes; asks a note)", permissions=["review_withdrawal"])
    def approve(self, request, queryset):
        return self._review(request, queryset, "approve", services.approve_withdrawal)

    @admin.action(
        description="Reject (the funds return; asks a note)", permissions=["review_withdrawal"]
    )
    def reject(self, request, queryset):
        return self._review(request, queryset, "reject", services.reject_withdrawal)

    def _review(self, request, queryset, action: str, decide):
        by = request.user.get_username()

        def apply(withdrawal, note):
            before = _review_fields(withdrawal)
            after = decide(withdrawal.pk, by=by, note=note)
            log_staff_action(request, after, action, before, _review_fields(after), note)

        return form_action(
            self,
            request,
            queryset,
            form_class=ReviewForm,
            action=action,
            title=f"{action.capitalize()} withdrawals",
            apply=apply,
            describe=_under_review,
        )


def _under_review(withdrawal: Withdrawal):
    """What a reviewer checks before deciding: how much, from whom, to where, asked when
    and by whom released."""
    return format_html(
        "{} — <strong>{}</strong> from {} to {}, asked {}; release requested by {}",
        change_link(withdrawal, f"withdrawal #{withdrawal.pk}"),
        money(withdrawal.amount, withdrawal.asset),
        address(withdrawal.wallet.public_key),
        address(withdrawal.destination),
        when(withdrawal.created_at),
        withdrawal.release_requested_by or "nobody",
    )


def _review_fields(withdrawal: Withdrawal) -> dict:
    return {
        "status": withdrawal.status,
        "review_state": withdrawal.review_state,
        "release_requested_by": withdrawal.release_requested_by,
        "reviewed_by": withdrawal.reviewed_by,
    }
