from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "marketplace.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment checks)
        from .roles import grant_view_permissions

        post_migrate.connect(grant_view_permissions, dispatch_uid="pm-staff-role-views")
