"""The staff roles as Django groups, least privilege (docs/OPERATIONS.md, "Staff roles"):
every role reads everything; an arbiter resolves disputes and sanctions providers; an
operator approves TEE workers, releases and reviews withdrawals, settles and pauses
batches and withdrawals; a viewer only reads. The batch switch starts running."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Apps whose records staff read (every role may view all of them).
VIEWED_APPS = [
    "chain",
    "artifacts",
    "ledger",
    "core",
    "wallets",
    "providers",
    "jobs",
    "datanft",
    "confidential",
    "intents",
]

ROLES = {
    "arbiter": ["jobs.resolve_dispute", "providers.sanction_provider"],
    "operator": [
        "confidential.review_teeworker",
        "wallets.release_withdrawal",
        "wallets.review_withdrawal",
        "intents.settle_batch",
        "core.pause_batches",
        "chain.pause_withdrawals",
    ],
    "viewer": [],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    views = Permission.objects.filter(
        content_type__app_label__in=VIEWED_APPS, codename__startswith="view_"
    )
    for role, granted in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*views)
        for name in granted:
            app_label, codename = name.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    Pause = apps.get_model("core", "Pause")
    Pause.objects.get_or_create(name="batches")


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_pause"),
        ("ledger", "0003_route_assets"),
        ("wallets", "0003_staff_review"),
        ("chain", "0002_pause_permission"),
        ("artifacts", "0001_initial"),
        ("providers", "0002_staff_permissions"),
        ("jobs", "0003_staff_console"),
        ("datanft", "0002_training_opt_in"),
        ("confidential", "0002_staff_permissions"),
        ("intents", "0004_staff_console"),
    ]

    operations = [migrations.RunPython(create_roles, drop_roles)]
