"""Staff roles (Django groups created by migration core/0003): every role reads every
record of the platform's apps. Models added after that migration get their view
permission granted here, after each migrate, so "read-only everything" stays true."""

from django.apps import apps as global_apps

ROLES = ("arbiter", "operator", "viewer")


def grant_view_permissions(**kwargs) -> None:
    """post_migrate (sent once per app, after that app's permissions exist): give every
    role the view permission of every platform model."""
    from django.contrib.auth.models import Group, Permission

    labels = [
        c.label
        for c in global_apps.get_app_configs()
        if c.name == "ledger" or c.name.startswith("marketplace.")
    ]
    views = Permission.objects.filter(
        content_type__app_label__in=labels, codename__startswith="view_"
    )
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(*views)
