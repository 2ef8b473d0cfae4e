"""Admin bases shared by every app: staff change state only through admin actions that
call services, never by editing rows."""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from ledger.errors import LedgerError

from .errors import ApiError


class NoAddDeleteAdmin(admin.ModelAdmin):
    """Rows come from services; staff may act on them through actions, never add or
    delete them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoAddDeleteAdmin):
    """For records nobody may change: the ledger, the audit trail, readings."""

    def has_change_permission(self, request, obj=None):
        return False


def row_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    apply: Callable[..., object],
    **inputs: object,
) -> None:
    """Call `apply(obj, **inputs)` (a service) for each selected row, telling staff how
    each went: a refusal of one row (an API or ledger error) does not stop the others."""
    for obj in queryset:
        try:
            apply(obj, **inputs)
        except (ApiError, LedgerError) as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{obj}: done.", messages.SUCCESS)


def form_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    form_class: type[forms.Form],
    action: str,
    title: str,
    apply: Callable[..., object],
) -> TemplateResponse | None:
    """An admin action that first asks for its inputs: shows `form_class` for the selected
    rows, then calls `apply(obj, **cleaned_data)` for each of them (`row_action`)."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        opts = modeladmin.model._meta
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": opts,
        }
        return TemplateResponse(request, "admin/action_form.html", context)
    row_action(modeladmin, request, queryset, apply, **form.cleaned_data)
    return None
