from django.db import migrations

from ledger.assets import ensure_platform_assets


def create_assets(apps, schema_editor):
    ensure_platform_assets(apps.get_model("ledger", "Asset"))


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(create_assets, migrations.RunPython.noop)]
