"""Admin bases shared by every app: staff change state only through admin actions that
call services, never by editing rows."""

from django.contrib import admin


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
