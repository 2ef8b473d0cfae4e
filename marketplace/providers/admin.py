from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from ledger.errors import LedgerError
from marketplace.core.errors import ApiError
from polkamesh_web.admin import NoAddDeleteAdmin

from . import selectors, services
from .models import Provider, Slash, Unbonding


def form_action(modeladmin, request, queryset, *, form_class, action: str, title: str, apply):
    """An admin action that first asks for its inputs: shows `form_class` for the selected
    rows, then calls `apply(obj, **cleaned_data)` (a service) for each of them."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
        }
        return TemplateResponse(request, "providers/admin_action_form.html", context)
    for obj in queryset:
        try:
            apply(obj, **form.cleaned_data)
        except (ApiError, LedgerError) as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{obj}: done.", messages.SUCCESS)
    return None


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
