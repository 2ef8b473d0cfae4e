"""Admin bases shared by every app: staff change state only through admin actions that
call services, never by editing rows.

The console speaks the product's language: amounts in whole units with their asset
(`ledger.units.money`), addresses in SS58 with a copy button, each record linked to
the ones it is about. A staff action a role may not take answers 403 (not a silently
ignored click), and every staff action lands in the admin log with who, what, and the
before/after."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from ledger.errors import LedgerError

from .errors import ApiError
from .identity import address_of


def address(public_key: str):
    """An SS58 address, shortened on screen, whole in a copy button beside it."""
    if not public_key or len(public_key) != 64:
        return public_key or "—"
    full = address_of(public_key)
    return format_html(
        '<span class="pm-address"><code title="{}">{}…{}</code>'
        '<button type="button" class="pm-copy" data-copy="{}" aria-label="Copy address">'
        "Copy</button></span>",
        full,
        full[:6],
        full[-6:],
        full,
    )


def change_link(obj, text=None):
    """A link to `obj`'s page in the console (or just its text if there is none)."""
    if obj is None:
        return "—"
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text if text is not None else obj)


def _label(model) -> str:
    """`app_label_modelname` of a model class or of an `"app_label.modelname"` string (a
    room may link to a room above it without importing it)."""
    if isinstance(model, str):
        return model.replace(".", "_")
    return f"{model._meta.app_label}_{model._meta.model_name}"


def id_link(model, pk, text=None):
    """A link to the page of `model` #`pk` (without loading it)."""
    if pk is None:
        return "—"
    url = reverse(f"admin:{_label(model)}_change", args=[pk])
    return format_html('<a href="{}">{}</a>', url, text if text is not None else f"#{pk}")


def list_link(model, text, **filters):
    """A link to `model`'s list filtered by `filters` (query-string lookups)."""
    url = reverse(f"admin:{_label(model)}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(filters), text)


def log_staff_action(request, obj, what: str, before: dict, after: dict, note: str = "") -> None:
    """Record a staff action in the admin log: who (the signed-in user), what, and each
    field that changed as `field: before → after`."""
    changes = [
        f"{name}: {before.get(name, '—') or '—'} → {after[name] or '—'}"
        for name in after
        if before.get(name) != after[name]
    ]
    message = "; ".join([what, *changes, *([f"note: {note}"] if note else [])])
    LogEntry.objects.log_actions(
        user_id=request.user.pk,
        queryset=[obj],
        action_flag=CHANGE,
        change_message=message[:2000],
        single_object=True,
    )


def logged_service(
    request: HttpRequest,
    what: str,
    service: Callable[..., object],
    shown: Callable[[Any], dict],
) -> Callable[..., None]:
    """An `apply` for `row_action` and `form_action`: calls `service(obj.pk, **inputs)`,
    then logs the staff action with `shown(obj)` (the fields it changes) before and after
    and the `reason` asked, if any, as its note."""

    def apply(obj: Any, **inputs: Any) -> None:
        before = shown(obj)
        service(obj.pk, **inputs)
        obj.refresh_from_db()
        log_staff_action(request, obj, what, before, shown(obj), inputs.get("reason", ""))

    return apply


class WalletColumn:
    """The `wallet_address` column of a model that belongs to a wallet: its address."""

    @admin.display(description="wallet")
    def wallet_address(self, obj):
        return address(obj.wallet.public_key)


class ConsoleAdmin(admin.ModelAdmin):
    """A ModelAdmin whose actions refuse (403) a user the action's permission is missing
    for, instead of Django's "no action selected" — so a role's limits are visible."""

    def changelist_view(self, request, extra_context=None):
        name = request.POST.get("action") if request.method == "POST" else None
        if name and name not in self.get_actions(request):
            known = {action[1] for action in self._get_base_actions()}
            if name in known:
                raise PermissionDenied
        return super().changelist_view(request, extra_context)

    def require(self, request, permission: str) -> None:
        """Raise 403 unless the user holds `permission` (`app_label.codename`)."""
        if not request.user.has_perm(permission):
            raise PermissionDenied


class NoAddDeleteAdmin(ConsoleAdmin):
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
    describe: Callable[[object], object] = str,
) -> TemplateResponse | None:
    """An admin action that first asks for its inputs: shows `form_class` for the selected
    rows (each as `describe(obj)` says, so the person deciding sees what they decide
    on), then calls `apply(obj, **cleaned_data)` for each of them (`row_action`)."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        opts = modeladmin.model._meta
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "rows": [describe(obj) for obj in queryset],
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": opts,
        }
        return TemplateResponse(request, "admin/action_form.html", context)
    row_action(modeladmin, request, queryset, apply, **form.cleaned_data)
    return None
