"""The staff console: Django's admin site, branded, whose index is a dashboard
(`polkamesh_web.dashboard`). Installed as the admin app's config, so it is the site
every `@admin.register` registers with."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class ConsoleSite(admin.AdminSite):
    site_header = "PolkaMesh operations"
    site_title = "PolkaMesh console"
    index_title = "What needs a person"
    index_template = "admin/console_index.html"

    def index(self, request, extra_context=None):
        from . import dashboard  # reads the domain apps, which load after this module

        context = dict(extra_context or {})
        if request.user.has_perm("jobs.view_job"):  # any role; a bare staff account sees nothing
            context.update(queues=dashboard.queues(), health=dashboard.health())
        return super().index(request, context)


class ConsoleAdminConfig(AdminConfig):
    default_site = "polkamesh_web.console.ConsoleSite"
