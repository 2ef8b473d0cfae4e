"""The hot wallet's holdings as last checked against the ledger (the console's
reconciliation panel); every staff role may read them, as it reads the rest."""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

import ledger.fields


def let_roles_view(apps, schema_editor):
    chain = apps.get_app_config("chain")
    chain.models_module = True  # permissions are normally created after migrate
    create_permissions(chain, apps=apps, verbosity=0)
    chain.models_module = None
    view = apps.get_model("auth", "Permission").objects.get(
        content_type__app_label="chain", codename="view_holding"
    )
    for group in apps.get_model("auth", "Group").objects.filter(
        name__in=["arbiter", "operator", "viewer"]
    ):
        group.permissions.add(view)


class Migration(migrations.Migration):
    dependencies = [
        ("chain", "0002_pause_permission"),
        ("core", "0003_staff_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="Holding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("asset", models.CharField(max_length=16, unique=True)),
                (
                    "on_chain",
                    ledger.fields.AmountField(help_text="The hot wallet's free balance on chain."),
                ),
                (
                    "owed",
                    ledger.fields.AmountField(
                        help_text="What the ledger owes its users in this asset."
                    ),
                ),
                ("short", models.BooleanField(help_text="On chain is less than owed.")),
                ("checked_at", models.DateTimeField()),
            ],
            options={
                "ordering": ["asset"],
            },
        ),
        migrations.RunPython(let_roles_view, migrations.RunPython.noop),
    ]
