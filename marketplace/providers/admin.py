from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html

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
    logged_service,
)

from . import selectors, services
from .models import Provider, Slash, Unbonding


class SlashForm(forms.Form):
    amount = forms.IntegerField(min_value=1, help_text="In the stake asset's smallest unit.")
    reason = forms.CharField(max_length=200)


class DeactivateForm(forms.Form):
    reason = forms.CharField(max_length=200)


@admin.register(Provider)
class ProviderAdmin(WalletColumn, NoAddDeleteAdmin):
    list_display = [
        "id",
        "name",
        "wallet_address",
        "reputation",
        "stake",
        "active",
        "jobs_completed",
    ]
    list_filter = ["active"]
    search_fields = ["name", "wallet__public_key"]
    list_select_related = ["wallet"]
    fields = [
        "name",
        "wallet_address",
        "active",
        "deactivation_reason",
        "reputation",
        "stake",
        "unbonding",
        "jobs_completed",
        "jobs_expired",
        "disputes_lost",
        "capabilities",
        "regions",
        "pricing",
        "related",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["slash", "deactivate"]

    @admin.display(description="stake")
    def stake(self, provider):
        return money(selectors.stake_of(provider), settings.PM_STAKE_ASSET)

    @admin.display(description="unbonding")
    def unbonding(self, provider):
        return money(selectors.unbonding_of(provider), settings.PM_STAKE_ASSET)

    @admin.display(description="related")
    def related(self, provider):
        return format_html(
            "{} · {} · {}",
            list_link("jobs.job", "jobs", assigned_provider=provider.pk),
            list_link("jobs.bid", "bids", provider=provider.pk),
            list_link(Slash, "slashes", provider=provider.pk),
        )

    def has_sanction_provider_permission(self, request):
        return request.user.has_perm("providers.sanction_provider")

    @admin.action(
        description="Slash stake to the treasury (asks amount and reason)",
        permissions=["sanction_provider"],
    )
    def slash(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            form_class=SlashForm,
            action="slash",
            title="Slash stake",
            apply=logged_service(
                request,
                "slash",
                services.slash_provider,
                lambda provider: {"stake": selectors.stake_of(provider)},
            ),
        )

    @admin.action(
        description="Deactivate (no more bids or assignments)", permissions=["sanction_provider"]
    )
    def deactivate(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            form_class=DeactivateForm,
            action="deactivate",
            title="Deactivate",
            apply=logged_service(
                request,
                "deactivate",
                services.deactivate_provider,
                lambda provider: {"active": provider.active},
            ),
        )


@admin.register(Unbonding)
class UnbondingAdmin(ReadOnlyAdmin):
    list_display = ["id", "provider_link", "amount_units", "unbond_at", "released_at"]
    list_select_related = ["provider"]
    fields = ["provider_link", "amount_units", "unbond_at", "released_at", "created_at"]
    readonly_fields = fields

    @admin.display(description="provider")
    def provider_link(self, unbonding):
        return change_link(unbonding.provider)

    @admin.display(description="amount", ordering="amount")
    def amount_units(self, unbonding):
        return money(unbonding.amount, settings.PM_STAKE_ASSET)


@admin.register(Slash)
class SlashAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "provider_link",
        "amount_units",
        "beneficiary_address",
        "job_link",
        "reason",
    ]
    list_select_related = ["provider"]
    fields = [
        "provider_link",
        "amount_units",
        "beneficiary_address",
        "job_link",
        "reason",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description="provider")
    def provider_link(self, slash):
        return change_link(slash.provider)

    @admin.display(description="amount", ordering="amount")
    def amount_units(self, slash):
        return money(slash.amount, settings.PM_STAKE_ASSET)

    @admin.display(description="beneficiary")
    def beneficiary_address(self, slash):
        return address(slash.beneficiary)

    @admin.display(description="job")
    def job_link(self, slash):
        return id_link("jobs.job", slash.job_id, f"job #{slash.job_id}" if slash.job_id else None)
