from django.db import migrations

from ledger.assets import ensure_platform_assets


def create_assets(apps, schema_editor):
    ensure_platform_assets(apps.get_model("ledger", "Asset"))


class Migration(migrations.Migration):
    """KSM and ASTR join the platform assets (ledger/assets.py)."""

    dependencies = [("ledger", "0002_platform_assets")]
    operations = [migrations.RunPython(create_assets, migrations.RunPython.noop)]
