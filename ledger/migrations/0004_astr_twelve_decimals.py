from django.db import migrations

from ledger.assets import ensure_platform_assets


def update_assets(apps, schema_editor):
    ensure_platform_assets(apps.get_model("ledger", "Asset"))


class Migration(migrations.Migration):
    """ASTR moves to 12 decimals (ledger/assets.py says why)."""

    dependencies = [("ledger", "0003_route_assets")]
    operations = [migrations.RunPython(update_assets, migrations.RunPython.noop)]
