from django import forms
from django.contrib import admin

from marketplace.core.admin_base import NoAddDeleteAdmin, form_action

from . import selectors, services
from .models import Provider, Slash, Unbonding


class SlashForm(forms.Form):
    amount = forms.IntegerField(min_value=1, help_text="In the stake asset's smallest unit.")
    reason = forms.CharField(max_length=200)


class DeactivateForm(forms.Form):
    reason = forms.CharField(max_length=200)


@admin.register(Provider)
class ProviderAdmin(NoAddDeleteAdmin):
    list_display = ["id", "name", "wallet", "reputation", "stake", "active", "jobs_completed"]
    list_filter = ["active"]
    search_fields = ["name", "wallet__public_key"]
    list_select_related = ["wallet"]
    readonly_fields = [f.name for f in Provider._meta.fields]
    actions = ["slash", "deactivate"]

    @admin.display(description="stake")
    def stake(self, provider):
        return selectors.stake_of(provider)

    @admin.action(description="Slash stake to the treasury (asks amount and reason)")
    def slash(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            form_class=SlashForm,
            action="slash",
            title="Slash stake",
            apply=lambda provider, **data: services.slash_provider(provider.pk, **data),
        )

    @admin.action(description="Deactivate (no more bids or assignments)")
    def deactivate(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            form_class=DeactivateForm,
            action="deactivate",
            title="Deactivate",
            apply=lambda provider, **data: services.deactivate_provider(provider.pk, **data),
        )


@admin.register(Unbonding)
class UnbondingAdmin(NoAddDeleteAdmin):
    list_display = ["id", "provider", "amount", "unbond_at", "released_at"]
    readonly_fields = [f.name for f in Unbonding._meta.fields]


@admin.register(Slash)
class SlashAdmin(NoAddDeleteAdmin):
    list_display = ["id", "created_at", "provider", "amount", "beneficiary", "job_id", "reason"]
    readonly_fields = [f.name for f in Slash._meta.fields]
